// The archive is checked while it is unpacked, not listed first (that decompressed it twice): GNU tar
// keeps every write inside the temp dir (strips `/` and `../`, refuses `..` members, makes a symlink
// that points up or out only after all files are written), then the unpacked tree and tar's own
// listing are checked before the tree is used. A refused tree goes with the temp dir.
import { sh } from "../../transport/quote.js";
import { tarFlag } from "./layout.js";

/** Exit status of the unpack script when the archive holds an entry that must not be used. */
export const EXIT_UNSAFE = 8;
/** Exit status when tar itself failed (corrupt archive, disk full). */
export const EXIT_TAR = 5;

// Per `tar -xvv` line: the name after the date and time; what no entry of a tree at `root` may be.
const LISTING_CHECK = `{
  if (!match($0, / [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9](:[0-9][0-9])? /)) next
  t = substr($0, 1, 1); n = substr($0, RSTART + RLENGTH); target = ""
  if (t == "h") { i = index(n, " link to "); target = substr(n, i + 9); n = substr(n, 1, i - 1) }
  if (substr(n, 1, 1) == "/") { print "absolute path: " n; exit }
  if (t == "b" || t == "c" || t == "p") { print "device or fifo: " n; exit }
  if (t == "h" && root != "" && index(target, root "/") != 1) { print "hardlink to outside: " n; exit }
}`;

// Each symlink of the tree resolved physically, as the kernel will: it must stay inside $top.
const SYMLINK_CHECK = `base=$1; top=$2; shift 2
for l; do
  n=\${l#"$base"/}
  case $(readlink "$l") in /*) echo "symlink to an absolute path: $n"; exit;; esac
  r=$(realpath -m "$l" 2>/dev/null || readlink -f "$l")
  case $r in "$top" | "$top"/*) ;; *) echo "symlink pointing outside: $n"; exit;; esac
done`;

/**
 * Shell: unpack `src` into "$tmp/tree" (tar's listing and complaints beside it) and check it. `root`: the one top-level directory the tree must
 * have (e.g. `go`), "" for any. Exits EXIT_UNSAFE after printing `refused=<reason>: <entry>`.
 */
export function unpackChecked(src: string, root: string): string {
  return [
    // --no-same-owner: files belong to whoever extracts (root under become), not to the archive's uid.
    `mkdir "$tmp/tree" || exit 1`,
    // LC_ALL=C: the listing and the complaints read below are tar's untranslated words.
    sh`LC_ALL=C tar -xvv${tarFlag(src)}f ${src} -C "$tmp/tree" --no-same-owner >"$tmp/list" 2>"$tmp/err"; rc=$?`,
    `bad=$(sed -n "s/^tar: \\(.*\\): Member name contains '\\.\\.'$/'..' in path: \\1/p" "$tmp/err" | head -n 1)`,
    sh`[ -n "$bad" ] || bad=$(awk -v root=${root} ${LISTING_CHECK} "$tmp/list")`,
    root === ""
      ? ""
      : sh`[ -n "$bad" ] || for e in "$tmp"/tree/* "$tmp"/tree/.[!.]* "$tmp"/tree/..?*; do [ -e "$e" ] || [ -L "$e" ] || continue; [ "\${e##*/}" = ${root} ] || { bad=${`outside ${root}/: `}"\${e##*/}"; break; }; done`,
    `base=$(cd "$tmp/tree" && pwd -P) || exit 1`,
    sh`[ -n "$bad" ] || bad=$(find "$base" -type l -exec sh -c ${SYMLINK_CHECK} sh "$base" "$base"${root === "" ? "" : "/" + root} {} + | head -n 1)`,
    // as root tar keeps set-id bits even with --no-same-owner: a root-owned setuid file from an archive is a way in
    `[ -n "$bad" ] || bad=$(find "$base" -type f -perm /6000 | head -n 1 | sed "s|^$base/|setuid or setgid file: |")`,
    `if [ -n "$bad" ]; then echo "refused=$bad"; exit ${EXIT_UNSAFE}; fi`,
    // tar's first complaint says what went wrong (gzip: unexpected end of file); its last line does not.
    `if [ $rc != 0 ]; then grep -v -e '^$' -e 'Removing leading' "$tmp/err" | head -n 1 >&2; exit ${EXIT_TAR}; fi`,
  ]
    .filter((x) => x !== "")
    .join("\n");
}
