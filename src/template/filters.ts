// Jinja's and Ansible's filters, with Python's semantics (`| int` of '1.5' is 1, `| bool` of 'yes' is True).
import { ExprError } from "../errors.js";
import { bind, type Call } from "./args.js";
import {
  compare,
  contains,
  equal,
  isDict,
  items as list,
  own,
  percent,
  str,
  truthy,
  typeName,
  type Dict,
} from "./python.js";
import { callMethod } from "./methods.js";
import { firstMatch, pyRegex, searchGroups, sub } from "./regex.js";
import { runTest } from "./tests.js";
import { Undef, use } from "./undefined.js";

/** `attribute='a.b'` or `attribute=0`: a path into each item, as Jinja's make_attrgetter. */
function attr(item: unknown, path: unknown): unknown {
  let v: unknown = item;
  for (const part of String(path).split(".")) {
    if (Array.isArray(v) && /^-?\d+$/.test(part)) v = v.at(Number(part));
    else v = isDict(v) ? own(v, part) : undefined;
    if (v === undefined) return new Undef(`${str(item)}.${String(path)}`);
  }
  return v;
}

/** Jinja's sort key: strings compare case-insensitively unless told otherwise. */
function sortKey(caseSensitive: unknown, attribute: unknown): (x: unknown) => unknown {
  return (x) => {
    const v = attribute === null ? x : use(attr(x, attribute));
    return !caseSensitive && typeof v === "string" ? v.toLowerCase() : v;
  };
}

function extreme(sign: number): Call {
  return (v, a, kw) => {
    const [caseSensitive, attribute] = bind(sign > 0 ? "max" : "min", a, kw, [
      ["case_sensitive", false],
      ["attribute", null],
    ]);
    const items = list(v, sign > 0 ? "max" : "min");
    if (items.length === 0) return new Undef(`${sign > 0 ? "max" : "min"} of an empty sequence`);
    const key = sortKey(caseSensitive, attribute);
    return items.reduce((best, x) => (compare(key(x), key(best)) * sign > 0 ? x : best));
  };
}

/** select/reject/selectattr/rejectattr: keep the items whose test (default: truthy) answers `keep`. */
function selecting(keep: boolean, byAttr: boolean): Call {
  return (v, a) => {
    const [attribute, testName, ...rest] = byAttr ? a : [null, ...a];
    return list(v, "select").filter((x) => {
      const val = byAttr ? attr(x, attribute) : x;
      const ok = testName === undefined ? truthy(use(val)) : runTest(str(testName), val, rest, {});
      return ok === keep;
    });
  };
}

function toBool(v: unknown): unknown {
  if (v === null || typeof v === "boolean") return v;
  const x = typeof v === "string" ? v.toLowerCase() : v;
  return ["yes", "on", "1", "true", 1].includes(x as string | number);
}

function toInt(v: unknown, dflt: unknown = 0): unknown {
  if (typeof v === "boolean") return Number(v);
  if (typeof v === "number") return Math.trunc(v);
  if (typeof v === "string") {
    const t = v.trim().replace(/_/g, "");
    if (/^[+-]?\d+$/.test(t)) return Number(t);
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Math.trunc(Number(t));
  }
  return dflt;
}

