// Every file armgo writes lands under a temporary name beside its target first, then is renamed in.
import { randomBytes } from "node:crypto";

/** A fresh temporary name in the same directory as `path` (same filesystem, so the rename is atomic). */
export function tempBeside(path: string): string {
  return `${path}.armgo-tmp-${randomBytes(6).toString("hex")}`;
}
