// The expression language of `when`, `changed_when`, `failed_when` and `{{ }}`: parsed and
// evaluated here, never handed to eval, so a playbook can read values but not run code.

export class ExprError extends Error {}

/** A variable the expression needed was not defined; `variable` is the dotted path. */
export class UndefinedError extends ExprError {
  constructor(readonly variable: string) {
    super(`'${variable}' is undefined`);
  }
}

type Node =
  | { k: "lit"; v: unknown }
  | { k: "list"; items: Node[] }
  | { k: "var"; name: string }
  | { k: "get"; obj: Node; key: Node; text: string }
  | { k: "not"; e: Node }
  | { k: "neg"; e: Node }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "test"; e: Node; test: string; negate: boolean }
  | { k: "filter"; e: Node; name: string; args: Node[] };

type Tok = { t: "num" | "str" | "id" | "op"; v: string; pos: number };

const OPS = ["==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", ".", ",", "|", "+", "-", "~"];

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      toks.push({ t: "num", v: m[0], pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      toks.push({ t: "id", v: m[0], pos: i });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExprError(`unterminated string at column ${i + 1}`);
      toks.push({ t: "str", v: s, pos: i });
      i = j + 1;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExprError(`unexpected '${c}' at column ${i + 1}`);
      toks.push({ t: "op", v: op, pos: i });
      i += op.length;
    }
  }
  return toks;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  parse(): Node {
    const n = this.or();
    const t = this.toks[this.i];
    if (t) throw new ExprError(`unexpected '${t.v}' at column ${t.pos + 1} in '${this.src}'`);
    return n;
  }

  private peek(v?: string): Tok | undefined {
    const t = this.toks[this.i];
    return t && (v === undefined || (t.v === v && t.t !== "str")) ? t : undefined;
  }

  private eat(v: string): boolean {
    if (this.peek(v)) {
      this.i++;
      return true;
    }
    return false;
  }

  private expect(v: string): void {
    if (!this.eat(v)) {
      const t = this.toks[this.i];
      throw new ExprError(`expected '${v}' ${t ? `at column ${t.pos + 1}` : "at end"} in '${this.src}'`);
    }
  }

  private or(): Node {
    let l = this.and();
    while (this.eat("or")) l = { k: "bin", op: "or", l, r: this.and() };
    return l;
  }

  private and(): Node {
    let l = this.not();
    while (this.eat("and")) l = { k: "bin", op: "and", l, r: this.not() };
    return l;
  }

  private not(): Node {
    if (this.eat("not")) return { k: "not", e: this.not() };
    return this.cmp();
  }

  private cmp(): Node {
    const l = this.add();
    for (const op of ["==", "!=", "<=", ">=", "<", ">", "in"]) {
      if (this.eat(op)) return { k: "bin", op, l, r: this.add() };
    }
    if (this.peek("not") && this.toks[this.i + 1]?.v === "in") {
      this.i += 2;
      return { k: "not", e: { k: "bin", op: "in", l, r: this.add() } };
    }
    if (this.eat("is")) {
      const negate = this.eat("not");
      const t = this.toks[this.i++];
      if (!t || t.t !== "id") throw new ExprError(`expected a test name after 'is' in '${this.src}'`);
      return { k: "test", e: l, test: t.v, negate };
    }
    return l;
  }

  private add(): Node {
    let l = this.unary();
    for (;;) {
      const op = ["+", "-", "~"].find((o) => this.peek(o));
      if (!op) return l;
      this.i++;
      l = { k: "bin", op, l, r: this.unary() };
    }
  }

  private unary(): Node {
    if (this.eat("-")) return { k: "neg", e: this.unary() };
    return this.filtered();
  }

  private filtered(): Node {
    let e = this.postfix();
    while (this.eat("|")) {
      const t = this.toks[this.i++];
      if (!t || t.t !== "id") throw new ExprError(`expected a filter name after '|' in '${this.src}'`);
      const args: Node[] = [];
      if (this.eat("(")) {
        if (!this.eat(")")) {
          do args.push(this.or());
          while (this.eat(","));
          this.expect(")");
        }
      }
      e = { k: "filter", e, name: t.v, args };
    }
    return e;
  }

  private postfix(): Node {
    let e = this.primary();
    for (;;) {
      if (this.eat(".")) {
        const t = this.toks[this.i++];
        if (!t || (t.t !== "id" && t.t !== "num")) throw new ExprError(`expected a name after '.' in '${this.src}'`);
        e = { k: "get", obj: e, key: { k: "lit", v: t.v }, text: `${pathText(e)}.${t.v}` };
      } else if (this.eat("[")) {
        const key = this.or();
        this.expect("]");
        e = { k: "get", obj: e, key, text: `${pathText(e)}[${key.k === "lit" ? JSON.stringify(key.v) : "…"}]` };
      } else {
        return e;
      }
    }
  }

  private primary(): Node {
    const t = this.toks[this.i++];
    if (!t) throw new ExprError(`unexpected end of '${this.src}'`);
    if (t.t === "num") return { k: "lit", v: Number(t.v) };
    if (t.t === "str") return { k: "lit", v: t.v };
    if (t.t === "id") {
      const lits: Record<string, unknown> = { true: true, True: true, false: false, False: false, null: null, none: null, None: null };
      if (t.v in lits) return { k: "lit", v: lits[t.v] };
      return { k: "var", name: t.v };
    }
    if (t.v === "(") {
      const e = this.or();
      this.expect(")");
      return e;
    }
    if (t.v === "[") {
      const items: Node[] = [];
      if (!this.eat("]")) {
        do items.push(this.or());
        while (this.eat(","));
        this.expect("]");
      }
      return { k: "list", items };
    }
    throw new ExprError(`unexpected '${t.v}' at column ${t.pos + 1} in '${this.src}'`);
  }
}

