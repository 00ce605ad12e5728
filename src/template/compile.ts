// Expressions compiled once per distinct source text, then evaluated over vars.
import { evalNode } from "./eval.js";
import { Parser, type Node } from "./parse.js";
import { use } from "./undefined.js";

const cache = new Map<string, Node>();

/** Parse (or fetch the parsed) expression; throws ExprError on bad syntax. */
export function compile(src: string): Node {
  let n = cache.get(src);
  if (!n) {
    n = new Parser(src).parse();
    cache.set(src, n);
  }
  return n;
}

/** Evaluate an expression to its value. Throws UndefinedError or ExprError. */
export function evaluate(src: string, vars: Record<string, unknown>): unknown {
  return use(evalNode(compile(src), vars));
}
