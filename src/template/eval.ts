// Evaluate a parsed expression over vars, never through eval: a template reads values, and calls
// only the filters, tests and methods armgo lists, so it cannot reach JavaScript's prototypes or globals.
import { ExprError } from "../errors.js";
import { applyFilter } from "./filters.js";
import { callMethod } from "./methods.js";
import type { Node } from "./parse.js";
import {
  compare,
  contains,
  equal,
  isDict,
  own,
  percent,
  repr,
  sized,
  str,
  truthy,
  typeName,
  type Dict,
} from "./python.js";
import { runTest } from "./tests.js";
import { Undef, use } from "./undefined.js";

function pathOf(n: Node): string {
  if (n.k === "var") return n.name;
  if (n.k === "attr") return `${pathOf(n.obj)}.${n.name}`;
  if (n.k === "item") return `${pathOf(n.obj)}[${n.key.k === "lit" ? repr(n.key.v) : "…"}]`;
  return "(…)";
}

/** `path` is asked for only when the name is undefined: spelling it out at every step of a chain cost its length squared. */
function lookup(obj: unknown, key: unknown, path: () => string): unknown {
  // the first undefined name in a chain is the one to report, as Ansible does
  if (obj instanceof Undef) return obj;
  if (typeof obj === "string" || Array.isArray(obj)) {
    if (typeof key !== "number" && typeof key !== "boolean") return new Undef(path());
    const i = Number(key) < 0 ? obj.length + Number(key) : Number(key);
    return i >= 0 && i < obj.length ? obj[i] : new Undef(path());
  }
  if (isDict(obj)) {
    const v = own(obj, str(key));
    return v === undefined ? new Undef(path()) : v;
  }
  return new Undef(path());
}

/** Python's slice semantics, negative steps included. */
function slice(v: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (typeof v !== "string" && !Array.isArray(v)) throw new ExprError(`'${typeName(v)}' object is not subscriptable`);
  const items: unknown[] = typeof v === "string" ? [...v] : v;
  const n = items.length;
  const st = step === null ? 1 : Number(step);
  if (st === 0) throw new ExprError("slice step cannot be zero");
  const norm = (x: unknown, dflt: number, lo: number, hi: number): number => {
    if (x === null) return dflt;
    const i = Number(x) < 0 ? Number(x) + n : Number(x);
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) for (let i = norm(start, 0, 0, n); i < norm(stop, n, 0, n); i += st) out.push(items[i]);
  else for (let i = norm(start, n - 1, -1, n - 1); i > norm(stop, -1, -1, n - 1); i += st) out.push(items[i]);
  return typeof v === "string" ? out.join("") : out;
}

const num = (v: unknown, op: string, other: unknown): number => {
  if (typeof v !== "number" && typeof v !== "boolean") {
    throw new ExprError(`unsupported operand type(s) for ${op}: '${typeName(v)}' and '${typeName(other)}'`);
  }
  return Number(v);
};

function arith(op: string, l: unknown, r: unknown): unknown {
  const both = (t: string): boolean => typeof l === t && typeof r === t;
  switch (op) {
    case "+":
      if (both("string")) return (l as string) + (r as string);
      if (Array.isArray(l) && Array.isArray(r)) return [...(l as unknown[]), ...(r as unknown[])];
      return num(l, op, r) + num(r, op, l);
    case "-":
      return num(l, op, r) - num(r, op, l);
    case "*":
      if ((typeof l === "string" || Array.isArray(l)) && Number.isInteger(r)) {
        const times = Math.max(0, r as number);
        sized(l.length * times, "'*'");
        return typeof l === "string" ? l.repeat(times) : Array.from({ length: times }, () => l as unknown[]).flat();
      }
      return num(l, op, r) * num(r, op, l);
    case "/":
    case "//":
    case "%": {
      if (op === "%" && typeof l === "string") return percent(l, r);
      const [a, b] = [num(l, op, r), num(r, op, l)];
      if (b === 0) throw new ExprError(op === "/" ? "division by zero" : "integer division or modulo by zero");
      return op === "/" ? a / b : op === "//" ? Math.floor(a / b) : ((a % b) + b) % b;
    }
    case "**":
      return num(l, op, r) ** num(r, op, l);
    case "~":
      return str(l) + str(r);
  }
  throw new ExprError(`unknown operator ${op}`);
}