function pathText(n: Node): string {
  return n.k === "var" ? n.name : n.k === "get" ? n.text : "(…)";
}

const UNDEF = Symbol("undefined");

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

function evalNode(n: Node, vars: Record<string, unknown>, soft = false): unknown {
  switch (n.k) {
    case "lit":
      return n.v;
    case "list":
      return n.items.map((i) => evalNode(i, vars));
    case "var": {
      if (Object.prototype.hasOwnProperty.call(vars, n.name) && vars[n.name] !== undefined) return vars[n.name];
      if (soft) return UNDEF;
      throw new UndefinedError(n.name);
    }
    case "get": {
      const obj = evalNode(n.obj, vars, soft);
      if (obj === UNDEF) return UNDEF;
      const key = evalNode(n.key, vars);
      const v =
        obj !== null && typeof obj === "object" && Object.prototype.hasOwnProperty.call(obj, String(key))
          ? (obj as Record<string, unknown>)[String(key)]
          : undefined;
      if (v !== undefined) return v;
      if (soft) return UNDEF;
      throw new UndefinedError(n.text);
    }
    case "not":
      return !truthy(evalNode(n.e, vars));
    case "neg":
      return -Number(evalNode(n.e, vars));
    case "test": {
      const v = evalNode(n.e, vars, true);
      let r: boolean;
      if (n.test === "defined") r = v !== UNDEF;
      else if (n.test === "undefined") r = v === UNDEF;
      else if (v === UNDEF) throw new UndefinedError(pathText(n.e));
      else if (n.test === "none") r = v === null;
      else if (n.test === "string") r = typeof v === "string";
      else if (n.test === "number") r = typeof v === "number";
      else throw new ExprError(`unknown test 'is ${n.test}' (known: defined, undefined, none, string, number)`);
      return n.negate ? !r : r;
    }
    case "bin":
      return binary(n.op, n.l, n.r, vars);
    case "filter":
      return applyFilter(n, vars);
  }
}

