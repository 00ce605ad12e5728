// Jinja2's expression grammar (the part Ansible users write) → a small tree. Precedence as in
// jinja2/parser.py: if-else < or < and < not < compare < + - < ~ < * / // % < ** < unary < postfix, filters, tests.
import { ExprError } from "../errors.js";

export type Node =
  | { k: "lit"; v: unknown }
  | { k: "list"; items: Node[] }
  | { k: "dict"; entries: Array<[Node, Node]> }
  | { k: "var"; name: string }
  | { k: "attr"; obj: Node; name: string }
  | { k: "item"; obj: Node; key: Node }
  | { k: "slice"; obj: Node; start?: Node; stop?: Node; step?: Node }
  | { k: "call"; fn: Node; args: Node[]; kwargs: Array<[string, Node]> }
  | { k: "not"; e: Node }
  | { k: "neg"; e: Node }
  | { k: "and" | "or"; l: Node; r: Node }
  | { k: "cond"; test: Node; then: Node; else?: Node }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "cmp"; first: Node; ops: Array<[string, Node]> }
  | { k: "filter"; e: Node; name: string; args: Node[]; kwargs: Array<[string, Node]> }
  | { k: "test"; e: Node; name: string; args: Node[]; kwargs: Array<[string, Node]>; negate: boolean };

type Tok = { t: "num" | "str" | "id" | "op"; v: string; pos: number; value?: unknown };

const OPS = [
  "**",
  "//",
  "==",
  "!=",
  "<=",
  ">=",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ".",
  ",",
  ":",
  "|",
  "+",
  "-",
  "*",
  "/",
  "%",
  "~",
  "=",
];
const LITERALS = new Map<string, unknown>([
  ["true", true],
  ["True", true],
  ["false", false],
  ["False", false],
  ["none", null],
  ["None", null],
  ["null", null],
]);

