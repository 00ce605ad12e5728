// cgo-probe: what a binary needs against what a host has (a table), every failure as one actionable
// line, and the run on a host (here the controller itself, running AArch64 through binfmt).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cgoProbe,
  unmet,
  type Binary,
  type CgoProbeArgs,
  type CgoProbeState,
  type TargetFacts,
} from "../../src/modules/cgo-probe/index.js";
import { readElf, type ElfInfo } from "../../src/modules/shared/elf.js";
import { DONE_LINE, cgoProgram } from "../../src/modules/cgo-probe/programs.js";
import { crossLibs } from "../../src/modules/shared/cross.js";
import { harness, localFacts, localFleet, tempDir } from "./modules-helpers.js";

const elf = (over: Partial<ElfInfo>): ElfInfo => ({
  class: 64,
  endian: "little",
  machine: 183,
  type: 3,
  interpreter: null,
  needed: [],
  glibc: null,
  ...over,
});
const bin = (over: Partial<ElfInfo>): Binary => ({ elf: elf(over), size: 1000, bytes: Buffer.alloc(0) });
const glibcBin = bin({ interpreter: "/lib/ld-linux-aarch64.so.1", needed: ["libz.so.1", "libc.so.6"], glibc: "2.34" });
const host = (over: Partial<TargetFacts>): TargetFacts => ({
  host: "web-3",
  arch: "aarch64",
  goarch: "arm64",
  libc: { kind: "glibc", version: "2.36" },
  loaders: ["/lib/ld-linux-aarch64.so.1"],
  ...over,
});

describe("a binary against a host", () => {
  it.each<[string, Binary, Partial<TargetFacts>, string[]]>([
    ["glibc on newer glibc", glibcBin, {}, []],
    ["glibc on the same glibc", glibcBin, { libc: { kind: "glibc", version: "2.34" } }, []],
    [
      "glibc on older glibc",
      glibcBin,
      { libc: { kind: "glibc", version: "2.31" } },
      ["cgo needs GLIBC_2.34, web-3 has 2.31"],
    ],
    [
      "glibc on 2.9 vs 2.17 (numeric, not text)",
      bin({ interpreter: "/lib/ld-linux-aarch64.so.1", glibc: "2.17" }),
      { libc: { kind: "glibc", version: "2.9" } },
      ["cgo needs GLIBC_2.17, web-3 has 2.9"],
    ],
    [
      "glibc on musl",
      glibcBin,
      { libc: { kind: "musl", version: "1.2.4" }, loaders: ["/lib/ld-musl-aarch64.so.1"] },
      ["cgo needs glibc, web-3 has musl 1.2.4", "cgo needs the loader /lib/ld-linux-aarch64.so.1, missing on web-3"],
    ],
    [
      "musl dynamic on glibc",
      bin({ interpreter: "/lib/ld-musl-aarch64.so.1" }),
      {},
      ["cgo needs musl, web-3 has glibc 2.36", "cgo needs the loader /lib/ld-musl-aarch64.so.1, missing on web-3"],
    ],
    ["static anywhere arm64", bin({}), { libc: { kind: "musl", version: "1.2.4" }, loaders: [] }, []],
    [
      "anything on x86_64",
      bin({}),
      { arch: "x86_64", goarch: "amd64" },
      ["web-3 is x86_64, each probe is built for AArch64 (ELF64)"],
    ],
  ])("%s", (_label, b, t, want) => {
    expect(unmet({ cgo: b }, host(t)).map((m) => m.line)).toEqual(want);
  });
});

