// The atomic write of a small text file on the host (a manifest, a unit file, an env script): printf
// to a temp file beside it, then rename over it, so a reader sees the old text or the new, never half.
import { sh } from "../../transport/quote.js";

/** Shell: write `text` to `path` through the temp file `path + tmp`; a failure is the exit status. */
export function writeFileScript(path: string, text: string, opts: { tmp?: string } = {}): string {
  const tmp = path + (opts.tmp ?? ".armgo-tmp");
  return sh`printf '%s' ${text} > ${tmp} && mv -f ${tmp} ${path}`;
}
