// A real Go toolchain for the controller (the build host of cross-build tests), unpacked once from
// the lab's Go mirror into the cache, named by recipe hash.
import { mkdtemp, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { cacheDir, recipeHash } from "./cache.js";
import { archiveName } from "./feed.js";
import { ensureMirror } from "./mirror.js";
import { run } from "../run.js";

/** The `go` binary of `version` for linux/amd64; unpacked on first use. */
export async function ensureControllerGo(version = "go1.22.12"): Promise<string> {
  const mirror = await ensureMirror();
  const file = archiveName(version, "linux", "amd64");
  const dir = join(cacheDir(), `go-${recipeHash({ mirror: basename(mirror), file }).slice(0, 12)}`);
  const go = join(dir, "go/bin/go");
  if (
    await stat(go).then(
      () => true,
      () => false,
    )
  )
    return go;
  const work = await mkdtemp(`${dir}.work-`);
  try {
    await run("tar", ["-xzf", join(mirror, file), "-C", work]);
    // a concurrent unpack that finished first is as good as ours
    await rename(work, dir).catch(async (err: unknown) => {
      if (
        !(await stat(go).then(
          () => true,
          () => false,
        ))
      )
        throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return go;
}