describe("cgo-probe plan", () => {
  const args: CgoProbeArgs = { sysroot: "/opt/sysroot/arm64-glibc", libs: ["zlib"] };
  const good: CgoProbeState = {
    libc: "glibc",
    cc: { path: "/usr/bin/aarch64-linux-gnu-gcc", version: "12", target: "aarch64-linux-gnu" },
    pkgconfig: { zlib: "1.2.13" },
    goEnv: { GOOS: "linux", GOARCH: "arm64", CGO_ENABLED: "1", CC: "aarch64-linux-gnu-gcc" },
    binaries: { cgo: glibcBin, nocgo: bin({}) },
    buildErrors: {},
  };

  it("passes with what it learned", () => {
    const plan = cgoProbe.plan(good, { ...args, fleet: [host({})] });
    expect(plan.steps).toEqual([]);
    expect(plan.msg).toBe(
      "AArch64 glibc cgo probe: /lib/ld-linux-aarch64.so.1, needs GLIBC_2.34, 1000 bytes; fits 1 target host(s)",
    );
    expect(plan.data).toMatchObject({
      pkgconfig: { zlib: "1.2.13" },
      binaries: { cgo: { static: false, glibc: "2.34" }, nocgo: { static: true } },
      targets: ["web-3"],
    });
  });

  it.each<[string, Partial<CgoProbeState>, Partial<CgoProbeArgs>, string]>([
    [
      "no compiler",
      { missing: "compiler" },
      {},
      "aarch64-linux-gnu-gcc not found: add a sysroot task with install_compiler: true, or apt-get install gcc-aarch64-linux-gnu",
    ],
    [
      "no sysroot",
      { missing: "sysroot" },
      {},
      "no sysroot at /opt/sysroot/arm64-glibc — add a sysroot task for it before cgo-probe",
    ],
    ["no go", { missing: "go" }, { go: "/usr/local/go/bin/go" }, "/usr/local/go/bin/go not found on the build host"],
    [
      "library not in the sysroot",
      { pkgconfig: { zlib: "" } },
      {},
      "pkg-config cannot find zlib in /opt/sysroot/arm64-glibc: add it to libs",
    ],
    [
      "build error",
      {
        buildErrors: { cgo: "# x\nundefined reference to `zlibVersion'\ncollect2: error: ld returned 1 exit status\n" },
      },
      {},
      "the cgo probe did not build: # x | undefined reference to `zlibVersion' | collect2: error: ld returned 1 exit status",
    ],
    [
      "x86-64 output",
      {
        binaries: {
          cgo: { ...glibcBin, elf: elf({ machine: 62, interpreter: "/lib/ld-linux-aarch64.so.1" }) },
          nocgo: bin({}),
        },
      },
      {},
      "the cgo probe is ELF64 little-endian machine 62, not AArch64",
    ],
    [
      "static asked, dynamic made",
      {},
      { link: "static" },
      "the cgo probe asks for loader /lib/ld-linux-aarch64.so.1, expected none (static)",
    ],
    [
      "older glibc on a target",
      {},
      { fleet: [host({}), host({ host: "web-4", libc: { kind: "glibc", version: "2.31" } })] },
      "cgo needs GLIBC_2.34, web-4 has 2.31 — build against release: bullseye (glibc 2.31), link statically, or upgrade web-4",
    ],
    [
      "an x86_64 build host among the targets: an arch mismatch, not an old sysroot",
      {},
      { fleet: [host({}), host({ host: "build", arch: "x86_64", goarch: "amd64" })] },
      "build is x86_64, each probe is built for AArch64 (ELF64) — leave build out of the targets: name the ARM64 hosts or their group, not all",
    ],
  ])("%s fails in one line", (_label, state, extra, want) => {
    let line = "";
    try {
      cgoProbe.plan({ ...good, ...state }, { ...args, ...extra });
    } catch (e) {
      line = (e as { oneLine(): string }).oneLine();
    }
    expect(line).toContain(want);
    expect(line.split("\n")).toHaveLength(1);
  });

  it("an unknown library is named before anything runs", async () => {
    const h = harness();
    await expect(
      cgoProbe.resolve!(
        { sysroot: "/s", libs: ["zlib", "png"] },
        { host: "b", facts: h.facts, controller: h.controller, fleet: h.fleet },
      ),
    ).rejects.toThrow("unknown library 'png'");
    h.cleanup();
  });
});

describe("the cgo program", () => {
  it("calls each library and NEON, and prints the done line", () => {
    const src = cgoProgram(crossLibs(["zlib", "openssl"]), true);
    expect(src).toContain("#cgo pkg-config: zlib openssl");
    expect(src).toContain("return zlibVersion();");
    expect(src).toContain("return OpenSSL_version(OPENSSL_VERSION);");
    expect(src).toContain("vaddq_s32(vld1q_s32(a), vld1q_s32(b))");
    expect(src).toContain(`fmt.Println("${DONE_LINE}")`);
  });
});

