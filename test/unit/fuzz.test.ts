// Property-based fuzzing of what armgo parses from users: the expression language, checksum files,
// INI and YAML inventories and host patterns. Whatever the input, the only failure is armgo's own
// typed error (one line, never a TypeError or RangeError), nothing hangs, and cost grows linearly.
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArmgoError } from "../../src/errors.js";
import { loadInventory } from "../../src/load/inventory.js";
import { InventoryData } from "../../src/load/inventory/data.js";
import { parseIni } from "../../src/load/inventory/ini.js";
import { parseYamlInventory } from "../../src/load/inventory/yaml.js";
import { selectHosts } from "../../src/load/select.js";
import { YamlFile } from "../../src/load/yaml.js";
import { parseChecksumFile } from "../../src/modules/checksum-spec.js";
import { evaluate } from "../../src/template/compile.js";
import { evalNode } from "../../src/template/eval.js";
import { Parser } from "../../src/template/parse.js";
import { render } from "../../src/template/render.js";
import { expectLinear } from "./linear-cost.js";

const RUNS = { numRuns: 400, seed: 20 };

/** Runs `f`; a thrown ArmgoError is a clean refusal (its one line has no line break but its own list's), anything else fails. */
function refusesCleanly(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ArmgoError)) throw new Error(`not a typed error: ${String(e)}`, { cause: e });
    expect(e.oneLine().length).toBeGreaterThan(0);
  }
}

/** Text built from the pieces a grammar is made of, so the fuzzer reaches past the tokenizer. */
const pieces = (words: string[]): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 4 })), { maxLength: 40 }).map((w) => w.join(""));

const VARS = { a: 1, s: "text", l: [1, 2, 3], d: { k: "v", n: { m: 2 } }, t: true, z: null };

describe("fuzz: the expression language", () => {
  const EXPR = [
    "a",
    "s",
    "l",
    "d",
    "t",
    "z",
    "x",
    ".",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ":",
    ",",
    " ",
    "'",
    '"',
    "1",
    "0.5",
    "-",
    "+",
    "*",
    "/",
    "//",
    "%",
    "**",
    "~",
    "==",
    "!=",
    "<",
    ">=",
    " and ",
    " or ",
    "not ",
    " in ",
    " is ",
    " if ",
    " else ",
    "|",
    "default(",
    "length",
    "lower",
    "int",
    "bool",
    "join",
    "map(",
    "select(",
    "regex_replace(",
    "version(",
    "defined",
    "undefined",
    "true",
    "false",
    "none",
    "k",
    "n",
    "m",
    "\\",
    "\n",
    "{{",
    "}}",
    "{%",
    "%}",
  ];

  it("evaluate: any expression gives a value or an ExprError", () => {
    fc.assert(
      fc.property(pieces(EXPR), (src) => refusesCleanly(() => evaluate(src, VARS))),
      RUNS,
    );
  });

  it("render: any text with {{ }} gives text or an ExprError", () => {
    fc.assert(
      fc.property(pieces(EXPR), pieces(EXPR), (a, b) => refusesCleanly(() => render(`${a}{{ ${b} }}${a}`, VARS))),
      RUNS,
    );
  });

  it("costs linear time in the expression's length (sums, nested brackets)", () => {
    // parse and evaluate each time: evaluate() memoises the parse per source, which would time a cache hit
    const parseAndEvaluate = (src: string) => refusesCleanly(() => evalNode(new Parser(src).parse(), VARS));
    expectLinear((n) => Array.from({ length: n }, (_, i) => `a + ${i}`).join(" + "), parseAndEvaluate, {
      n: 80,
      what: "a sum of terms",
    });
    // 400 levels at most: deeper overflows the stack, which compile() turns into an ExprError (tested above)
    expectLinear((n) => `${"[".repeat(n)}1${"]".repeat(n)}`, parseAndEvaluate, { n: 25, what: "nested brackets" });
  });

  it("costs linear time in a chain's length (filters, attributes)", () => {
    // a dict holding itself: `a.b.b.b…` stays defined however long the chain
    const a: Record<string, unknown> = {};
    a.b = a;
    const chainVars = { s: "Ab", a };
    const parseAndEvaluate = (src: string) => evalNode(new Parser(src).parse(), chainVars);
    // 3,200 filters: each used to recurse once, which overflowed the stack here
    expectLinear((n) => `s${" | lower | upper".repeat(n)}`, parseAndEvaluate, { n: 100, what: "a filter chain" });
    // 1,600 attributes: each step spelt out the whole dotted path (for an undefined name's message), quadratic
    expectLinear((n) => `a${".b".repeat(n)}`, parseAndEvaluate, { n: 100, what: "an attribute chain" });
  });
});

