// Jinja's and Ansible's tests (`x is defined`, `r is failed`, `v is version('1.22', '>=')`).
import { ExprError } from "../errors.js";
import { bind, type Call } from "./args.js";
import { compare, contains, equal, isDict, items, truthy, type Dict } from "./python.js";
import { firstMatch, pyRegex } from "./regex.js";
import { Undef, use } from "./undefined.js";
import { versionTest } from "./version.js";

const one = (what: string, args: unknown[], kw: Dict): unknown => bind(what, args, kw, [["other"]])[0];

function cmp(pred: (c: number) => boolean, op: string): Call {
  return (v, a, kw) => pred(compare(v, one(op, a, kw), op));
}

/** Ansible's result tests take a registered result, which is a mapping. */
function result(name: string, read: (r: Dict) => unknown): Call {
  return (v) => {
    if (!isDict(v)) throw new ExprError(`The '${name}' test expects a dictionary`);
    return truthy(read(v));
  };
}

const failed = (r: Dict): unknown => r.failed ?? false;

function changed(r: Dict): unknown {
  if ("changed" in r) return r.changed;
  // a loop's result changed when any item did
  return Array.isArray(r.results) && r.results.some((x) => isDict(x) && truthy(x.changed));
}

function regexTest(kind: "match" | "search"): Call {
  return (v, a, kw) => {
    const [pattern, ignorecase, multiline, matchType] = bind(kind, a, kw, [
      ["pattern"],
      ["ignorecase", false],
      ["multiline", false],
      ["match_type", kind],
    ]);
    return (
      firstMatch(pyRegex(String(pattern), { ignorecase, multiline, sticky: matchType === "match" }), String(v)) !== null
    );
  };
}

const isNumber = (v: unknown): boolean => typeof v === "number";

const TESTS = new Map<string, Call>([
  ["none", (v) => v === null],
  ["string", (v) => typeof v === "string"],
  ["number", isNumber],
  ["integer", (v) => Number.isInteger(v)],
  ["float", (v) => isNumber(v) && !Number.isInteger(v)],
  ["boolean", (v) => typeof v === "boolean"],
  ["true", (v) => v === true],
  ["false", (v) => v === false],
  ["mapping", isDict],
  ["sequence", (v) => typeof v === "string" || Array.isArray(v) || isDict(v)],
  ["iterable", (v) => typeof v === "string" || Array.isArray(v) || isDict(v)],
  ["sameas", (v, a, kw) => v === one("sameas", a, kw)],
  ["eq", (v, a, kw) => equal(v, one("eq", a, kw))],
  ["ne", (v, a, kw) => !equal(v, one("ne", a, kw))],
  ["lt", cmp((c) => c < 0, "<")],
  ["le", cmp((c) => c <= 0, "<=")],
  ["gt", cmp((c) => c > 0, ">")],
  ["ge", cmp((c) => c >= 0, ">=")],
  ["in", (v, a, kw) => contains(one("in", a, kw), v)],
  ["contains", (v, a, kw) => contains(v, one("contains", a, kw))],
  ["divisibleby", (v, a, kw) => Number(v) % Number(one("divisibleby", a, kw)) === 0],
  ["even", (v) => Number(v) % 2 === 0],
  ["odd", (v) => Math.abs(Number(v) % 2) === 1],
  ["lower", (v) => String(v) === String(v).toLowerCase()],
  ["upper", (v) => String(v) === String(v).toUpperCase()],
  ["truthy", (v) => truthy(v)],
  ["falsy", (v) => !truthy(v)],
  ["match", regexTest("match")],
  ["search", regexTest("search")],
  ["regex", regexTest("search")],
  [
    "version",
    (v, a, kw) => {
      const [other, op, strict, type] = bind("version", a, kw, [
        ["version"],
        ["operator", "eq"],
        ["strict", null],
        ["version_type", null],
      ]);
      return versionTest(v, other, op, strict, type);
    },
  ],
  ["failed", result("failed", failed)],
  ["succeeded", result("succeeded", (r) => !truthy(failed(r)))],
  ["changed", result("changed", changed)],
  ["skipped", result("skipped", (r) => r.skipped ?? false)],
  ["unreachable", result("unreachable", (r) => r.unreachable ?? false)],
  ["subset", (v, a, kw) => items(v, "subset").every((x) => contains(one("subset", a, kw), x))],
  ["superset", (v, a, kw) => items(one("superset", a, kw), "superset").every((x) => contains(v, x))],
  ["all", (v) => items(v, "all").every(truthy)],
  ["any", (v) => items(v, "any").some(truthy)],
]);

const ALIASES: Array<[string, string]> = [
  ["==", "eq"],
  ["equalto", "eq"],
  ["!=", "ne"],
  ["<", "lt"],
  ["lessthan", "lt"],
  ["<=", "le"],
  [">", "gt"],
  ["greaterthan", "gt"],
  [">=", "ge"],
  ["version_compare", "version"],
  ["failure", "failed"],
  ["success", "succeeded"],
  ["successful", "succeeded"],
  ["change", "changed"],
  ["skip", "skipped"],
];
for (const [alias, name] of ALIASES) TESTS.set(alias, TESTS.get(name)!);

// Type tests answer false for an undefined value instead of failing, as in Jinja
const ACCEPT_UNDEFINED = new Set([
  "none",
  "string",
  "number",
  "integer",
  "float",
  "boolean",
  "true",
  "false",
  "mapping",
  "sequence",
  "iterable",
  "sameas",
]);

/** Apply the test `name`; `defined`/`undefined` look at the undefined value itself. */
export function runTest(name: string, v: unknown, args: unknown[], kwargs: Dict): boolean {
  if (name === "defined" || name === "undefined") return v instanceof Undef === (name === "undefined");
  const t = TESTS.get(name);
  if (!t)
    throw new ExprError(
      `unknown test '${name}' (known: defined, undefined, ${[...TESTS.keys()].filter((k) => /^\w/.test(k)).join(", ")})`,
    );
  if (v instanceof Undef && ACCEPT_UNDEFINED.has(name)) return false;
  return truthy(t(use(v), args, kwargs));
}
