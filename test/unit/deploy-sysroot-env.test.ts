// build.sysroot: the sysroot's cgo environment from its manifest on the controller, linux/arm64 and
// CGO_ENABLED=1, the user's env over it, and a refusal in one line when there is no sysroot.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createController } from "../../src/engine/controller.js";
import { NotJudgedError } from "../../src/errors.js";
import { withSysroot } from "../../src/modules/deploy/sysroot-env.js";
import { tempDir } from "./modules-helpers.js";

describe("build.sysroot", () => {
  const dir = tempDir("armgo-sysroot-env-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sysroot = (name: string, libc: string, hash: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, ".armgo-sysroot.json"), JSON.stringify({ recipe: { libc }, recipe_hash: hash }));
    return join(dir, name);
  };

  it.each<{ name: string; libc: string; env: Record<string, string>; want: Record<string, string> }>([
    {
      name: "glibc: Debian's cross gcc, the sysroot's flags and pkg-config only",
      libc: "glibc",
      env: {},
      want: {
        CC: "aarch64-linux-gnu-gcc",
        CGO_ENABLED: "1",
        PKG_CONFIG_SYSROOT_DIR: "ROOT",
        CGO_CFLAGS: "--sysroot=ROOT -isystem ROOT/usr/include/aarch64-linux-gnu -isystem ROOT/usr/include",
      },
    },
    {
      name: "musl: the compiler carries musl's specs",
      libc: "musl",
      env: {},
      want: { CC: "aarch64-linux-gnu-gcc -specs=ROOT/usr/lib/aarch64-linux-musl/musl-gcc.specs" },
    },
    { name: "the user's env wins", libc: "glibc", env: { CGO_CFLAGS: "-O3" }, want: { CGO_CFLAGS: "-O3" } },
  ])("$name", async ({ libc, env, want }) => {
    const root = sysroot(`s-${libc}`, libc, "abc123");
    const { build, version } = await withSysroot(
      { package: "examples/zsvc", sysroot: root, env },
      createController(join(dir, "cache")),
    );
    expect(version).toBe("abc123");
    expect(build).toMatchObject({ goos: "linux", goarch: "arm64", cgo: true });
    const expected = Object.fromEntries(Object.entries(want).map(([k, v]) => [k, v.replaceAll("ROOT", root)]));
    expect(build.env).toMatchObject(expected);
  });

  it.each([
    {
      name: "no sysroot there",
      build: { package: "p", sysroot: "/nonexistent/armgo-sysroot" },
      want: "no sysroot at /nonexistent/armgo-sysroot on the controller (/nonexistent/armgo-sysroot/.armgo-sysroot.json cannot be read) — add a sysroot task for it on a connection: local host before the deploy",
    },
    {
      name: "another arch asked",
      build: { package: "p", sysroot: "GLIBC", goarch: "amd64" },
      want: "build.sysroot GLIBC is an ARM64 sysroot, build.goarch is amd64 — drop build.goarch, or build without the sysroot",
    },
  ])("$name: one line", async ({ build, want }) => {
    const root = sysroot("g", "glibc", "h1");
    const b = { ...build, sysroot: build.sysroot.replace("GLIBC", root) };
    const e = await withSysroot(b, createController(join(dir, "cache"))).catch((x: unknown) => x);
    expect((e as { oneLine(): string }).oneLine()).toBe(want.replaceAll("GLIBC", root));
  });

  it("under --check a sysroot an earlier task would build is not judged, not a failure", async () => {
    const build = { package: "p", sysroot: "/nonexistent/armgo-sysroot" };
    const e = await withSysroot(build, createController(join(dir, "cache")), true).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotJudgedError);
    expect((e as NotJudgedError).message).toBe(
      "not judged under --check: no sysroot at /nonexistent/armgo-sysroot yet",
    );
  });
});
