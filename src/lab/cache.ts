// Where lab artefacts live and how a recipe names them.
import { createHash } from "node:crypto";

export { cacheDir } from "../paths.js";

/** sha256 hex of a recipe; the JSON text is the identity, so key order matters and is fixed by the caller. */
export function recipeHash(recipe: unknown): string {
  return createHash("sha256").update(JSON.stringify(recipe)).digest("hex");
}