describe("fuzz: checksum files", () => {
  const HEX = "0123456789abcdef".repeat(4);
  const LINE = [
    HEX,
    HEX.toUpperCase(),
    "  ",
    " *",
    "\\",
    "SHA256 (",
    ") = ",
    "go.tgz",
    "other.tgz",
    "#",
    "\r\n",
    "\n",
    "\t",
    "./",
  ];

  it("any text gives a sha256 of 64 hex digits or a TaskError", () => {
    fc.assert(
      fc.property(pieces(LINE), (text) =>
        refusesCleanly(() => expect(parseChecksumFile(text, ["go.tgz"])).toMatch(/^[0-9a-f]{64}$/)),
      ),
      RUNS,
    );
  });

  it("costs linear time in the number of lines", () => {
    expectLinear(
      (n) => Array.from({ length: n }, (_, i) => `${HEX}  f${i}.tgz\n`).join("") + `${HEX}  go.tgz\n`,
      (t) => parseChecksumFile(t, ["go.tgz"]),
      { n: 500, what: "checksum lines" },
    );
  });
});

describe("fuzz: inventories", () => {
  const INI = [
    "[",
    "]",
    "web",
    "db",
    ":children",
    ":vars",
    "\n",
    " ",
    "=",
    "h1",
    "h[1:3]",
    "[a:c]",
    "[01:10:2]",
    ":22",
    "ansible_host=",
    "ansible_port=",
    "x",
    "'",
    '"',
    "#",
    ";",
    "all",
    "ungrouped",
    "[:]",
    "[9:1]",
    "1.2.3.4",
    "[::1]",
  ];
  const YAML = [
    "all:",
    "web:",
    "\n",
    "  ",
    "hosts:",
    "children:",
    "vars:",
    " h1:",
    " h[1:3]:",
    " {",
    "}",
    "[",
    "]",
    " x: 1",
    "&a ",
    "*a",
    "- ",
    "ansible_port: ",
    "22",
    "null",
    "~",
    "'",
    '"',
    ": ",
    "db:",
    "<<: ",
  ];

  const ini = (text: string): void => {
    const inv = new InventoryData();
    parseIni("hosts.ini", text, inv);
    inv.reconcile();
  };
  const yaml = (text: string): void => {
    const inv = new InventoryData();
    parseYamlInventory(YamlFile.parse("hosts.yml", text, { ansible: true }), inv);
    inv.reconcile();
  };

  it("INI: any text loads or is an InputError", () => {
    fc.assert(
      fc.property(pieces(INI), (t) => refusesCleanly(() => ini(t))),
      RUNS,
    );
  });

  it("YAML: any text loads or is an InputError", () => {
    fc.assert(
      fc.property(pieces(YAML), (t) => refusesCleanly(() => yaml(t))),
      RUNS,
    );
  });

  it("cost grows linearly with hosts and groups", () => {
    expectLinear((n) => `[web]\n${Array.from({ length: n }, (_, i) => `h${i} ansible_port=${i}\n`).join("")}`, ini, {
      n: 200,
      what: "INI hosts",
    });
    expectLinear(
      (n) =>
        Array.from({ length: n }, (_, i) => `[g${i}]\nh${i}\n[g${i}:vars]\nv=${i}\n`).join("") +
        `[fleet:children]\n${Array.from({ length: n }, (_, i) => `g${i}\n`).join("")}`,
      ini,
      { n: 50, what: "INI groups" },
    );
    expectLinear(
      (n) => `web:\n  hosts:\n${Array.from({ length: n }, (_, i) => `    h${i}: { ansible_port: ${i} }\n`).join("")}`,
      yaml,
      { n: 200, what: "YAML hosts" },
    );
  });
});

describe("fuzz: host patterns", () => {
  const dir = mkdtempSync(join(tmpdir(), "armgo-fuzz-"));
  const file = join(dir, "hosts.ini");
  writeFileSync(file, `[web]\nweb[01:20]\n[db]\ndb[1:5]\n[arm:children]\nweb\n[arm]\nlone\n`);
  const inv = loadInventory(file);
  const PAT = [
    "web",
    "db",
    "arm",
    "all",
    "*",
    "?",
    "web0*",
    "db[1]",
    "[0:2]",
    ":",
    ",",
    "&",
    "!",
    "~",
    "^web",
    "(",
    ")",
    "\\",
    "lone",
    "nope",
    " ",
  ];

  it("any pattern selects inventory hosts or is an InputError", () => {
    fc.assert(
      fc.property(pieces(PAT), (p) =>
        refusesCleanly(() => {
          for (const h of selectHosts(inv, p)) expect(inv.hosts.has(h)).toBe(true);
        }),
      ),
      RUNS,
    );
  });

  it("costs linear time in the number of terms", () => {
    expectLinear(
      (n) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? "!db1" : i % 3 === 1 ? "web*" : "&arm")).join(":"),
      (p) => selectHosts(inv, p),
      { n: 100, what: "pattern terms" },
    );
  });
});
