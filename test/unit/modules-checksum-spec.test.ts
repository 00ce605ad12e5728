import { describe, expect, it } from "vitest";
import { parseChecksumArg, parseChecksumFile, resolveChecksum } from "../../src/modules/checksum-spec.js";
import { TaskError } from "../../src/errors.js";
import type { Controller } from "../../src/modules/contract.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const MIXED = "AbCdEf0123456789".repeat(4);
const NAME = "go1.22.12.linux-arm64.tar.gz";

describe("parseChecksumArg", () => {
  it.each([
    ["sha256:" + A, { kind: "hex", sha256: A }],
    ["sha256:" + MIXED, { kind: "hex", sha256: MIXED.toLowerCase() }],
    ["SHA256:" + A, { kind: "hex", sha256: A }],
    ["sha256:https://mirror.example/x.sha256", { kind: "url", url: "https://mirror.example/x.sha256" }],
    ["sha256:http://127.0.0.1:8080/SHA256SUMS", { kind: "url", url: "http://127.0.0.1:8080/SHA256SUMS" }],
  ])("%s", (spec, want) => expect(parseChecksumArg(spec)).toEqual(want));

  it.each(["md5:" + A, A, "sha256:abc", "sha256:ftp://x/y", "sha256:"])("refuses %s", (spec) => {
    expect(() => parseChecksumArg(spec)).toThrow(TaskError);
  });
});

describe("parseChecksumFile", () => {
  it.each([
    ["bare hash (Go's .sha256)", `${A}\n`, A],
    ["bare hash, no newline, upper case", MIXED, MIXED.toLowerCase()],
    ["GNU text mode", `${A}  ${NAME}\n`, A],
    ["GNU binary mode", `${A} *${NAME}\n`, A],
    ["GNU, several lines", `${B}  other.tar.gz\n${A}  ${NAME}\n`, A],
    ["GNU, name with a directory", `${B}  other.tar.gz\n${A}  ./dist/${NAME}\n`, A],
    ["GNU, CRLF and comments", `# sums\r\n${B}  other.tar.gz\r\n${A}  ${NAME}\r\n`, A],
    ["GNU, one line for another name", `${A}  renamed.tar.gz\n`, A],
    ["BSD", `SHA256 (${NAME}) = ${A}\n`, A],
    ["BSD, several lines", `SHA256 (other.tar.gz) = ${B}\nSHA256 (${NAME}) = ${MIXED}\n`, MIXED.toLowerCase()],
    ["BSD without spaces", `SHA256(${NAME})= ${A}\n`, A],
  ])("%s", (_label, text, want) => expect(parseChecksumFile(text, [NAME])).toBe(want));

  it.each([
    ["empty", ""],
    ["not a hash", "<html>404</html>"],
    ["several lines, none for the file", `${A}  one.tar.gz\n${B}  two.tar.gz\n`],
  ])("fails: %s", (_label, text) => {
    expect(() => parseChecksumFile(text, [NAME], "sums")).toThrow(TaskError);
  });
});

describe("resolveChecksum", () => {
  it("fetches a checksum URL once per run (memoised per URL)", async () => {
    let fetches = 0;
    const memos = new Map<string, Promise<unknown>>();
    const controller: Controller = {
      fetchText: async () => {
        fetches++;
        return `${A}\n`;
      },
      fetchFile: async () => "",
      memo: <T>(key: string, f: () => Promise<T>) => {
        if (!memos.has(key)) memos.set(key, f());
        return memos.get(key) as Promise<T>;
      },
    };
    const spec = "sha256:https://mirror.example/" + NAME + ".sha256";
    const got = await Promise.all([1, 2, 3].map(() => resolveChecksum(spec, [NAME], controller)));
    expect(got).toEqual([A, A, A]);
    expect(fetches).toBe(1);
    expect(await resolveChecksum("sha256:" + B, [NAME], controller)).toBe(B);
  });
});