/** Python's json.dumps: ", " and ": " separators, as Ansible's to_json prints. */
function pyJson(v: unknown, indent?: number, depth = 0): string {
  if (Array.isArray(v) || isDict(v)) {
    const entries = Array.isArray(v)
      ? v.map((x) => pyJson(x, indent, depth + 1))
      : Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x, indent, depth + 1)}`);
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (entries.length === 0) return open + close;
    if (indent === undefined) return open + entries.join(", ") + close;
    const pad = " ".repeat(indent * (depth + 1));
    return `${open}\n${pad}${entries.join(`,\n${pad}`)}\n${" ".repeat(indent * depth)}${close}`;
  }
  return JSON.stringify(v ?? null);
}

function combine(a: Dict, b: Dict, recursive: boolean): Dict {
  const out: Dict = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = recursive && isDict(out[k]) && isDict(v) ? combine(out[k], v, true) : v;
  return out;
}

const uniq = (items: unknown[]): unknown[] => items.filter((x, i) => items.findIndex((y) => equal(x, y)) === i);

const FILTERS = new Map<string, Call>([
  ["bool", (v) => toBool(v)],
  [
    "int",
    (v, a, kw) =>
      toInt(
        v,
        bind("int", a, kw, [
          ["default", 0],
          ["base", 10],
        ])[0],
      ),
  ],
  [
    "float",
    (v, a, kw) => {
      const n =
        typeof v === "string" ? (/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v) ? Number(v) : NaN) : Number(v);
      return Number.isNaN(n) || v === null ? bind("float", a, kw, [["default", 0]])[0] : n;
    },
  ],
  ["string", (v) => str(v)],
  ["title", (v) => str(v).replace(/[\w']+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())],
  ["trim", (v) => str(v).trim()],
  [
    "length",
    (v) =>
      typeof v === "string" || Array.isArray(v)
        ? v.length
        : isDict(v)
          ? Object.keys(v).length
          : list(v, "length").length,
  ],
  [
    "join",
    (v, a, kw) => {
      const [sep, attribute] = bind("join", a, kw, [
        ["d", ""],
        ["attribute", null],
      ]);
      return list(v, "join")
        .map((x) => str(attribute === null ? x : use(attr(x, attribute))))
        .join(str(sep));
    },
  ],
  [
    "first",
    (v) => {
      const l = list(v, "first");
      return l.length ? l[0] : new Undef("first of an empty sequence");
    },
  ],
  [
    "last",
    (v) => {
      const l = list(v, "last");
      return l.length ? l[l.length - 1] : new Undef("last of an empty sequence");
    },
  ],
  ["min", extreme(-1)],
  ["max", extreme(1)],
  [
    "sum",
    (v, a, kw) => {
      const [attribute, start] = bind("sum", a, kw, [
        ["attribute", null],
        ["start", 0],
      ]);
      return list(v, "sum").reduce<number>(
        (acc, x) => acc + Number(attribute === null ? x : use(attr(x, attribute))),
        Number(start),
      );
    },
  ],
  [
    "sort",
    (v, a, kw) => {
      const [reverse, caseSensitive, attribute] = bind("sort", a, kw, [
        ["reverse", false],
        ["case_sensitive", false],
        ["attribute", null],
      ]);
      const key = sortKey(caseSensitive, attribute);
      return [...list(v, "sort")].sort((x, y) => compare(key(x), key(y)) * (reverse ? -1 : 1));
    },
  ],
  ["unique", (v) => uniq(list(v, "unique"))],
  ["reverse", (v) => (typeof v === "string" ? [...v].reverse().join("") : [...list(v, "reverse")].reverse())],
  ["list", (v) => [...list(v, "list")]],
  [
    "map",
    (v, a, kw) => {
      const items = list(v, "map");
      if (Object.prototype.hasOwnProperty.call(kw, "attribute")) {
        return items.map((x) => {
          const got = attr(x, kw.attribute);
          return got instanceof Undef && Object.prototype.hasOwnProperty.call(kw, "default") ? kw.default : got;
        });
      }
      const [name, ...rest] = a;
      if (name === undefined) throw new ExprError("map needs a filter name or attribute=");
      return items.map((x) => applyFilter(str(name), x, rest, kw));
    },
  ],
  ["select", selecting(true, false)],
  ["reject", selecting(false, false)],
  ["selectattr", selecting(true, true)],
  ["rejectattr", selecting(false, true)],
  [
    "format",
    (v, a, kw) => {
      if (a.length && Object.keys(kw).length)
        throw new ExprError("format takes positional or keyword arguments, not both");
      return percent(str(v), Object.keys(kw).length ? kw : a);
    },
  ],
  [
    "ternary",
    (v, a, kw) => {
      const [t, f, none] = bind("ternary", a, kw, [["true_val"], ["false_val"], ["none_val", null]]);
      return v === null && none !== null ? none : truthy(v) ? t : f;
    },
  ],
  [
    "regex_replace",
    (v, a, kw) => {
      const [pattern, replacement, ignorecase, multiline, count] = bind("regex_replace", a, kw, [
        ["pattern", ""],
        ["replacement", ""],
        ["ignorecase", false],
        ["multiline", false],
        ["count", 0],
      ]);
      return sub(pyRegex(str(pattern), { ignorecase, multiline }), str(replacement), str(v), Number(count));
    },
  ],
  [
    "regex_search",
    (v, a, kw) => {
      const [pattern, ...refs] = a;
      const { ignorecase, multiline, ...unknown } = kw;
      if (Object.keys(unknown).length) throw new ExprError("Unknown argument");
      const m = firstMatch(pyRegex(str(pattern), { ignorecase, multiline }), str(v));
      if (!m) return null;
      return refs.length ? searchGroups(m, refs) : m[0];
    },
  ],
  [
    "regex_findall",
    (v, a, kw) => {
      const [pattern, multiline, ignorecase] = bind("regex_findall", a, kw, [
        ["regex"],
        ["multiline", false],
        ["ignorecase", false],
      ]);
      return [...str(v).matchAll(pyRegex(str(pattern), { ignorecase, multiline }))].map((m) =>
        m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? "") : m.slice(1).map((g) => g ?? ""),
      );
    },
  ],
  ["regex_escape", (v) => str(v).replace(/[^A-Za-z0-9_]/g, "\\$&")],
  // Python's os.path.basename and dirname, which differ from Node's on trailing slashes
  ["basename", (v) => str(v).slice(str(v).lastIndexOf("/") + 1)],
  [
    "dirname",
    (v) => {
      const head = str(v).slice(0, str(v).lastIndexOf("/") + 1);
      return /^\/+$/.test(head) ? head : head.replace(/\/+$/, "");
    },
  ],
  ["to_json", (v) => pyJson(v)],
  ["to_nice_json", (v, a, kw) => pyJson(v, Number(bind("to_nice_json", a, kw, [["indent", 4]])[0]))],
  [
    "from_json",
    (v) => {
      try {
        return JSON.parse(str(v)) as unknown;
      } catch (e) {
        throw new ExprError(`from_json: ${(e as Error).message}`);
      }
    },
  ],
  ["abs", (v) => Math.abs(Number(v))],
  [
    "round",
    (v, a, kw) => {
      const [precision, method] = bind("round", a, kw, [
        ["precision", 0],
        ["method", "common"],
      ]);
      const f = 10 ** Number(precision);
      const r =
        method === "ceil"
          ? Math.ceil
          : method === "floor"
            ? Math.floor
            : (x: number) => Math.sign(x) * Math.round(Math.abs(x));
      return r(Number(v) * f) / f;
    },
  ],
  [
    "dict2items",
    (v, a, kw) => {
      const [k, val] = bind("dict2items", a, kw, [
        ["key_name", "key"],
        ["value_name", "value"],
      ]);
      if (!isDict(v)) throw new ExprError(`dict2items requires a dictionary, got ${typeName(v)} instead.`);
      return Object.entries(v).map(([key, value]) => ({ [str(k)]: key, [str(val)]: value }));
    },
  ],
  [
    "items2dict",
    (v, a, kw) => {
      const [k, val] = bind("items2dict", a, kw, [
        ["key_name", "key"],
        ["value_name", "value"],
      ]);
      return Object.fromEntries(list(v, "items2dict").map((x) => [str(use(attr(x, k))), use(attr(x, val))]));
    },
  ],
  [
    "combine",
    (v, a, kw) => {
      const { recursive, list_merge: _lm, ...unknown } = kw;
      if (Object.keys(unknown).length)
        throw new ExprError(`combine got unexpected keyword arguments: ${Object.keys(unknown).join(", ")}`);
      return [v, ...a].reduce<Dict>((acc, d) => {
        if (!isDict(d)) throw new ExprError(`combine expects dictionaries, got ${typeName(d)}`);
        return combine(acc, d, truthy(recursive));
      }, {});
    },
  ],
  ["union", (v, a) => uniq([...list(v, "union"), ...list(a[0], "union")])],
  ["intersect", (v, a) => uniq(list(v, "intersect").filter((x) => contains(list(a[0], "intersect"), x)))],
  ["difference", (v, a) => uniq(list(v, "difference").filter((x) => !contains(list(a[0], "difference"), x)))],
  [
    "symmetric_difference",
    (v, a) => {
      const [x, y] = [list(v, "symmetric_difference"), list(a[0], "symmetric_difference")];
      return uniq([...x.filter((i) => !contains(y, i)), ...y.filter((i) => !contains(x, i))]);
    },
  ],
  [
    "flatten",
    (v, a, kw) => {
      const [levels] = bind("flatten", a, kw, [["levels", null]]);
      const flat = (l: unknown[], depth: number): unknown[] =>
        l.flatMap((x) =>
          Array.isArray(x) && (levels === null || depth < Number(levels)) ? flat(x, depth + 1) : x === null ? [] : [x],
        );
      return flat(list(v, "flatten"), 0);
    },
  ],
  ["b64encode", (v) => Buffer.from(str(v), "utf8").toString("base64")],
  ["b64decode", (v) => Buffer.from(str(v), "base64").toString("utf8")],
  ["type_debug", (v) => typeName(v)],
]);
FILTERS.set("count", FILTERS.get("length")!);
// these filters are the Python string methods of the same name (Jinja's and Ansible's are)
for (const name of ["lower", "upper", "capitalize", "replace", "split"])
  FILTERS.set(name, (v, a, kw) => callMethod(str(v), name, a, kw));

/** Apply the filter `name`; `default` (`d`) and `mandatory` look at an undefined value itself. */
export function applyFilter(name: string, v: unknown, args: unknown[], kwargs: Dict): unknown {
  if (name === "default" || name === "d") {
    const [dflt, boolean] = bind("default", args, kwargs, [
      ["default_value", ""],
      ["boolean", false],
    ]);
    return v instanceof Undef || (truthy(boolean) && !truthy(v)) ? dflt : v;
  }
  if (name === "mandatory") {
    if (v instanceof Undef) throw new ExprError(`Mandatory variable '${v.path}' not defined.`);
    return v;
  }
  const f = FILTERS.get(name);
  if (!f)
    throw new ExprError(`unknown filter '${name}' (known: default, mandatory, ${[...FILTERS.keys()].join(", ")})`);
  return f(use(v), args, kwargs);
}
