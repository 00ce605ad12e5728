// build.sysroot: a cgo build against a sysroot the sysroot module made on the controller takes that
// sysroot's environment itself (CC, CGO_CFLAGS, CGO_LDFLAGS, PKG_CONFIG_*, CGO_ENABLED=1), and its
// recipe hash joins the build's key: a sysroot rebuilt from another recipe is another build.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { NotJudgedError, TaskError } from "../../errors.js";
import type { Controller } from "../contract.js";
import { SYSROOT_MANIFEST, crossEnv, type Libc } from "../shared/cross.js";
import type { BuildSpec } from "./types.js";

/** The build spec with the sysroot's environment under the user's own `env`, and the sysroot's recipe hash. */
export async function withSysroot(
  b: BuildSpec,
  controller: Controller,
  check = false,
): Promise<{ build: BuildSpec; version: string }> {
  if (b.sysroot === undefined) return { build: b, version: "" };
  const root = resolve(b.sysroot);
  const { libc, version } = await controller.memo(`deploy-sysroot:${root}`, () => readSysroot(root, check));
  if (b.goarch !== undefined && b.goarch !== "arm64")
    throw new TaskError(`build.sysroot ${root} is an ARM64 sysroot, build.goarch is ${b.goarch}`, {
      hint: "drop build.goarch, or build without the sysroot",
    });
  const env = crossEnv(root, libc);
  return {
    build: { ...b, goos: "linux", goarch: "arm64", cgo: true, env: { ...env, ...b.env } },
    version,
  };
}

async function readSysroot(root: string, check: boolean): Promise<{ libc: Libc; version: string }> {
  const file = join(root, SYSROOT_MANIFEST);
  const text = await readFile(file, "utf8").catch((e: unknown) => {
    // under --check the sysroot task before this one only said it would build the tree
    if (check) throw new NotJudgedError(`not judged under --check: no sysroot at ${root} yet`, { cause: e });
    throw new TaskError(`no sysroot at ${root} on the controller (${file} cannot be read)`, {
      cause: e,
      hint: "add a sysroot task for it on a connection: local host before the deploy",
    });
  });
  const m = JSON.parse(text) as { recipe?: { libc?: string }; recipe_hash?: string };
  const libc = m.recipe?.libc;
  if ((libc !== "glibc" && libc !== "musl") || !m.recipe_hash)
    throw new TaskError(`${file} is not a manifest the sysroot module wrote`, {
      hint: "build the sysroot again with the sysroot module",
    });
  return { libc, version: m.recipe_hash };
}
