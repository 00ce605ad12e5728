// The ELF reader against binutils' readelf on real files: AArch64 binaries built here with Debian's
// cross gcc (dynamic, static, PIE-less, shared object) and the controller's own x86-64 files.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareVersions, highestGlibc, readElf, type ElfInfo } from "../../src/modules/shared/elf.js";
import { tempDir } from "./modules-helpers.js";

const CC = "aarch64-linux-gnu-gcc";
const MACHINES: Record<string, number> = { AArch64: 183, "Advanced Micro Devices X86-64": 62 };
const TYPES: Record<string, number> = { EXEC: 2, DYN: 3 };

/** The same fields as readElf, from readelf's text output. */
function readelf(file: string): ElfInfo {
  const out = (flag: string) => execFileSync("readelf", [flag, "-W", file], { encoding: "utf8" });
  const h = out("-h");
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.*)$`, "m").exec(h)![1]!.trim();
  const verneed = out("-V").split(/^Version needs section/m)[1] ?? "";
  return {
    class: field("Class") === "ELF64" ? 64 : 32,
    endian: field("Data").includes("little") ? "little" : "big",
    machine: MACHINES[field("Machine")] ?? -1,
    type: TYPES[field("Type").split(" ")[0]!] ?? -1,
    interpreter: /\[Requesting program interpreter: (.*)\]/.exec(out("-l"))?.[1] ?? null,
    needed: [...out("-d").matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((m) => m[1]!),
    glibc: highestGlibc([...verneed.matchAll(/Name: (\S+)/g)].map((m) => m[1]!)),
  };
}

describe("readElf matches readelf", () => {
  let dir: string;
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = tempDir("armgo-elf-");
    const src = join(dir, "m.c");
    writeFileSync(
      src,
      '#include <stdio.h>\n#include <math.h>\nint f(int c) { return (int)cos(c); }\nint main(int c, char **v) { printf("%d\\n", f(c)); return 0; }\n',
    );
    // no hidden skip: a missing cross compiler fails here, setup.sh installs it
    const build = (name: string, flags: string[]) => {
      files[name] = join(dir, name);
      execFileSync(CC, [...flags, "-o", files[name], src, "-lm"]);
    };
    build("aarch64-pie", []);
    build("aarch64-no-pie", ["-no-pie"]);
    build("aarch64-static", ["-static"]);
    build("aarch64-stripped", ["-s"]);
    build("aarch64-shared.so", ["-shared", "-fPIC"]);
    files["aarch64-libc"] = "/usr/aarch64-linux-gnu/lib/libc.so.6";
    files["x86-64-sh"] = "/bin/sh";
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    "aarch64-pie",
    "aarch64-no-pie",
    "aarch64-static",
    "aarch64-stripped",
    "aarch64-shared.so",
    "aarch64-libc",
    "x86-64-sh",
  ])("%s: every field equal", (name) => {
    const file = files[name]!;
    expect(readElf(readFileSync(file), file)).toEqual(readelf(file));
  });

  it.each<[string, Partial<ElfInfo>]>([
    [
      "aarch64-pie",
      {
        machine: 183,
        class: 64,
        endian: "little",
        interpreter: "/lib/ld-linux-aarch64.so.1",
        needed: ["libm.so.6", "libc.so.6"],
        glibc: "2.34",
      },
    ],
    ["aarch64-static", { machine: 183, interpreter: null, needed: [], glibc: null }],
    ["x86-64-sh", { machine: 62, interpreter: "/lib64/ld-linux-x86-64.so.2" }],
  ])("%s: the values a probe checks", (name, want) => {
    expect(readElf(readFileSync(files[name]!))).toMatchObject(want);
  });

  // a 64-bit header whose program-header offset points past the end of the file
  const truncated = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(57)]);
  truncated.writeBigUInt64LE(4096n, 32);
  truncated.writeUInt16LE(1, 56);
  it.each<[string, Buffer, string]>([
    ["text", Buffer.from("#!/bin/sh\necho hi\n".padEnd(64)), "not-elf is not a readable ELF file: no ELF magic"],
    ["truncated", truncated, "not-elf is not a readable ELF file: offset 4096 beyond the file's 64 bytes"],
  ])("a %s file is named in the error", (_label, buf, want) => {
    expect(() => readElf(buf, "not-elf")).toThrow(want);
  });
});

describe("glibc versions", () => {
  it.each<[string[], string | null]>([
    [["GLIBC_2.17", "GLIBC_2.34", "GLIBC_2.9"], "2.34"],
    [["GLIBC_2.2.5", "GLIBC_2.14"], "2.14"],
    [["GLIBC_PRIVATE", "GCC_3.0", "GLIBC_2.17"], "2.17"],
    [["GCC_3.0"], null],
    [[], null],
  ])("%j -> %s", (names, want) => {
    expect(highestGlibc(names)).toBe(want);
  });

  it.each<[string, string, number]>([
    ["2.31", "2.34", -1],
    ["2.9", "2.17", -1],
    ["2.36", "2.36", 0],
    ["2.36.1", "2.36", 1],
  ])("%s vs %s", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});
