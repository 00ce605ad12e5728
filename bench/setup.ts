// What the bench and the simulated fleet both start from: the lab image, the Go mirror served locally, a client key, the job's vars.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { assertLabReady } from "../src/lab/doctor.js";
import { ensureImage } from "../src/lab/images.js";
import { ensureClientKey, type ClientKey } from "../src/lab/keys.js";
import { ensureMirror } from "../src/lab/mirror.js";
import { serveDir } from "../src/lab/mirror-server.js";

export const ARCHIVE = "go1.22.12.linux-amd64.tar.gz";
// dist/bench/*.js → the repo root.
export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const OUT = join(ROOT, "bench/out");

export interface BenchSetup {
  image: string;
  mirrorUrl: string;
  work: string;
  key: ClientKey;
  vars: { go_url: string; go_sha256: string };
  close(): Promise<void>;
}

export async function benchSetup(): Promise<BenchSetup> {
  await assertLabReady();
  const [image, mirrorDir] = await Promise.all([ensureImage({ arch: "amd64" }), ensureMirror()]);
  const mirror = await serveDir(mirrorDir);
  const work = await mkdtemp(join(tmpdir(), "armgo-bench-"));
  const key = await ensureClientKey(join(work, "id_ed25519"));
  const sha256 = (await readFile(join(mirrorDir, `${ARCHIVE}.sha256`), "utf8")).trim();
  return {
    image,
    mirrorUrl: mirror.url,
    work,
    key,
    vars: { go_url: `${mirror.url}/${ARCHIVE}`, go_sha256: sha256 },
    async close() {
      await mirror.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
