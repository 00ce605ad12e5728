// The hash probe of a file on the host and its parser, for every module that verifies a file, and
// the manifest beside a verified file: `size mtime ctime inode sha256`. A probe re-hashes only when
// stat no longer matches it, so a re-run over a 70 MB archive costs one stat, not a hash.
import { quote, readFirstLine, sh } from "../../transport/quote.js";

/** What the hash probe learned: the sha256, and how (from the manifest, by hashing, or not at all: no sha256sum). */
export interface HashState {
  sha256?: string;
  hashed: "manifest" | "hash" | "none";
}

export function manifestPath(path: string): string {
  return `${path}.armgo-sha256`;
}

/**
 * Shell: sets $stf, the stat format that identifies a file's content cheaply (changes on any write,
 * rename-in or touch). Nanosecond times where stat has them, so a rewrite in the same second shows.
 */
const STAT_FORMAT = `stf='%s %Y %Z %i'; case $(stat -c %.9Y / 2>/dev/null) in *.?????????) stf='%s %.9Y %.9Z %i' ;; esac`;

/**
 * Probe fragment for an existing file: prints `stat=`, `manifest=`, `sha256=` (from the manifest
 * when stat matches it and `full` is false, else by hashing) and `hashed=1|0|none` (none: no sha256sum).
 */
export function hashProbe(path: string, full: boolean): string {
  return [
    STAT_FORMAT,
    sh`st=$(stat -c "$stf" ${path} 2>/dev/null) || st=`,
    `echo "stat=$st"`,
    // read, not $(head -n 1): one process fewer on every host on every run that verifies a file
    `m=; ${readFirstLine("m", quote(manifestPath(path)))}`,
    `echo "manifest=$m"`,
    `if [ ${full ? 1 : 0} = 0 ] && [ -n "$st" ] && [ "\${m% *}" = "$st" ]; then echo "sha256=\${m##* }"; echo hashed=0`,
    `elif command -v sha256sum >/dev/null 2>&1; then ${hashInto(path)} && echo "sha256=$h"; echo hashed=1`,
    `else echo hashed=none; fi`,
  ].join("\n");
}

/** Shell: sets $h to the sha256 (hex) of the file at `path`; fails when it cannot be read. */
export function hashInto(path: string): string {
  return sh`h=$(sha256sum < ${path})` + ` && h=\${h%% *}`;
}

/** Read the hash probe's keys out of a probe's key=value output. */
export function parseHashProbe(kv: Record<string, string>): HashState {
  const state: HashState = { hashed: kv.hashed === "0" ? "manifest" : kv.hashed === "1" ? "hash" : "none" };
  if (kv.sha256 && /^[0-9a-f]{64}$/.test(kv.sha256)) state.sha256 = kv.sha256;
  return state;
}

/** Apply fragment: record the manifest for `path` whose verified hash is in $got (temp + rename). */
export function writeManifest(path: string): string {
  const man = manifestPath(path);
  return (
    STAT_FORMAT +
    "\n" +
    sh`st=$(stat -c "$stf" ${path}) && printf '%s %s\n' "$st" "$got" > ${man + ".tmp"} && mv -f ${man + ".tmp"} ${man}`
  );
}
