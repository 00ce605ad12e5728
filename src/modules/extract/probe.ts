// Read-only: the target (link, dir), installed version, versioned trees, leftovers, and the archive
// listing, which the host prints only when an extraction may be needed (listing 70 MB costs seconds).
import { parseKv, type ProbeOutput } from "../contract.js";
import { sh } from "../../transport/quote.js";
import { linkTemp } from "../shared/symlink.js";
import { layout, tarFlag, TEMP_PREFIX } from "./layout.js";
import { parseEntry, type Entry } from "./listing.js";
import type { ExtractArgs, ExtractState, Tree } from "./types.js";

export function probeScript(args: ExtractArgs): string {
  const l = layout(args);
  const lines = [sh`d=${args.dest}; src=${args.src}; need=1`];
  if (l) {
    lines.push(
      sh`t=${l.target}; rel=${l.rel}; want=${args.version!}`,
      `if [ -L "$t" ]; then echo target=link; echo "link=$(readlink "$t")"; elif [ -d "$t" ]; then echo target=dir; elif [ -e "$t" ]; then echo target=other; else echo target=absent; fi`,
      `v=; [ -f "$t/$rel" ] && v=$(head -n 1 "$t/$rel") && echo "installed=$v"`,
      `[ "$v" = "$want" ] && need=0`,
      sh`for x in "$d"/${l.top}-*; do [ -d "$x" ] && [ ! -L "$x" ] && [ -f "$x/$rel" ] || continue; v=$(head -n 1 "$x/$rel"); echo "tree=\${x##*/} $v"; [ "$v" = "$want" ] && need=0; done`,
      sh`for x in "$d"/${TEMP_PREFIX}* ${linkTemp(l.target)}; do [ -e "$x" ] || [ -L "$x" ] && echo "stale=\${x##*/}"; done`,
    );
  } else if (args.creates) {
    lines.push(sh`if [ -e ${args.creates} ]; then echo creates=1; need=0; fi`);
  }
  const flag = tarFlag(args.src);
  lines.push(
    `command -v tar >/dev/null 2>&1 && echo tar=1`,
    `if [ -f "$src" ]; then echo src=1`,
    // tar's exit status must survive the pipe to sed, so the listing goes through a variable;
    // stderr stays apart (tar warns about the very names we check), fetched again only on failure.
    `  if [ $need = 1 ]; then out=$(tar -tv${flag}f "$src" 2>/dev/null); rc=$?; echo "list_exit=$rc"`,
    `    if [ $rc = 0 ]; then printf '%s\\n' "$out" | sed 's/^/entry=/'; else echo "list_error=$(tar -t${flag}f "$src" 2>&1 >/dev/null | tail -n 1)"; fi`,
    `  fi`,
    `fi`,
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
    tar: kv.tar === "1",
  };
  if (kv.link !== undefined) state.link = kv.link;
  if (kv.installed !== undefined) state.installed = kv.installed;
  if (kv.list_exit !== undefined) {
    if (kv.list_exit !== "0") state.listError = kv.list_error || `tar exited ${kv.list_exit}`;
    else state.entries = values("entry").filter((x) => x !== "").map((x) => parseEntry(x) ?? { type: "?", name: x, line: x });
  }
  return state;
}

export type { Entry };
