// A lab image whose hosts are already converged for the bench job: N = 200 fleets start converged
// from shared layers instead of 200 first installs (each ~250 MB written, minutes of CPU).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { recipeHash } from "../src/hash.js";
import type { LabHost } from "../src/lab/containers.js";
import { writeManifest } from "../src/modules/shared/hash-probe.js";
import { sh } from "../src/transport/quote.js";
import { imageExists } from "../src/lab/images.js";
import { run } from "../src/run.js";
import { startBenchFleet } from "./fleet.js";
import { writeInventories } from "./inventories.js";
import { ROOT, type BenchSetup } from "./setup.js";
import { ARCHIVE, command, type Job } from "./tools.js";

/** Tag of the image made by a real armgo first install on one host; built once per lab image and job. */
export async function ensureConvergedImage(setup: BenchSetup): Promise<string> {
  const base = setup.image;
  const baseId = (await run("docker", ["image", "inspect", "--format", "{{.Id}}", base])).trim();
  // The modules decide what a converged host looks like: a changed module makes a new image.
  const modulesDir = join(ROOT, "dist/src/modules");
  const files = (await readdir(modulesDir, { recursive: true })).filter((f) => f.endsWith(".js")).sort();
  const modules = recipeHash(
    await Promise.all(files.map(async (f) => [f, await readFile(join(modulesDir, f), "utf8")])),
  );
  const recipe = {
    baseId,
    site: await readFile(join(ROOT, "bench/armgo/site.yaml"), "utf8"),
    sha256: setup.vars.go_sha256,
    modules,
  };
  const tag = `armgo-bench-converged:${recipeHash(recipe).slice(0, 16)}`;
  if (await imageExists(tag)) return tag;
  const knownHostsPath = join(setup.work, "converged-known_hosts");
  const fleet = await startBenchFleet(1, {
    image: base,
    publicKey: setup.key.publicKey,
    knownHostsPath,
    label: "bench-converged-image",
  });
  try {
    const inventories = { armgo: join(setup.work, "converged.yaml"), ansible: join(setup.work, "converged.ini") };
    const keyPath = setup.key.privateKeyPath;
    await writeInventories(fleet.hosts, inventories, { keyPath, knownHostsPath, mirrorUrl: setup.mirrorUrl });
    const job: Job = {
      root: ROOT,
      work: setup.work,
      vars: setup.vars,
      keyPath,
      forks: 1,
      inventories,
      auditDir: join(setup.work, "converged-audit"),
      hosts: [],
      knownHostsPath,
    };
    const { argv, env } = await command("armgo", "install", job);
    await run(argv[0]!, argv.slice(1), { env });
    await run("docker", ["commit", fleet.hosts[0]!.container.getId(), tag]);
    return tag;
  } finally {
    await fleet.stop();
  }
}

/**
 * The hash manifest armgo's install leaves beside the archive is keyed by the file's inode and
 * ctime, which a container started from the image does not keep: without it every armgo run would
 * hash 70 MB per host, which no fleet armgo installed itself does. Written here as the install
 * writes it (armgo's own fragment), through `docker exec`, before any tool runs.
 */
export async function restoreManifests(hosts: LabHost[], sha256: string): Promise<void> {
  const script = sh`got=${sha256}` + "\n" + writeManifest(ARCHIVE);
  await Promise.all(
    hosts.map(async (h) => {
      const res = await h.container.exec(["sh", "-c", script]);
      if (res.exitCode !== 0)
        throw new Error(`${h.name}: cannot write the archive's hash manifest: ${res.stderr.trim()}`);
    }),
  );
}
