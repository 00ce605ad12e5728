import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Works from src/ (vitest) and from dist/src/ (the built CLI): walk up to our package.json.
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("armgo: package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const packageRoot = findRoot();
export const schemasDir = join(packageRoot, "schemas");
export const rolesDir = join(packageRoot, "roles");
export const version: string = (
  JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }
).version;

/** Controller-side cache (downloads, lab images' inputs, the Go mirror): `$ARMGO_CACHE`, else `$XDG_CACHE_HOME/armgo`, else `~/.cache/armgo`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ARMGO_CACHE) return env.ARMGO_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "armgo");
  return join(homedir(), ".cache", "armgo");
}
