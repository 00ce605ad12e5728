// Hashes: a streaming sha256 of a file (toolchain tarballs are ~70 MB), and the name of a build recipe.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { sha256: hash.digest("hex"), size: (await stat(path)).size };
}

/** sha256 hex of a recipe; the JSON text is the identity, so key order matters and is fixed by the caller. */
export function recipeHash(recipe: unknown): string {
  return createHash("sha256").update(JSON.stringify(recipe)).digest("hex");
}