function binary(op: string, ln: Node, rn: Node, vars: Record<string, unknown>): unknown {
  // and/or short-circuit, so `x is defined and x == 1` works when x is undefined
  if (op === "and") return truthy(evalNode(ln, vars)) ? truthy(evalNode(rn, vars)) : false;
  if (op === "or") return truthy(evalNode(ln, vars)) ? true : truthy(evalNode(rn, vars));
  const l = evalNode(ln, vars);
  const r = evalNode(rn, vars);
  switch (op) {
    case "==":
      return equal(l, r);
    case "!=":
      return !equal(l, r);
    case "<":
      return (l as number) < (r as number);
    case ">":
      return (l as number) > (r as number);
    case "<=":
      return (l as number) <= (r as number);
    case ">=":
      return (l as number) >= (r as number);
    case "in":
      if (typeof r === "string") return r.includes(String(l));
      if (Array.isArray(r)) return r.some((x) => equal(x, l));
      if (r && typeof r === "object") return Object.prototype.hasOwnProperty.call(r, String(l));
      throw new ExprError(`'in' needs a string, list or mapping on its right`);
    case "+":
      return typeof l === "number" && typeof r === "number" ? l + r : `${str(l)}${str(r)}`;
    case "-":
      return Number(l) - Number(r);
    case "~":
      return `${str(l)}${str(r)}`;
  }
  throw new ExprError(`unknown operator ${op}`);
}

function equal(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** How a value reads when interpolated into a string. */
export function str(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

const FILTERS: Record<string, (v: unknown, ...a: unknown[]) => unknown> = {
  lower: (v) => str(v).toLowerCase(),
  upper: (v) => str(v).toUpperCase(),
  trim: (v) => str(v).trim(),
  string: (v) => str(v),
  int: (v) => Math.trunc(Number(v)),
  bool: (v) => (typeof v === "string" ? /^(true|yes|on|1)$/i.test(v) : Boolean(v)),
  length: (v) => (typeof v === "string" || Array.isArray(v) ? v.length : Object.keys(v as object).length),
  join: (v, sep = "") => (v as unknown[]).map(str).join(str(sep)),
  basename: (v) => str(v).replace(/\/+$/, "").split("/").pop() ?? "",
  dirname: (v) => str(v).replace(/\/[^/]*$/, "") || "/",
  replace: (v, a, b) => str(v).split(str(a)).join(str(b)),
  first: (v) => (v as unknown[])[0],
  last: (v) => (v as unknown[])[(v as unknown[]).length - 1],
};

function applyFilter(n: Extract<Node, { k: "filter" }>, vars: Record<string, unknown>): unknown {
  if (n.name === "default" || n.name === "d") {
    const v = evalNode(n.e, vars, true);
    return v === UNDEF || v === null ? (n.args[0] ? evalNode(n.args[0], vars) : "") : v;
  }
  const f = FILTERS[n.name];
  if (!f) throw new ExprError(`unknown filter '${n.name}' (known: default, ${Object.keys(FILTERS).join(", ")})`);
  return f(evalNode(n.e, vars), ...n.args.map((a) => evalNode(a, vars)));
}

const cache = new Map<string, Node>();

function compile(src: string): Node {
  let n = cache.get(src);
  if (!n) {
    n = new Parser(tokenize(src), src).parse();
    cache.set(src, n);
  }
  return n;
}

/** Evaluate an expression to its value. Throws UndefinedError or ExprError. */
export function evaluate(src: string, vars: Record<string, unknown>): unknown {
  return evalNode(compile(src), vars);
}

/** Evaluate a condition (`when`); a bare boolean or a string expression. */
export function test(cond: unknown, vars: Record<string, unknown>): boolean {
  if (typeof cond === "boolean") return cond;
  if (Array.isArray(cond)) return cond.every((c) => test(c, vars));
  return truthy(evaluate(String(cond), vars));
}

/** Parse only, for validation at load time. */
export function check(src: string): void {
  compile(src);
}
