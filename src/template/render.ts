// `{{ expr }}` rendering over vars, registered results and facts.
import { evaluate, str } from "./expr.js";

const WHOLE = /^\{\{\s*([\s\S]+?)\s*\}\}$/;
const PART = /\{\{\s*([\s\S]+?)\s*\}\}/g;

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
 * expression's type (a list stays a list), as Ansible users expect.
 */
export function render<T>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === "string") {
    if (!value.includes("{{")) return value;
    const whole = WHOLE.exec(value);
    if (whole && !whole[1]!.includes("}}")) return evaluate(whole[1]!, vars) as T;
    return value.replace(PART, (_, e: string) => str(evaluate(e, vars))) as T;
  }
  if (Array.isArray(value)) return value.map((v) => render(v, vars)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, vars);
    return out as T;
  }
  return value;
}

/** Every expression inside `{{ }}` of a value, for checking syntax at load time. */
export function expressions(value: unknown): string[] {
  if (typeof value === "string") return [...value.matchAll(PART)].map((m) => m[1]!);
  if (Array.isArray(value)) return value.flatMap(expressions);
  if (value && typeof value === "object") return Object.values(value).flatMap(expressions);
  return [];
}