function compareOp(op: string, l: unknown, r: unknown): boolean {
  switch (op) {
    case "==":
      return equal(l, r);
    case "!=":
      return !equal(l, r);
    case "in":
      return contains(r, l);
    case "not in":
      return !contains(r, l);
  }
  const c = compare(l, r, op);
  return op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
}

function args(nodes: Node[], kw: Array<[string, Node]>, vars: Dict): [unknown[], Dict] {
  return [
    nodes.map((a) => use(evalNode(a, vars))),
    Object.fromEntries(kw.map(([k, v]) => [k, use(evalNode(v, vars))])),
  ];
}

/** `x | f | g | …` in a loop, innermost first: a long chain recursed once per filter, past the stack. */
function filterChain(n: Node & { k: "filter" }, vars: Dict): unknown {
  const chain: Array<Node & { k: "filter" }> = [];
  let e: Node = n;
  for (; e.k === "filter"; e = e.e) chain.push(e);
  let v = evalNode(e, vars);
  for (let i = chain.length - 1; i >= 0; i--) {
    const f = chain[i]!;
    v = applyFilter(f.name, v, ...args(f.args, f.kwargs, vars));
  }
  return v;
}

/** The value of a node; an undefined name is an Undef that fails only where it is used. */
export function evalNode(n: Node, vars: Dict): unknown {
  switch (n.k) {
    case "lit":
      return n.v;
    case "list":
      return n.items.map((i) => use(evalNode(i, vars)));
    case "dict":
      return Object.fromEntries(n.entries.map(([k, v]) => [str(use(evalNode(k, vars))), use(evalNode(v, vars))]));
    case "var": {
      const v = Object.prototype.hasOwnProperty.call(vars, n.name) ? vars[n.name] : undefined;
      return v === undefined ? new Undef(n.name) : v;
    }
    case "attr":
      return lookup(evalNode(n.obj, vars), n.name, () => pathOf(n));
    case "item":
      return lookup(evalNode(n.obj, vars), use(evalNode(n.key, vars)), () => pathOf(n));
    case "slice": {
      const part = (p?: Node): unknown => (p ? use(evalNode(p, vars)) : null);
      return slice(use(evalNode(n.obj, vars)), part(n.start), part(n.stop), part(n.step));
    }
    case "call": {
      if (n.fn.k !== "attr")
        throw new ExprError(
          `'${pathOf(n.fn)}' is not a function armgo knows: only methods such as .split() can be called`,
        );
      const self = use(evalNode(n.fn.obj, vars));
      return callMethod(self, n.fn.name, ...args(n.args, n.kwargs, vars));
    }
    case "not":
      return !truthy(use(evalNode(n.e, vars)));
    case "neg":
      return -num(use(evalNode(n.e, vars)), "unary -", undefined);
    // and/or short-circuit, so `x is defined and x == 1` works when x is undefined; they return an operand, as Python does
    case "and": {
      const l = use(evalNode(n.l, vars));
      return truthy(l) ? use(evalNode(n.r, vars)) : l;
    }
    case "or": {
      const l = use(evalNode(n.l, vars));
      return truthy(l) ? l : use(evalNode(n.r, vars));
    }
    case "cond":
      if (truthy(use(evalNode(n.test, vars)))) return evalNode(n.then, vars);
      return n.else ? evalNode(n.else, vars) : new Undef("the inline if-expression's missing else branch");
    case "bin":
      return arith(n.op, use(evalNode(n.l, vars)), use(evalNode(n.r, vars)));
    case "cmp": {
      // chained comparisons hold pairwise: 1 < n < 5
      let l = use(evalNode(n.first, vars));
      for (const [op, rn] of n.ops) {
        const r = use(evalNode(rn, vars));
        if (!compareOp(op, l, r)) return false;
        l = r;
      }
      return true;
    }
    case "filter":
      return filterChain(n, vars);
    case "test": {
      const r = runTest(n.name, evalNode(n.e, vars), ...args(n.args, n.kwargs, vars));
      return n.negate ? !r : r;
    }
  }
}
