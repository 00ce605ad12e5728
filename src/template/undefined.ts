// Jinja's Undefined as Ansible configures it: a missing name travels through lookups (so
// `x.y is defined` answers false) and fails only where its value is used.
import { ExprError } from "../errors.js";

/** A variable the expression needed was not defined; `variable` is its dotted path. */
export class UndefinedError extends ExprError {
  constructor(readonly variable: string) {
    super(`'${variable}' is undefined`);
  }
}

export class Undef {
  constructor(readonly path: string) {}
}

/** The value, or the error that names what was undefined. */
export function use<T>(v: T | Undef): T {
  if (v instanceof Undef) throw new UndefinedError(v.path);
  return v;
}
