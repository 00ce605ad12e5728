// The atomic write of a small text file on the host (manifests, unit files, env files): printf to a
// temp file beside it, then rename over it, so a reader sees the old text or the new, never half.
import { sh } from "../../transport/quote.js";

/** Shell: write `text` to `path` via `path + tmp`; `mode` (octal) is set on the temp file before any byte lands. */
export function writeFileScript(path: string, text: string, opts: { tmp?: string; mode?: string } = {}): string {
  const tmp = path + (opts.tmp ?? ".armgo-tmp");
  const create = opts.mode ? sh`rm -f ${tmp} && (umask 077 && : > ${tmp}) && chmod ${opts.mode} ${tmp} && ` : "";
  return create + sh`printf '%s' ${text} > ${tmp} && mv -f ${tmp} ${path}`;
}
