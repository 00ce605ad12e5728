// The service built on the controller with `go build`, once per distinct target of a run (the
// caller memoises by buildKey), into the cache under its own sha256: concurrent runs never share a file.
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ArmgoError, TaskError } from "../../errors.js";
import { recipeHash, sha256File } from "../../hash.js";
import { cacheDir } from "../../paths.js";
import { run } from "../../run.js";
import type { Artifact, BuildSpec } from "./types.js";
import type { NotShipped } from "../contract.js";

export interface Target {
  goos: string;
  goarch: string;
}

/** The build's identity within a run: same key, same binary. */
export function buildKey(b: BuildSpec, t: Target): string {
  return `deploy-build:${recipeHash({ package: resolve(b.package), go: b.go ?? "go", ...t, cgo: Boolean(b.cgo), ldflags: b.ldflags ?? "-s -w", env: b.env ?? {} })}`;
}

/** The release could not be made: nothing reached the host, as the RELEASES block says. */
export function notShipped(app: string, why: string): NotShipped {
  return { app, not_shipped: why };
}

/** go build of `b` for `t`; the binary lands as `<cache>/deploy/<sha256>/<app>`. */
export async function goBuild(b: BuildSpec, t: Target, app: string): Promise<Artifact> {
  const pkg = resolve(b.package);
  const root = join(cacheDir(), "deploy");
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, "build-"));
  try {
    const out = join(work, app);
    const env = {
      ...process.env,
      ...Object.fromEntries(Object.entries(b.env ?? {}).map(([k, v]) => [k, String(v)])),
      GOOS: t.goos,
      GOARCH: t.goarch,
      CGO_ENABLED: b.cgo ? "1" : "0",
      // a toolchain download would make the build depend on the network
      GOTOOLCHAIN: "local",
    };
    // -trimpath and no VCS stamp: the same source gives the same sha256, so a rerun deploys nothing
    await run(
      b.go ?? "go",
      ["build", "-trimpath", "-buildvcs=false", `-ldflags=${b.ldflags ?? "-s -w"}`, "-o", out, "."],
      { cwd: pkg, env },
    ).catch((e: unknown) => {
      throw new TaskError(
        `go build of ${pkg} for ${t.goos}/${t.goarch} failed: ${e instanceof ArmgoError ? e.message : String(e)}`,
        {
          cause: e,
          hint: "fix the build on the controller (build.go names the go command)",
          data: { deployed: notShipped(app, "the build failed") },
        },
      );
    });
    const { sha256 } = await sha256File(out);
    const dir = join(root, sha256);
    await mkdir(dir, { recursive: true });
    await rename(out, join(dir, app));
    return { path: join(dir, app), sha256, name: `build:${b.package}` };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
