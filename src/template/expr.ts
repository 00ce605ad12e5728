// The expression language of `when`, `changed_when`, `failed_when` and `{{ }}`, with Jinja2's
// and Ansible's semantics. Conditions are read here, by one function, at load time and at run time.
import { ExprError } from "../errors.js";
import { compile, evaluate } from "./compile.js";
import { truthy } from "./python.js";
import { expressions, isTemplated, render } from "./render.js";

export { ExprError } from "../errors.js";
export { UndefinedError } from "./undefined.js";
export { evaluate } from "./compile.js";

/** Parse only, for validation at load time. */
export function check(src: string): void {
  compile(src);
}

/**
 * Read one condition, the same way when loading and when running. A condition written as a
 * template (`"{{ x == 1 }}"`) is rendered first and, when that gives a string, evaluated again,
 * as Ansible does; `warn` (load time) is told so, as Ansible warns.
 */
export function readCondition(
  cond: string,
  warn?: (problem: string) => void,
): (vars: Record<string, unknown>) => boolean {
  if (!isTemplated(cond)) {
    compile(cond);
    return (vars) => truthy(evaluate(cond, vars));
  }
  expressions(cond).forEach(compile);
  warn?.(`condition '${cond}' is written as a template; Ansible and armgo accept it, but write it bare, without {{ }}`);
  return (vars) => {
    const once = render(cond, vars);
    if (typeof once !== "string" || once === "") return truthy(once);
    return truthy(evaluate(once, vars));
  };
}

/** Evaluate a condition (`when`): a boolean, a string expression, or a list meaning all of them. */
export function test(cond: unknown, vars: Record<string, unknown>): boolean {
  if (typeof cond === "boolean") return cond;
  if (Array.isArray(cond)) return cond.every((c) => test(c, vars));
  if (typeof cond === "number") return cond !== 0;
  if (typeof cond !== "string")
    throw new ExprError(`a condition must be a string or a boolean, not ${JSON.stringify(cond)}`);
  return readCondition(cond)(vars);
}
