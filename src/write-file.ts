// A file readers may open at any moment (a textfile collector, a browser, the next run): written whole
// under a temp name beside it, then renamed over it, so it is never seen half-written.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  // a dot name without the file's ending: collectors that read *.prom (or *.html) never pick it up
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}
