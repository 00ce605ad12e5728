// Splitting ssh args as Ansible does (Python's shlex.split, stripped, empties dropped): python3 is the oracle.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { configWords, shellWords } from "../../src/transport/ssh-config/words.js";

const shellRows: { name: string; text: string }[] = [
  { name: "plain words and runs of blanks", text: "-o  User=a\t-p 22 " },
  { name: "single quotes keep everything", text: `-o 'ProxyJump u@b:22' -o 'User=a"b\\c'` },
  { name: 'double quotes: \\" and \\\\ escape, \\$ does not', text: `-o "User=a\\"b" -o "K=\\$x\\\\y"` },
  { name: "a backslash outside quotes escapes the next character", text: "-o User=a\\ b -i /k\\'ey" },
  { name: "quotes join with what touches them", text: `-o'User'="x y"z` },
  { name: "an empty quoted word is dropped, a padded one stripped", text: `-C "" -o " User=u "` },
  { name: "an unterminated quote", text: `-o "User=a` },
  { name: "a trailing backslash", text: "-o User=a\\" },
];

const shlex = (texts: string[]): (string[] | null)[] =>
  JSON.parse(
    execFileSync(
      "python3",
      [
        "-c",
        [
          "import json, shlex, sys",
          "def split(t):",
          "    try: return [x.strip() for x in shlex.split(t) if x.strip()]",
          "    except ValueError: return None",
          "print(json.dumps([split(t) for t in json.load(sys.stdin)]))",
        ].join("\n"),
      ],
      { input: JSON.stringify(texts), encoding: "utf8" },
    ),
  ) as (string[] | null)[];

describe("shellWords splits as Ansible's shlex.split", () => {
  const want = shlex(shellRows.map((r) => r.text));
  it.each(shellRows.map((r, i) => ({ ...r, i })))("$name", ({ text, i }) => {
    expect(shellWords(text) ?? null).toEqual(want[i]);
  });
});

// argv_split in OpenSSH's misc.c, by its rules (ssh -G's own parsing is checked in ssh-config-oracle.test.ts).
const configRows: { name: string; text: string; want: string[] | undefined }[] = [
  { name: "blanks separate", text: "a  b\tc", want: ["a", "b", "c"] },
  { name: "double and single quotes", text: `"a b" 'c d'`, want: ["a b", "c d"] },
  { name: "a word starting with # ends the line", text: "a #b c", want: ["a"] },
  { name: "# inside a word is kept", text: "a#b", want: ["a#b"] },
  {
    name: "backslash escapes a quote, a backslash, an unquoted space",
    text: `a\\ b "c\\"d" e\\\\f`,
    want: ["a b", 'c"d', "e\\f"],
  },
  { name: "any other backslash stays", text: "a\\nb", want: ["a\\nb"] },
  { name: "an unterminated quote", text: `"a b`, want: undefined },
];

describe("configWords splits as readconf.c's argv_split", () => {
  it.each(configRows)("$name", ({ text, want }) => expect(configWords(text)).toEqual(want));
});
