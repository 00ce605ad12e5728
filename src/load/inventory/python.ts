// The two bits of Python that type an INI inventory's values: shlex.split (POSIX, comments on), which
// cuts a host line into words, and ast.literal_eval, which Ansible applies to every `k=v` value.

/** A word of a shlex-split line, and the offset in the line where it starts. */
export interface Word {
  text: string;
  at: number;
}

/** Python's shlex.split(line, comments=True); throws on an unclosed quote or a trailing escape. */
export function shlexSplit(line: string): Word[] {
  const words: Word[] = [];
  let word = "";
  let inWord = false;
  let at = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (!inWord) at = i;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (inWord) words.push({ text: word, at });
      word = "";
      inWord = false;
    } else if (c === "#") {
      // a comment ends the line, even in the middle of a word
      break;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new Error("No escaped character");
      word += line[++i];
      inWord = true;
    } else if (c === "'" || c === '"') {
      const close = c;
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== close; j++) {
        // inside double quotes a backslash escapes only `"` and `\`
        if (close === '"' && line[j] === "\\" && (line[j + 1] === '"' || line[j + 1] === "\\")) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error("No closing quotation");
      i = j;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push({ text: word, at });
  return words;
}

class NotLiteral extends Error {}

/** ast.literal_eval(text), or `text` itself when it is not a Python literal (as Ansible's _parse_value). */
export function literalValue(text: string): unknown {
  try {
    return new LiteralParser(text.replace(/^[ \t]+/, "")).parse();
  } catch (e) {
    if (e instanceof NotLiteral) return text;
    throw e;
  }
}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)[jJ]?/;

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): unknown {
    const v = this.value();
    this.space();
    if (this.i < this.s.length) throw new NotLiteral();
    return v;
  }

  private space(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") this.i++;
      else if (c === "#") this.i = this.s.length;
      else if (c === "\\" && this.s[this.i + 1] === "\n") this.i += 2;
      else return;
    }
  }

  private value(): unknown {
    this.space();
    const c = this.s[this.i];
    if (c === undefined) throw new NotLiteral();
    if (c === "[") return this.sequence("]");
    if (c === "(") return this.sequence(")", true);
    if (c === "{") return this.mapping();
    // a sign applies to a number itself, not to another sign or a bracket (`--1` is not a literal)
    if (c === "-" || c === "+") {
      this.i++;
      this.space();
      if (!/[0-9.]/.test(this.s[this.i] ?? "")) throw new NotLiteral();
      const v = this.number();
      return c === "-" ? -v : v;
    }
    if (/[0-9.]/.test(c)) return this.number();
    const str = /^([rRbBuU]|[rR][bB]|[bB][rR])?(['"])/.exec(this.s.slice(this.i));
    if (str) return this.strings();
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (name) {
      this.i += name[0].length;
      if (name[0] === "True") return true;
      if (name[0] === "False") return false;
      if (name[0] === "None") return null;
    }
    throw new NotLiteral();
  }

  private number(): number {
    const m = NUMBER.exec(this.s.slice(this.i));
    if (!m || m[0] === "" || m[0] === ".") throw new NotLiteral();
    const text = m[0].replace(/_/g, "");
    // a complex number is not something Ansible's JSON can show
    if (/[jJ]$/.test(text)) throw new NotLiteral();
    // Python 3 refuses a decimal integer with a leading zero ("010"); "00" is zero
    if (/^0\d/.test(text) && /^\d+$/.test(text) && !/^0+$/.test(text)) throw new NotLiteral();
    if (/^[A-Za-z0-9_]/.test(this.s[this.i + m[0].length] ?? "")) throw new NotLiteral();
    this.i += m[0].length;
    if (/^0[xX]/.test(text)) return parseInt(text.slice(2), 16);
    if (/^0[oO]/.test(text)) return parseInt(text.slice(2), 8);
    if (/^0[bB]/.test(text)) return parseInt(text.slice(2), 2);
    return Number(text);
  }

  /** Adjacent string literals concatenate, as in Python. */
  private strings(): string {
    let out = "";
    let kind: "bytes" | "str" | undefined;
    for (;;) {
      this.space();
      const m = /^([rRbBuU]|[rR][bB]|[bB][rR])?('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m) break;
      const prefix = (m[1] ?? "").toLowerCase();
      const k = prefix.includes("b") ? "bytes" : "str";
      if (kind && kind !== k) throw new NotLiteral();
      kind = k;
      const quote = m[2]!;
      this.i += m[0].length;
      const end = this.findClose(quote);
      const body = this.s.slice(this.i, end);
      this.i = end + quote.length;
      out += prefix.includes("r") ? body : unescape(body);
    }
    return out;
  }

  private findClose(quote: string): number {
    for (let j = this.i; j < this.s.length; j++) {
      if (this.s[j] === "\\") {
        j++;
        continue;
      }
      if (quote.length === 1 && this.s[j] === "\n") break;
      if (this.s.startsWith(quote, j)) return j;
    }
    throw new NotLiteral();
  }

  private sequence(close: string, tuple = false): unknown {
    this.i++;
    const items: unknown[] = [];
    let commas = 0;
    for (;;) {
      this.space();
      if (this.s[this.i] === close) {
        this.i++;
        break;
      }
      items.push(this.value());
      this.space();
      if (this.s[this.i] === ",") {
        this.i++;
        commas++;
      } else if (this.s[this.i] !== close) throw new NotLiteral();
    }
    // `(x)` is x itself, not a tuple
    if (tuple && items.length === 1 && commas === 0) return items[0];
    return items;
  }

  private mapping(): unknown {
    this.i++;
    const out: Record<string, unknown> = {};
    // Python's dict keys by equality: 1, 1.0 and True are one key, which keeps its first spelling
    const spelled = new Map<unknown, string>();
    const set: unknown[] = [];
    let isSet: boolean | undefined;
    for (;;) {
      this.space();
      if (this.s[this.i] === "}") {
        this.i++;
        break;
      }
      const k = this.value();
      this.space();
      if (this.s[this.i] === ":") {
        if (isSet === true) throw new NotLiteral();
        isSet = false;
        this.i++;
        if (k !== null && typeof k === "object") throw new NotLiteral();
        const same = typeof k === "boolean" ? Number(k) : k;
        if (!spelled.has(same)) spelled.set(same, pyKey(k as string | number | boolean | null));
        out[spelled.get(same)!] = this.value();
      } else {
        if (isSet === false) throw new NotLiteral();
        isSet = true;
        set.push(k);
      }
      this.space();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "}") throw new NotLiteral();
    }
    return isSet ? set : out;
  }
}

/** How a Python dict key reads once Ansible dumps it as JSON. */
function pyKey(k: string | number | boolean | null): string {
  if (k === true) return "true";
  if (k === false) return "false";
  if (k === null) return "null";
  return String(k);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\n": "",
};

/** Python's string escapes (\n, \xNN, \uNNNN, octal); an unknown one keeps its backslash. */
function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (all, e: string) => {
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e]!;
    if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return all;
  });
}
