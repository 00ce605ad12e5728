// The INI reader's two bits of Python against Python itself (python3, which ansible-core needs):
// shlex.split(line, comments=True) for host lines, and ast.literal_eval as Ansible's _parse_value
// applies it (a value that is not a literal stays the text).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { literalValue, shlexSplit } from "../../src/load/inventory/python.js";

const VALUES = [
  "42",
  "-7",
  "+3",
  "1.5",
  "1e3",
  ".5",
  "5.",
  "0x1F",
  "0o17",
  "0b101",
  "1_000",
  "010",
  "00",
  "0",
  "007",
  "True",
  "False",
  "None",
  "true",
  "yes",
  "null",
  "inf",
  "nan",
  "'single'",
  '"double"',
  "'a' 'b'",
  "r'\\d+'",
  "b'bytes'",
  "u'uni'",
  "'tab\\there'",
  "'\\x41\\u00e9'",
  "'''triple'''",
  "[1, 'two', 3.0]",
  "[]",
  "[1,]",
  "(1, 2)",
  "()",
  "(1)",
  "(1,)",
  "{'a': 1, 'b': [2, 3]}",
  "{}",
  "{1: 'x', True: 'y', None: 'z'}",
  "{'nested': {'k': [None, True]}}",
  "[-1, +2]",
  "{1, 2}",
  "5 # a comment",
  "  42",
  "42  ",
  "\t7",
  "hello world",
  "/usr/local/go/bin",
  "1.22.12",
  "v1.2",
  "10.0.0.1",
  "a@b.c",
  "{{ inventory_hostname }}",
  "x=1",
  "[1, 2",
  "'unclosed",
  "1 + 2",
  "f'x'",
  "-True",
  "--1",
  "1.2.3",
  "0x",
  "1__0",
  "_1",
  "'a' + 'b'",
  "abc def",
];

const LINES = [
  "web1 a=1 b=2",
  "web1   a='x y'  b=\"p q\"",
  "web2 motd='it''s' c=\"say \\\"hi\\\"\" d='no \\\"escape\\\"'",
  "web3 a=1 # trailing comment",
  "web4 a=va#lue b=2",
  "web5 path=C:\\\\x e=a\\ b",
  "h quoted=\"'03#pa33w0rd'\"",
  "h x='#not-a-comment' y=z",
];

function python(script: string, input: unknown): unknown {
  return JSON.parse(execFileSync("python3", ["-c", script], { input: JSON.stringify(input), encoding: "utf8" }));
}

const LITERAL_EVAL = `
import ast, json, sys
def value(s):
    try:
        v = ast.literal_eval(s)
    except (ValueError, SyntaxError):
        return s
    if isinstance(v, bytes):
        return v.decode()
    return v
def plain(v):
    if isinstance(v, (set, tuple)): return [plain(x) for x in v]
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, dict): return {json.dumps(k) if not isinstance(k, str) else k: plain(x) for k, x in v.items()}
    return v
out = [plain(value(s)) for s in json.load(sys.stdin)]
print(json.dumps(out))
`;

const SHLEX = `
import json, shlex, sys
print(json.dumps([shlex.split(l, comments=True) for l in json.load(sys.stdin)]))
`;

describe("ast.literal_eval, as Ansible's INI reader applies it", () => {
  const expected = python(LITERAL_EVAL, VALUES) as unknown[];
  it.each(VALUES.map((v, i) => ({ text: v, want: expected[i] })))("$text", ({ text, want }) => {
    expect(literalValue(text)).toEqual(want);
  });
});

describe("shlex.split(line, comments=True)", () => {
  const expected = python(SHLEX, LINES) as string[][];
  it.each(LINES.map((l, i) => ({ line: l, want: expected[i] })))("$line", ({ line, want }) => {
    expect(shlexSplit(line).map((w) => w.text)).toEqual(want);
  });
});
