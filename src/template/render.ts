// `{{ expr }}` rendering over vars, registered results and facts.
import { ExprError } from "../errors.js";
import { evaluate } from "./compile.js";
import { str } from "./python.js";

type Part = { text: string } | { expr: string };

/**
 * Split a template into text and `{{ }}` expressions; a `}}` inside a string or a dict literal
 * does not close one. `{{-` and `-}}` strip the whitespace before and after, as in Jinja.
 */
export function parts(src: string): Part[] {
  const out: Part[] = [];
  let i = 0;
  let stripNext = false;
  const text = (t: string): void => {
    if (t) out.push({ text: t });
  };
  for (let open = src.indexOf("{{"); open >= 0; open = src.indexOf("{{", i)) {
    const trimLeft = src[open + 2] === "-";
    const before = src.slice(i, open);
    text(trimLeft ? (stripNext ? before.trim() : before.trimEnd()) : stripNext ? before.trimStart() : before);
    let j = open + 2;
    let depth = 0;
    let quote = "";
    for (; j < src.length; j++) {
      const c = src[j]!;
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = "";
      } else if (c === "'" || c === '"') quote = c;
      else if ("([{".includes(c)) depth++;
      else if (")]".includes(c) || (c === "}" && depth > 0)) depth--;
      else if (c === "}" && src[j + 1] === "}") break;
    }
    if (j >= src.length) throw new ExprError(`'{{' at column ${open + 1} is never closed with '}}' in '${src}'`);
    stripNext = src[j - 1] === "-" && j - 1 > open + 2;
    out.push({ expr: src.slice(open + 2 + (trimLeft ? 1 : 0), stripNext ? j - 1 : j).trim() });
    i = j + 2;
  }
  text(stripNext ? src.slice(i).trimStart() : src.slice(i));
  return out;
}

export function isTemplated(v: unknown): boolean {
  return typeof v === "string" && v.includes("{{");
}

/** Does any string inside this value hold a template? */
export function hasTemplate(v: unknown): boolean {
  if (typeof v === "string") return isTemplated(v);
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (v && typeof v === "object") return Object.values(v).some(hasTemplate);
  return false;
}

/**
 * Render every string in a value. A string that is exactly one `{{ expr }}` keeps the
 * expression's type (a list stays a list), as Ansible users expect; inside text, values print
 * as Python's str() does (True, ['a', 'b']) and None prints as nothing, as in Ansible.
 */
export function render<T>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === "string") {
    if (!value.includes("{{")) return value;
    const ps = parts(value);
    const only = ps[0];
    if (ps.length === 1 && only && "expr" in only) return evaluate(only.expr, vars) as T;
    return ps.map((p) => ("text" in p ? p.text : interpolate(evaluate(p.expr, vars)))).join("") as T;
  }
  if (Array.isArray(value)) return (value as unknown[]).map((v) => render(v, vars)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, vars);
    return out as T;
  }
  return value;
}

function interpolate(v: unknown): string {
  return v === null ? "" : str(v);
}

/** Every expression inside `{{ }}` of a value, for checking syntax at load time. */
export function expressions(value: unknown): string[] {
  if (typeof value === "string")
    return value.includes("{{") ? parts(value).flatMap((p) => ("expr" in p ? [p.expr] : [])) : [];
  if (Array.isArray(value)) return value.flatMap(expressions);
  if (value && typeof value === "object") return Object.values(value).flatMap(expressions);
  return [];
}
