// Read-only: the target (link, dir), installed version, versioned trees, leftovers, whether the
// archive is there and tar is GNU tar. The archive is not read: its entries are checked while it is
// unpacked (safety.ts), so it is decompressed once per host, and not at all under --check.
import { parseKv, type ProbeOutput } from "../contract.js";
import { readFirstLine, sh } from "../../transport/quote.js";
import { linkTemp } from "../shared/symlink.js";
import { layout, TEMP_PREFIX } from "./layout.js";
import type { ExtractArgs, ExtractState, Tree } from "./types.js";

export function probeScript(args: ExtractArgs): string {
  const l = layout(args);
  const lines = [sh`d=${args.dest}; src=${args.src}`];
  if (l) {
    lines.push(
      sh`t=${l.target}; rel=${l.rel}`,
      `if [ -L "$t" ]; then echo target=link; echo "link=$(readlink "$t")"; elif [ -d "$t" ]; then echo target=dir; elif [ -e "$t" ]; then echo target=other; else echo target=absent; fi`,
      // read, not $(head -n 1): a probe every converged run sends forks what it must, nothing more
      `v=; [ -f "$t/$rel" ] && ${readFirstLine("v", '"$t/$rel"')} && echo "installed=$v"`,
      sh`for x in "$d"/${l.top}-*; do [ -d "$x" ] && [ ! -L "$x" ] && [ -f "$x/$rel" ] || continue; v=; ` +
        `${readFirstLine("v", '"$x/$rel"')}; echo "tree=\${x##*/} $v"; done`,
      sh`for x in "$d"/${TEMP_PREFIX}* ${linkTemp(l.target)}; do [ -e "$x" ] || [ -L "$x" ] && echo "stale=\${x##*/}"; done`,
    );
  } else if (args.creates) {
    lines.push(sh`if [ -e ${args.creates} ]; then echo creates=1; fi`);
  }
  lines.push(
    `if command -v tar >/dev/null 2>&1; then case $(tar --version 2>/dev/null) in *GNU*) echo tar=gnu;; *) echo tar=other;; esac; fi`,
    `[ -f "$src" ] && echo src=1`,
    "exit 0",
  );
  return lines.join("\n");
}

export function parseProbe(out: ProbeOutput): ExtractState {
  const kv = parseKv(out.stdout);
  const lines = out.stdout.split("\n");
  const values = (key: string) => lines.filter((x) => x.startsWith(`${key}=`)).map((x) => x.slice(key.length + 1));
  const trees: Tree[] = values("tree").map((t) => {
    const sp = t.indexOf(" ");
    return { name: t.slice(0, sp), version: t.slice(sp + 1) };
  });
  const state: ExtractState = {
    target: (kv.target as ExtractState["target"] | undefined) ?? "absent",
    trees,
    stale: values("stale"),
    creates: kv.creates === "1",
    src: kv.src === "1",
    tar: kv.tar === "gnu" || kv.tar === "other" ? kv.tar : "none",
  };
  if (kv.link !== undefined) state.link = kv.link;
  if (kv.installed !== undefined) state.installed = kv.installed;
  return state;
}
