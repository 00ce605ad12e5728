// Expressions compiled once per distinct source text, then evaluated over vars.
import { ExprError } from "../errors.js";
import { evalNode } from "./eval.js";
import { Parser, type Node } from "./parse.js";
import { UndefinedError, use } from "./undefined.js";

const cache = new Map<string, Node>();

/** Parse (or fetch the parsed) expression; throws ExprError on bad syntax. */
export function compile(src: string): Node {
  let n = cache.get(src);
  if (!n) {
    n = deepGuard(src, () => new Parser(src).parse());
    cache.set(src, n);
  }
  return n;
}

/** Parser and evaluator recurse on nesting: an expression nested past the stack is refused, in one line. */
function deepGuard<T>(src: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ExprError(`expression nested too deeply: '${src.length > 60 ? `${src.slice(0, 60)}…` : src}'`, {
      cause: e,
    });
  }
}

/** Evaluate an expression to its value. Throws UndefinedError or ExprError. */
export function evaluate(src: string, vars: Record<string, unknown>): unknown {
  const node = compile(src);
  return deepGuard(src, () => evaluateNode(src, node, vars));
}

function evaluateNode(src: string, node: Node, vars: Record<string, unknown>): unknown {
  try {
    return use(evalNode(node, vars));
  } catch (e) {
    // say which expression, so the one line is enough to find it; an undefined name is reported by the engine with its task
    if (e instanceof ExprError && !(e instanceof UndefinedError) && !e.message.endsWith(`in '${src}'`)) {
      throw new ExprError(`${e.message} in '${src}'`, { cause: e });
    }
    throw e;
  }
}
