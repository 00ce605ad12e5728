// Python-style argument binding for filters, tests and methods: positional, then by keyword.
import { ExprError } from "../errors.js";
import type { Dict } from "./python.js";

export type Call = (value: unknown, args: unknown[], kwargs: Dict) => unknown;

/** Bind args and kwargs to the named parameters, with defaults; unknown keywords are refused. */
export function bind(what: string, args: unknown[], kwargs: Dict, params: Array<[string, unknown?]>): unknown[] {
  if (args.length > params.length)
    throw new ExprError(`${what} takes at most ${params.length} arguments (${args.length} given)`);
  const names = params.map(([n]) => n);
  for (const k of Object.keys(kwargs)) {
    if (!names.includes(k)) throw new ExprError(`${what} got an unexpected keyword argument '${k}'`);
  }
  return params.map(([name, dflt], i) =>
    i < args.length ? args[i] : Object.prototype.hasOwnProperty.call(kwargs, name) ? kwargs[name] : dflt,
  );
}
