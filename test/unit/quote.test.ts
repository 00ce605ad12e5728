// Hostile values stay data: each goes through quote() into the real /bin/sh and comes back byte for byte.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalTransport } from "../../src/transport/local.js";
import { exportLines, quote, readFirstLine, sh } from "../../src/transport/quote.js";

const marker = `/tmp/armgo-quote-${process.pid}`;

const hostile: Array<[string, string]> = [
  ["command substitution", `$(touch ${marker})`],
  ["backticks", `\`touch ${marker}\``],
  ["semicolon", `x; touch ${marker}`],
  ["single quote", `it's; touch ${marker}; '`],
  ["double quotes", `"$(touch ${marker})"`],
  ["newline", `a\ntouch ${marker}\nb`],
  ["glob", "*"],
  ["empty string", ""],
  ["unicode", "héllo wörld ✓ 日本"],
  ["leading dash", "-n"],
  ["variable", "$HOME ${PATH}"],
  ["pipe and redirect", `| tee ${marker} > ${marker}`],
  ["backslashes", "a\\b\\\\c\\"],
  ["ampersand", `& touch ${marker} &`],
  ["only quotes", `''"'"`],
  ["tab and spaces", "  a\tb  "],
];

describe("quote() through a real sh", () => {
  const local = new LocalTransport("localhost");
  beforeAll(() => rmSync(marker, { force: true }));
  afterAll(() => rmSync(marker, { force: true }));

  it.each(hostile)("%s round-trips byte for byte", async (_name, value) => {
    const r = await local.exec(`printf %s ${quote(value)}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(value);
    expect(existsSync(marker)).toBe(false);
  });

  it("sh`` quotes every value and each array element as its own word", async () => {
    const values = hostile.map(([, v]) => v);
    const r = await local.exec(sh`for a in ${values}; do printf '%s\\0' "$a"; done`);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(values);
    expect(existsSync(marker)).toBe(false);
  });

  it.each(hostile)("exportLines: a %s value is exported as data", async (_name, value) => {
    const r = await local.exec(`${exportLines({ V: value })}printf %s "$V"`);
    expect(r.stdout).toBe(value);
    expect(existsSync(marker)).toBe(false);
  });

  it.each(["X=1; touch /tmp/x; Y", "1X", "A-B", "", "A B"])("exportLines refuses the name %j", (name) => {
    expect(() => exportLines({ [name]: "v" })).toThrow(/reached the shell unchecked/);
  });

  it("plain words stay unquoted, so scripts stay readable", () => {
    expect(quote("/usr/local/go")).toBe("/usr/local/go");
    expect(quote(22)).toBe("22");
    expect(quote("")).toBe("''");
  });
});

describe("readFirstLine through a real sh: what $(head -n 1 FILE) gave, without a process", () => {
  const local = new LocalTransport("localhost");
  const dir = mkdtempSync(join(tmpdir(), "armgo-firstline-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    { name: "a line and its newline", content: "go1.22.12\n", line: "go1.22.12" },
    { name: "a last line without its newline", content: "go1.22.12", line: "go1.22.12" },
    { name: "only the first of several lines", content: "a b\nc\n", line: "a b" },
    { name: "spaces and backslashes kept", content: "  x \\n y  \n", line: "  x \\n y  " },
    { name: "an empty file", content: "", line: "" },
    { name: "a missing file: the variable as it was", content: undefined, line: "before" },
  ])("$name", async ({ name, content, line }) => {
    const file = join(dir, name.replace(/\W+/g, "-"));
    if (content !== undefined) writeFileSync(file, content);
    const r = await local.exec(
      `v=before; ${readFirstLine("v", quote(file))}; printf '%s|' "$v"; [ -r ${quote(file)} ] || exit 0; printf '%s|' "$(head -n 1 ${quote(file)})"`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(content === undefined ? `${line}|` : `${line}|${line}|`);
  });
});
