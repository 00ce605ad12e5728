import { existsSync, readFileSync } from "node:fs";
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
export const version: string = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