/** A Python string literal's escapes, as Jinja reads them (unknown escapes stay as written). */
function unescape(body: string, pos: number): string {
  return body.replace(
    /\\(?:([0-7]{1,3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([\s\S]))/g,
    (m: string, oct?: string, x?: string, u?: string, U?: string, c: string = "") => {
      if (oct) return String.fromCodePoint(parseInt(oct, 8));
      if (x || u || U) return String.fromCodePoint(parseInt(x ?? u ?? U ?? "", 16));
      const simple: Record<string, string> = {
        "\\": "\\",
        "'": "'",
        '"': '"',
        a: "\x07",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
        v: "\v",
        "\n": "",
      };
      if (c in simple) return simple[c]!;
      if (c === "x" || c === "u" || c === "U")
        throw new ExprError(`bad \\${c} escape in the string at column ${pos + 1}`);
      return m;
    },
  );
}

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const rest = src.slice(i);
    let m: RegExpExecArray | null;
    if (/\s/.test(c)) {
      i++;
    } else if (
      (m = /^(?:[0-9][0-9_]*)?(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?/.exec(rest)) &&
      m[0] &&
      /^[0-9.]/.test(m[0]) &&
      m[0] !== "."
    ) {
      // `x.0` is an item lookup, not a float: a number right after `.` is an integer
      const afterDot = toks.at(-1)?.v === "." && toks.at(-1)?.t === "op";
      const text = afterDot ? /^[0-9]+/.exec(rest)![0] : m[0];
      toks.push({ t: "num", v: text, pos: i, value: Number(text.replace(/_/g, "")) });
      i += text.length;
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      toks.push({ t: "id", v: m[0], pos: i });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      if (j >= src.length) throw new ExprError(`unterminated string at column ${i + 1}`);
      toks.push({ t: "str", v: src.slice(i, j + 1), pos: i, value: unescape(src.slice(i + 1, j), i) });
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

const CMP = ["==", "!=", "<", ">", "<=", ">="];

export class Parser {
  private i = 0;
  private readonly toks: Tok[];
  constructor(private readonly src: string) {
    this.toks = tokenize(src);
  }

  parse(): Node {
    const n = this.expression();
    const t = this.toks[this.i];
    if (t) this.fail(t, `unexpected '${t.v}'`);
    return n;
  }

  private fail(t: Tok | undefined, what: string): never {
    throw new ExprError(`${what} ${t ? `at column ${t.pos + 1}` : "at the end"} of '${this.src}'`);
  }

  private at(v: string, offset = 0): boolean {
    const t = this.toks[this.i + offset];
    return t !== undefined && t.t !== "str" && t.t !== "num" && t.v === v;
  }

  private eat(v: string): boolean {
    if (!this.at(v)) return false;
    this.i++;
    return true;
  }

  private expect(v: string): void {
    if (!this.eat(v)) this.fail(this.toks[this.i], `expected '${v}'`);
  }

  private name(what: string): string {
    const t = this.toks[this.i++];
    if (!t || t.t !== "id") this.fail(t, `expected ${what}`);
    return t.v;
  }

  private expression(): Node {
    const e = this.or();
    if (!this.eat("if")) return e;
    const test = this.or();
    return { k: "cond", test, then: e, else: this.eat("else") ? this.expression() : undefined };
  }

  private or(): Node {
    let l = this.and();
    while (this.eat("or")) l = { k: "or", l, r: this.and() };
    return l;
  }

  private and(): Node {
    let l = this.not();
    while (this.eat("and")) l = { k: "and", l, r: this.not() };
    return l;
  }

  private not(): Node {
    if (this.eat("not")) return { k: "not", e: this.not() };
    return this.compare();
  }

  private compare(): Node {
    const first = this.math1();
    const ops: Array<[string, Node]> = [];
    for (;;) {
      const op =
        CMP.find((o) => this.at(o)) ??
        (this.at("in") ? "in" : this.at("not") && this.at("in", 1) ? "not in" : undefined);
      if (!op) break;
      this.i += op === "not in" ? 2 : 1;
      ops.push([op, this.math1()]);
    }
    return ops.length ? { k: "cmp", first, ops } : first;
  }

  private binary(ops: string[], next: () => Node): Node {
    let l = next();
    for (let op = ops.find((o) => this.at(o)); op; op = ops.find((o) => this.at(o))) {
      this.i++;
      l = { k: "bin", op, l, r: next() };
    }
    return l;
  }

  private math1 = (): Node => this.binary(["+", "-"], this.concat);
  private concat = (): Node => this.binary(["~"], this.math2);
  private math2 = (): Node => this.binary(["*", "/", "//", "%"], this.pow);
  private pow = (): Node => this.binary(["**"], () => this.unary(true));

  private unary(withFilter: boolean): Node {
    let node: Node;
    if (this.eat("-")) node = { k: "neg", e: this.unary(false) };
    else if (this.eat("+")) node = this.unary(false);
    else node = this.postfix(this.primary());
    return withFilter ? this.filters(node) : node;
  }

  /** A dotted name such as ansible.builtin.version reads as its last part. */
  private dotted(what: string): string {
    let name = this.name(what);
    while (this.eat(".")) name = this.name(what);
    return name;
  }

  private filters(node: Node): Node {
    for (;;) {
      if (this.eat("|")) {
        const name = this.dotted("a filter name after '|'");
        const [args, kwargs] = this.at("(") ? this.callArgs() : [[], []];
        node = { k: "filter", e: node, name, args, kwargs };
      } else if (this.eat("is")) {
        const negate = this.eat("not");
        const name = this.dotted("a test name after 'is'");
        let args: Node[] = [];
        let kwargs: Array<[string, Node]> = [];
        const t = this.toks[this.i];
        if (this.at("(")) [args, kwargs] = this.callArgs();
        // `x is divisibleby 3`: one argument without parentheses, as Jinja allows
        else if (t && (t.t !== "op" || ["[", "{"].includes(t.v)) && !["else", "or", "and", "if"].includes(t.v)) {
          args = [this.postfix(this.primary())];
        }
        node = { k: "test", e: node, name, args, kwargs, negate };
      } else {
        return node;
      }
    }
  }

  private callArgs(): [Node[], Array<[string, Node]>] {
    this.expect("(");
    const args: Node[] = [];
    const kwargs: Array<[string, Node]> = [];
    while (!this.eat(")")) {
      if (args.length + kwargs.length > 0) this.expect(",");
      if (this.eat(")")) break;
      const t = this.toks[this.i];
      if (t?.t === "id" && this.at("=", 1)) {
        this.i += 2;
        kwargs.push([t.v, this.expression()]);
      } else {
        if (kwargs.length) this.fail(t, "a positional argument after a keyword argument");
        args.push(this.expression());
      }
    }
    return [args, kwargs];
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.eat(".")) {
        const t = this.toks[this.i++];
        if (t?.t === "num") node = { k: "item", obj: node, key: { k: "lit", v: t.value } };
        else if (t?.t === "id") node = { k: "attr", obj: node, name: t.v };
        else this.fail(t, "expected a name after '.'");
      } else if (this.at("[")) {
        node = this.subscript(node);
      } else if (this.at("(")) {
        const [args, kwargs] = this.callArgs();
        node = { k: "call", fn: node, args, kwargs };
      } else {
        return node;
      }
    }
  }

  private subscript(obj: Node): Node {
    this.expect("[");
    const part = (): Node | undefined => (this.at(":") || this.at("]") ? undefined : this.expression());
    const start = part();
    if (this.eat("]")) {
      if (!start) this.fail(this.toks[this.i - 1], "empty subscript");
      return { k: "item", obj, key: start };
    }
    this.expect(":");
    const stop = part();
    const step = this.eat(":") ? part() : undefined;
    this.expect("]");
    return { k: "slice", obj, start, stop, step };
  }

  private primary(): Node {
    const t = this.toks[this.i++];
    if (!t) this.fail(t, "unexpected end");
    if (t.t === "num") return { k: "lit", v: t.value };
    if (t.t === "str") {
      // adjacent strings join, as in Python
      let s = t.value as string;
      while (this.toks[this.i]?.t === "str") s += this.toks[this.i++]!.value as string;
      return { k: "lit", v: s };
    }
    if (t.t === "id") return LITERALS.has(t.v) ? { k: "lit", v: LITERALS.get(t.v) } : { k: "var", name: t.v };
    if (t.v === "(") {
      if (this.eat(")")) return { k: "list", items: [] };
      const e = this.expression();
      if (!this.at(",")) {
        this.expect(")");
        return e;
      }
      // a tuple reads as a list
      const items = [e];
      while (this.eat(",") && !this.at(")")) items.push(this.expression());
      this.expect(")");
      return { k: "list", items };
    }
    if (t.v === "[") {
      const items: Node[] = [];
      while (!this.eat("]")) {
        if (items.length) this.expect(",");
        if (this.eat("]")) break;
        items.push(this.expression());
      }
      return { k: "list", items };
    }
    if (t.v === "{") {
      const entries: Array<[Node, Node]> = [];
      while (!this.eat("}")) {
        if (entries.length) this.expect(",");
        if (this.eat("}")) break;
        const key = this.expression();
        this.expect(":");
        entries.push([key, this.expression()]);
      }
      return { k: "dict", entries };
    }
    this.fail(t, `unexpected '${t.v}'`);
  }
}
