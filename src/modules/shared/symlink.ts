// The atomic symlink switch (a Go toolchain behind /usr/local/go, a release behind `current`):
// `ln -sfn` is unlink + symlink, a window with no link at all; a new link renamed over the old is atomic.
import { sh } from "../../transport/quote.js";
import { PAST_NO_RETURN } from "../../transport/watch.js";

/** Where the new link is made before it is renamed over `link`: a leftover of a killed run. */
export function linkTemp(link: string): string {
  return `${link}.armgo-new`;
}

/**
 * Shell: make `link` point to `to` (as written: relative targets stay relative); a failure exits 1.
 * The switch is the script's point of no return: from here it finishes even when the run is interrupted.
 */
export function switchLink(link: string, to: string): string {
  const tmp = linkTemp(link);
  return `${PAST_NO_RETURN}\n` + sh`rm -f -- ${tmp} && ln -s -- ${to} ${tmp} && mv -T -- ${tmp} ${link} || exit 1`;
}
