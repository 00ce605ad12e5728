// The ARM64 test fleet for e2e suites: real sshd containers (arm64 under QEMU) and an in-process Go mirror.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recipeHash } from "../../src/lab/cache.js";
import { type LabHost, hostSpecs, rotateHostKey, startHosts } from "../../src/lab/containers.js";
import { assertLabReady } from "../../src/lab/doctor.js";
import { ensureImages, type LabArch, type LabInit } from "../../src/lab/images.js";
import { ensureClientKey } from "../../src/lab/keys.js";
import { writeLabFiles } from "../../src/lab/lab-files.js";
import { ensureMirror } from "../../src/lab/mirror.js";
import { serveDir } from "../../src/lab/mirror-server.js";

export interface FleetHost {
  name: string;
  arch: "arm64" | "amd64";
  port: number;
  containerId: string;
}

export interface Fleet {
  hosts: FleetHost[];
  dir: string;
  inventoryPath: string;
  knownHostsPath: string;
  keyPath: string;
  mirrorUrl: string;
  mirrorDir: string;
  exec(host: string, script: string, user?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  rotateHostKey(host: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start `arm64` + `amd64` hosts (`init: "systemd"`: systemd as PID 1, sshd a unit); throws (never skips)
 * when Docker, binfmt or the images are unavailable.
 */
export async function startFleet(opts: { arm64?: number; amd64?: number; init?: LabInit }): Promise<Fleet> {
  await assertLabReady();
  const specs = [...hostSpecs("arm64", opts.arm64 ?? 0), ...hostSpecs("amd64", opts.amd64 ?? 0)];
  const arches = [...new Set(specs.map((s) => s.arch))];
  const [tags, mirrorDir] = await Promise.all([ensureImages(arches, opts.init), ensureMirror()]);
  const images: Partial<Record<LabArch, string>> = Object.fromEntries(arches.map((a, i) => [a, tags[i]!]));
  const dir = await mkdtemp(join(tmpdir(), "armgo-fleet-"));
  const mirror = await serveDir(mirrorDir);
  let hosts: LabHost[] = [];
  try {
    const key = await ensureClientKey(join(dir, "id_ed25519"));
    hosts = await startHosts(specs, { images, authorizedKey: key.publicKey, label: recipeHash(dir).slice(0, 12), init: opts.init });
    const paths = {
      knownHosts: join(dir, "known_hosts"),
      inventory: join(dir, "inventory.yaml"),
      identityFile: key.privateKeyPath,
    };
    await writeLabFiles(hosts, paths, mirror.url);
    const byName = (name: string): LabHost => {
      const host = hosts.find((h) => h.name === name);
      if (!host) throw new Error(`no fleet host named ${name} (have ${hosts.map((h) => h.name).join(", ")})`);
      return host;
    };
    return {
      hosts: hosts.map((h) => ({ name: h.name, arch: h.arch, port: h.port, containerId: h.container.getId() })),
      dir,
      inventoryPath: paths.inventory,
      knownHostsPath: paths.knownHosts,
      keyPath: paths.identityFile,
      mirrorUrl: mirror.url,
      mirrorDir,
      async exec(host, script, user) {
        const res = await byName(host).container.exec(["sh", "-c", script], user ? { user } : undefined);
        return { code: res.exitCode, stdout: res.stdout, stderr: res.stderr };
      },
      async rotateHostKey(host) {
        await rotateHostKey(byName(host));
      },
      async stop() {
        await Promise.allSettled(hosts.map((h) => h.container.stop()));
        await mirror.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.allSettled(hosts.map((h) => h.container.stop()));
    await mirror.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
