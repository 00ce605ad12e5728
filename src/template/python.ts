// Python's value semantics over YAML data: truthiness, equality, ordering, str() and repr(),
// `%` formatting. Jinja2 (so Ansible) inherits them; an operation Python refuses is an ExprError.
import { ExprError } from "../errors.js";

export type Dict = Record<string, unknown>;

export function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Own keys only: a template never reaches a JavaScript prototype. */
export function own(obj: Dict, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  return Array.isArray(v) ? "list" : "dict";
}

/** What Python iterates: a list's items, a string's characters, a dict's keys. */
export function items(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [...v];
  if (isDict(v)) return Object.keys(v);
  throw new ExprError(`${what} expects a list, not ${typeName(v)}`);
}

const MAX_SIZE = 10_000_000;

/** A repeated or padded value larger than any real template needs is refused before it is built. */
export function sized(n: number, what: string): number {
  if (n > MAX_SIZE) throw new ExprError(`${what} would make a value of ${n} items or characters (at most ${MAX_SIZE})`);
  return n;
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

const isNum = (v: unknown): v is number | boolean => typeof v === "number" || typeof v === "boolean";

export function equal(a: unknown, b: unknown): boolean {
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]))
    );
  }
  return a === b || ((a === null || a === undefined) && (b === null || b === undefined));
}

/** Python's ordering: numbers with numbers, strings with strings, lists element by element. */
export function compare(a: unknown, b: unknown, op = "<"): number {
  if (isNum(a) && isNum(b)) return Math.sign(Number(a) - Number(b));
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!equal(a[i], b[i])) return compare(a[i], b[i], op);
    }
    return Math.sign(a.length - b.length);
  }
  throw new ExprError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === "string") {
    if (typeof item !== "string")
      throw new ExprError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => equal(x, item));
  if (isDict(container)) return typeof item === "string" && Object.prototype.hasOwnProperty.call(container, item);
  throw new ExprError(`argument of type '${typeName(container)}' is not iterable`);
}

function num(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n))
    return Number.isFinite(n) ? String(n) : n > 0 ? "inf" : n < 0 ? "-inf" : "nan";
  return String(n).replace(/e([+-])(\d)$/, "e$10$2");
}

/** Python's repr(): what a value looks like inside a printed list or dict. */
export function repr(v: unknown): string {
  if (typeof v === "string") {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/[\\\n\r\t]|[\x00-\x1f\x7f]/g, (c) =>
      c === "\\"
        ? "\\\\"
        : c === "\n"
          ? "\\n"
          : c === "\r"
            ? "\\r"
            : c === "\t"
              ? "\\t"
              : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
    );
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  if (Array.isArray(v)) return `[${v.map(repr).join(", ")}]`;
  if (isDict(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${repr(k)}: ${repr(x)}`)
      .join(", ")}}`;
  return str(v);
}

/** Python's str(). */
export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return num(v);
  return repr(v);
}

/** `'%s-%d' % args`, Python's printf-style formatting. */
export function percent(fmt: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [args];
  let next = 0;
  const out = fmt.replace(
    /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sdirfFeExXoc%])/g,
    (_m, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
      if (conv === "%") return "%";
      let v: unknown;
      if (key !== undefined) {
        if (!isDict(args) || !Object.prototype.hasOwnProperty.call(args, key))
          throw new ExprError(`format requires a mapping with key '${key}'`);
        v = args[key];
      } else {
        if (next >= list.length) throw new ExprError("not enough arguments for format string");
        v = list[next++];
      }
      let s: string;
      if (conv === "s") s = str(v);
      else if (conv === "r") s = repr(v);
      else if (conv === "c") s = typeof v === "number" ? String.fromCodePoint(v) : str(v);
      else {
        const n = typeof v === "string" ? NaN : Number(v);
        if (!isNum(v) || Number.isNaN(n))
          throw new ExprError(`%${conv} format: a real number is required, not ${typeName(v)}`);
        if ("di".includes(conv)) s = String(Math.trunc(n));
        else if ("xX".includes(conv)) s = Math.trunc(n).toString(16);
        else if (conv === "o") s = Math.trunc(n).toString(8);
        else if ("eE".includes(conv))
          s = n.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, "e$10$2");
        else s = n.toFixed(prec === undefined ? 6 : Number(prec));
        if (conv === "X" || conv === "E") s = s.toUpperCase();
        if (flags.includes("+") && n >= 0) s = `+${s}`;
      }
      if (conv === "s" && prec !== undefined) s = s.slice(0, Number(prec));
      const w = width === undefined || width === "*" ? 0 : sized(Number(width), "a format width");
      if (s.length < w)
        s = flags.includes("-")
          ? s.padEnd(w)
          : flags.includes("0") && conv !== "s"
            ? s.padStart(w, "0")
            : s.padStart(w);
      return s;
    },
  );
  if (!isDict(args) && next < list.length) throw new ExprError("not all arguments converted during string formatting");
  return out;
}
