// armgo against ansible-core on the same vars and inventory: the table in ansible-conformance.yaml,
// answered by two ansible-playbook runs and by armgo, compared one by one.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectHosts } from "../../src/load/select.js";
import { lazyVars } from "../../src/engine/vars.js";
import { parseInventory } from "../../src/load/inventory.js";
import { YamlFile } from "../../src/load/yaml.js";
import { test as condition } from "../../src/template/expr.js";
import { render } from "../../src/template/render.js";
import { askAnsible, type Answer, type OracleAnswers } from "./ansible-oracle.js";

type Entry = string | { expr: string; ansible: unknown; armgo: unknown; why: string };
interface Table {
  vars: Record<string, unknown>;
  when: Entry[];
  render: Entry[];
  inventory: unknown;
  patterns: string[];
}

const TABLE_FILE = new URL("./ansible-conformance.yaml", import.meta.url);
const table = parse(readFileSync(TABLE_FILE, "utf8")) as Table;
const exprOf = (e: Entry): string => (typeof e === "string" ? e : e.expr);

/** The table's way of writing an answer: a value, or `error`. */
const shown = (a: Answer): unknown => ("error" in a ? "error" : a.value);

function armgo(f: () => unknown): Answer {
  try {
    // a JSON round trip, as ansible's output went through one
    return { value: JSON.parse(JSON.stringify(f()) ?? "null") };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const counts = { when: 0, render: 0, patterns: 0, deliberate: 0 };

describe("Ansible conformance (ansible-core is the oracle)", () => {
  let ansible: OracleAnswers;
  beforeAll(async () => {
    ansible = await askAnsible({ ...table, when: table.when.map(exprOf), render: table.render.map(exprOf) });
  });
  afterAll(() => {
    // counted only where equal: a shortfall means some entry disagreed, and its test failed above
    const total = table.when.length + table.render.length + table.patterns.length;
    const equal = counts.when + counts.render + counts.patterns + counts.deliberate === total;
    console.log(
      `conformance: ${counts.when} when, ${counts.render} renderings, ${counts.patterns} patterns: ${equal ? "all equal" : "SOME DIFFER"}, ${counts.deliberate} deliberate differences`,
    );
  });

  const compare = (kind: "when" | "render", entries: Entry[], evaluate: (src: string) => unknown): void => {
    it.each(entries.map((e, i) => [exprOf(e), e, i] as const))(`${kind} %s`, (src, entry, i) => {
      const mine = shown(armgo(() => evaluate(src)));
      const theirs = shown(ansible[kind][i]!);
      if (typeof entry === "string") {
        expect(mine, `ansible-core says ${JSON.stringify(ansible[kind][i])}`).toEqual(theirs);
        counts[kind]++;
      } else {
        // a deliberate difference: both sides exactly as the table says
        expect({ ansible: theirs, armgo: mine }).toEqual({ ansible: entry.ansible, armgo: entry.armgo });
        counts.deliberate++;
      }
    });
  };

  compare("when", table.when, (src) => condition(src, lazyVars([table.vars])));
  compare("render", table.render, (src) => render(src, lazyVars([table.vars])));

  const inventory = parseInventory(YamlFile.parse("conformance-inventory.yaml", JSON.stringify(table.inventory)));
  it.each(table.patterns.map((p, i) => [p, i] as const))("pattern %s", (pattern, i) => {
    // --list-hosts prints a set, so the order is not Ansible's to compare
    expect([...selectHosts(inventory, pattern)].sort()).toEqual([...ansible.patterns[i]!].sort());
    counts.patterns++;
  });

  it("the table is as large as the issue asks", () => {
    expect(table.when.length).toBeGreaterThanOrEqual(100);
    expect(table.render.length).toBeGreaterThanOrEqual(60);
    expect(table.patterns.length).toBeGreaterThanOrEqual(20);
  });
});
