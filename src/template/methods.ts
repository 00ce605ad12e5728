// The Python methods Ansible users call on values: 'go1.22'.startswith('go'), v.split('.'), d.get('k').
import { ExprError } from "../errors.js";
import { bind, type Call } from "./args.js";
import { contains, equal, isDict, sized, str, typeName, type Dict } from "./python.js";

const s = (v: unknown): string => v as string;

/** str.strip(chars): whitespace, or any of the given characters. */
function stripper(re: (set: string) => RegExp): Call {
  return (v, args, kw) => {
    const [chars] = bind("strip()", args, kw, [["chars", null]]);
    const set = chars === null ? "\\s" : `[${str(chars).replace(/[\\\]^-]/g, "\\$&")}]`;
    return s(v).replace(re(set), "");
  };
}

function split(v: string, sep: unknown, maxsplit: number): string[] {
  if (sep === null || sep === undefined) {
    const parts = v.trim().split(/\s+/).filter(Boolean);
    return maxsplit < 0 || parts.length <= maxsplit
      ? parts
      : [...parts.slice(0, maxsplit), v.trim().split(/\s+/).slice(maxsplit).join(" ")];
  }
  if (sep === "") throw new ExprError("empty separator");
  const parts = v.split(str(sep));
  return maxsplit < 0 || parts.length <= maxsplit + 1
    ? parts
    : [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(str(sep))];
}

function affix(end: boolean): Call {
  return (v, args, kw) => {
    const [x] = bind(end ? "endswith()" : "startswith()", args, kw, [["prefix"]]);
    const options = Array.isArray(x) ? x : [x];
    return options.some((o) => {
      if (typeof o !== "string")
        throw new ExprError(
          `${end ? "endswith" : "startswith"} first arg must be str or a tuple of str, not ${typeName(o)}`,
        );
      return end ? s(v).endsWith(o) : s(v).startsWith(o);
    });
  };
}

const STR = new Map<string, Call>([
  ["startswith", affix(false)],
  ["endswith", affix(true)],
  [
    "split",
    (v, a, kw) => {
      const [sep, max] = bind("split()", a, kw, [
        ["sep", null],
        ["maxsplit", -1],
      ]);
      return split(s(v), sep, Number(max));
    },
  ],
  ["strip", stripper((set) => new RegExp(`^${set}+|${set}+$`, "g"))],
  ["lstrip", stripper((set) => new RegExp(`^${set}+`))],
  ["rstrip", stripper((set) => new RegExp(`${set}+$`))],
  [
    "replace",
    (v, a, kw) => {
      const [old, neu, count] = bind("replace()", a, kw, [["old"], ["new"], ["count", -1]]);
      const parts = s(v).split(str(old));
      const n = Number(count) < 0 ? parts.length : Number(count) + 1;
      return [parts.slice(0, n).join(str(neu)), ...parts.slice(n)].join(str(old));
    },
  ],
  ["lower", (v) => s(v).toLowerCase()],
  ["upper", (v) => s(v).toUpperCase()],
  [
    "title",
    (v) =>
      s(v)
        .toLowerCase()
        .replace(/(^|[^A-Za-z])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()),
  ],
  ["capitalize", (v) => s(v).charAt(0).toUpperCase() + s(v).slice(1).toLowerCase()],
  ["find", (v, a, kw) => s(v).indexOf(str(bind("find()", a, kw, [["sub"]])[0]))],
  [
    "count",
    (v, a, kw) => {
      const [x] = bind("count()", a, kw, [["sub"]]);
      return typeof v === "string"
        ? x === ""
          ? s(v).length + 1
          : s(v).split(str(x)).length - 1
        : (v as unknown[]).filter((i) => equal(i, x)).length;
    },
  ],
  [
    "join",
    (v, a, kw) => {
      const [items] = bind("join()", a, kw, [["iterable"]]);
      if (!Array.isArray(items) || items.some((i) => typeof i !== "string"))
        throw new ExprError("join() expects a list of strings");
      return items.join(s(v));
    },
  ],
  [
    "splitlines",
    (v) =>
      s(v)
        .split(/\r\n|\r|\n/)
        .filter((l, i, all) => i < all.length - 1 || l !== ""),
  ],
  ["isdigit", (v) => /^[0-9]+$/.test(s(v))],
  ["isalpha", (v) => /^[A-Za-z]+$/.test(s(v))],
  ["isalnum", (v) => /^[A-Za-z0-9]+$/.test(s(v))],
  ["isspace", (v) => /^\s+$/.test(s(v))],
  ["islower", (v) => /[a-z]/.test(s(v)) && s(v) === s(v).toLowerCase()],
  ["isupper", (v) => /[A-Z]/.test(s(v)) && s(v) === s(v).toUpperCase()],
  ["zfill", (v, a, kw) => s(v).padStart(sized(Number(bind("zfill()", a, kw, [["width"]])[0]), "zfill()"), "0")],
  [
    "format",
    (v, a, kw) => {
      let next = 0;
      return s(v).replace(/\{\{|\}\}|\{(\w*)\}/g, (m, key: string | undefined) => {
        if (m === "{{" || m === "}}") return m[0]!;
        if (key === "") return str(a[next++]);
        if (/^\d+$/.test(key!)) return str(a[Number(key)]);
        if (!Object.prototype.hasOwnProperty.call(kw, key!)) throw new ExprError(`format: no argument named '${key}'`);
        return str(kw[key!]);
      });
    },
  ],
]);

const LIST = new Map<string, Call>([
  [
    "index",
    (v, a, kw) => {
      const [x] = bind("index()", a, kw, [["value"]]);
      const i = (v as unknown[]).findIndex((e) => equal(e, x));
      if (i < 0) throw new ExprError(`${str(x)} is not in list`);
      return i;
    },
  ],
  ["count", (v, a, kw) => (v as unknown[]).filter((e) => equal(e, bind("count()", a, kw, [["value"]])[0])).length],
]);

const DICT = new Map<string, Call>([
  [
    "get",
    (v, a, kw) => {
      const [key, dflt] = bind("get()", a, kw, [["key"], ["default", null]]);
      return contains(v, key) ? (v as Dict)[key as string] : dflt;
    },
  ],
  ["keys", (v) => Object.keys(v as Dict)],
  ["values", (v) => Object.values(v as Dict)],
  ["items", (v) => Object.entries(v as Dict)],
]);

/** Call a method on a value; only the methods above exist. */
export function callMethod(self: unknown, name: string, args: unknown[], kwargs: Dict): unknown {
  const table = typeof self === "string" ? STR : Array.isArray(self) ? LIST : isDict(self) ? DICT : undefined;
  const m = table?.get(name);
  if (!m) throw new ExprError(`'${typeName(self)}' object has no method '${name}'`);
  return m(self, args, kwargs);
}
