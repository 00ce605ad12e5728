// No import cycle in src/: neither between files nor between the domains (src/<folder>) they live in.
// Type-only imports count too: a cycle of types still ties two domains into one.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

type Graph = Map<string, Map<string, string>>;

/** The first cycle found in `graph`, as `a → b → a`, each edge followed by why it exists; undefined when none. */
export function findCycle(graph: Graph): string | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === "open") return [...path.slice(path.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) {
      const why = cycle.slice(0, -1).map((from, i) => graph.get(from)!.get(cycle[i + 1]!)!);
      return `${cycle.join(" → ")} (${why.join("; ")})`;
    }
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of every file in src/ (`./x.js` names `./x.ts`), as `file → file`. */
function fileGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file);
    const edges = new Map<string, string>();
    for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const to = relative(SRC, resolve(dirname(file), fileName.replace(/\.js$/, ".ts")));
      edges.set(to, `${from} imports ${to}`);
    }
    graph.set(from, edges);
  }
  return graph;
}

/** The domain of a file: its top folder under src/ (`modules/download/apply.ts` → modules), or the file itself at the top. */
const domain = (file: string): string => file.split("/")[0]!;

function domainGraph(files: Graph): Graph {
  const graph: Graph = new Map();
  for (const [from, edges] of files) {
    const own = graph.get(domain(from)) ?? new Map<string, string>();
    graph.set(domain(from), own);
    for (const [to, why] of edges) if (domain(to) !== domain(from) && !own.has(domain(to))) own.set(domain(to), why);
  }
  return graph;
}

describe("import graph of src/", () => {
  const files = fileGraph();

  it("reads the imports it should (type-only and re-exports included)", () => {
    expect(files.get("modules/contract.ts")?.has("facts/types.ts")).toBe(true);
    expect(files.get("cli/exit.ts")?.has("engine/types.ts")).toBe(true);
  });

  it("has no cycle between files", () => {
    expect(findCycle(files) ?? "no cycle").toBe("no cycle");
  });

  it("has no cycle between domains (src/<folder>)", () => {
    expect(findCycle(domainGraph(files)) ?? "no cycle").toBe("no cycle");
  });

  it.each<[string, Record<string, string[]>, string | undefined]>([
    ["none", { a: ["b"], b: ["c"], c: [] }, undefined],
    ["two nodes", { a: ["b"], b: ["a"] }, "a → b → a (a→b; b→a)"],
    ["behind a tail", { a: ["b"], b: ["c"], c: ["d"], d: ["b"] }, "b → c → d → b (b→c; c→d; d→b)"],
    ["self", { a: ["a"] }, "a → a (a→a)"],
  ])("findCycle names the cycle: %s", (_name, edges, want) => {
    const graph: Graph = new Map(
      Object.entries(edges).map(([from, tos]) => [from, new Map(tos.map((to) => [to, `${from}→${to}`]))]),
    );
    expect(findCycle(graph)).toBe(want);
  });
});