describe("the probe is read-only", () => {
  it("builds with Go's cache in its own temp dir, which its trap removes: nothing is left on the build host", () => {
    const script = cgoProbe.probe({ sysroot: "/opt/sysroot/arm64-glibc", libs: ["zlib"] }, localFacts());
    const lines = script.split("\n");
    const tmp = lines.findIndex((l) => l.startsWith("tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT"));
    const cache = lines.indexOf('export GOCACHE="$tmp/gocache"');
    const build = lines.findIndex((l) => l.includes('"$go" build'));
    expect(tmp).toBeGreaterThan(-1);
    expect(cache).toBeGreaterThan(tmp);
    expect(build).toBeGreaterThan(cache);
  });
});

describe("run_on: copy to a host, run, expect the output", () => {
  let dir: string;
  let probeBin: Buffer;
  beforeAll(() => {
    dir = tempDir("armgo-run-on-");
    // an AArch64 program printing what the cgo probe prints; the controller runs it through binfmt
    writeFileSync(
      join(dir, "p.c"),
      `#include <stdio.h>\nint main(void) { puts("zlib 1.2.13"); puts("neon 6 8 10 12"); puts("${DONE_LINE}"); return 0; }\n`,
    );
    execFileSync("aarch64-linux-gnu-gcc", ["-static", "-o", join(dir, "p"), join(dir, "p.c")]);
    probeBin = readFileSync(join(dir, "p"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const state = (bytes: Buffer): CgoProbeState => ({
    libc: "glibc",
    pkgconfig: { zlib: "1.2.13" },
    goEnv: {},
    binaries: { cgo: { elf: readElf(bytes), size: bytes.length, bytes } },
    buildErrors: {},
  });
  const args: CgoProbeArgs = { sysroot: "/s", libs: ["zlib"], neon: true, run_on: "arm-1", link: "static" };
  const before = () => readdirSync(tmpdir()).filter((n) => n.startsWith("tmp.")).length;

  it("runs the probes there and leaves nothing behind", async () => {
    const h = harness(localFacts(), localFleet({ "arm-1": localFacts() }));
    const n = before();
    const plan = cgoProbe.plan(state(probeBin), args);
    const r = await cgoProbe.apply({ ...ctxOf(h), check: false }, args, plan);
    expect(r.msg).toMatch(/; ran on arm-1: zlib 1\.2\.13, neon 6 8 10 12$/);
    expect(r.data).toMatchObject({ run_on: "arm-1", runs: { cgo: { code: 0 } } });
    expect(before()).toBe(n);
    h.cleanup();
  });

  it("fails naming the host when the expected output is missing", async () => {
    const h = harness(localFacts(), localFleet({ "arm-1": localFacts() }));
    const plan = cgoProbe.plan(state(probeBin), { ...args, libs: [] });
    await expect(cgoProbe.apply({ ...ctxOf(h), check: false }, { ...args, libs: ["openssl"] }, plan)).rejects.toThrow(
      "the cgo probe failed on arm-1 (exit 0): no 'openssl ' in its output",
    );
    h.cleanup();
  });

  it("removes its temp dir on the host when the upload fails", async () => {
    const fleet = localFleet({ "arm-1": localFacts() });
    const h = harness(localFacts(), { ...fleet, put: () => Promise.reject(new Error("sftp: no space left")) });
    const n = before();
    const plan = cgoProbe.plan(state(probeBin), args);
    await expect(cgoProbe.apply({ ...ctxOf(h), check: false }, args, plan)).rejects.toThrow("sftp: no space left");
    expect(before()).toBe(n);
    h.cleanup();
  });

  it("is not run under --check", async () => {
    const h = harness(localFacts(), localFleet({}));
    const plan = cgoProbe.plan(state(probeBin), args);
    const r = await cgoProbe.apply({ ...ctxOf(h), check: true }, args, plan);
    expect(r.msg).toMatch(/; not run on arm-1 under --check$/);
    h.cleanup();
  });
});

function ctxOf(h: ReturnType<typeof harness>) {
  return {
    host: "build",
    facts: h.facts,
    controller: h.controller,
    fleet: h.fleet,
    runId: "test-run",
    become: false as const,
    run: (s: string) => h.transport.exec(s),
    runOk: (s: string) => h.transport.exec(s),
    put: (l: string, r: string) => h.transport.put(l, r),
    progress: () => undefined,
  };
}
