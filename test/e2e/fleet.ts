// The ARM64 test fleet for e2e suites: real sshd containers (arm64 under QEMU) and an in-process Go mirror.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ControllerRelay, serveRelay, waitForRelaySocket } from "../../src/lab/bastion.js";
import { recipeHash } from "../../src/lab/cache.js";
import {
  type LabBastion,
  type LabHost,
  hostSpecs,
  rotateHostKey,
  startBastion,
  startHosts,
} from "../../src/lab/containers.js";
import { assertLabReady } from "../../src/lab/doctor.js";
import { ensureImage, ensureImages, type LabInit, type LabRelease } from "../../src/lab/images.js";
import { ensureClientKey } from "../../src/lab/keys.js";
import { writeLabFiles } from "../../src/lab/lab-files.js";
import { ensureMirror } from "../../src/lab/mirror.js";
import { serveDir } from "../../src/lab/mirror-server.js";

export interface FleetHost {
  name: string;
  arch: "arm64" | "amd64";
  /** As the host reports it (os-release, getconf): `bookworm`, `2.36`. */
  release: string;
  glibc: string;
  port: number;
  containerId: string;
}

export interface Fleet {
  hosts: FleetHost[];
  dir: string;
  inventoryPath: string;
  knownHostsPath: string;
  keyPath: string;
  /** `ssh -F sshConfigPath lab-amd64-1` reaches a host as armgo does (through the bastion, if any). */
  sshConfigPath: string;
  /** With `bastion: true`: the hosts share its private network namespace, the controller reaches it on 127.0.0.1:port. */
  bastion?: {
    port: number;
    /** Connections the controller's relay has carried to the bastion's sshd. */
    connections(): number;
    exec(script: string): Promise<{ code: number; stdout: string; stderr: string }>;
  };
  mirrorUrl: string;
  mirrorDir: string;
  exec(host: string, script: string, user?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  rotateHostKey(host: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start `arm64` + `amd64` hosts (`init: "systemd"`: systemd as PID 1, sshd a unit; `release`: Debian's,
 * bookworm by default, `mixed` cycles bullseye, bookworm, trixie per arch), directly on loopback or
 * (`bastion`) reachable only through a bastion; throws (never skips) when Docker, binfmt or the images
 * are unavailable.
 */
export async function startFleet(opts: {
  arm64?: number;
  amd64?: number;
  init?: LabInit;
  release?: LabRelease | "mixed";
  bastion?: boolean;
}): Promise<Fleet> {
  await assertLabReady();
  const specs = [
    ...hostSpecs("arm64", opts.arm64 ?? 0, opts.release),
    ...hostSpecs("amd64", opts.amd64 ?? 0, opts.release),
  ].map((s) => ({ ...s, init: opts.init }));
  // the bastion runs the plain amd64 image natively, whatever the hosts' arch, init and release
  const [imaged, mirrorDir, bastionImage] = await Promise.all([
    ensureImages(specs),
    ensureMirror(),
    opts.bastion ? ensureImage({ arch: "amd64" }) : undefined,
  ]);
  const dir = await mkdtemp(join(tmpdir(), "armgo-fleet-"));
  const mirror = await serveDir(mirrorDir);
  let hosts: LabHost[] = [];
  let bastion: LabBastion | undefined;
  let relay: ControllerRelay | undefined;
  const stopAll = async () => {
    await Promise.allSettled(hosts.map((h) => h.container.stop()));
    await bastion?.container.stop();
    await relay?.close();
    await mirror.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const key = await ensureClientKey(join(dir, "id_ed25519"));
    const label = recipeHash(dir).slice(0, 12);
    if (opts.bastion) {
      const relayDir = join(dir, "bastion");
      await mkdir(relayDir);
      relay = await serveRelay(relayDir, mirror.port);
      bastion = await startBastion({
        image: bastionImage!,
        authorizedKey: key.publicKey,
        label,
        relayDir,
        mirrorPort: mirror.port,
      });
      await waitForRelaySocket(relayDir);
    }
    const network = bastion ? { network: `container:${bastion.container.getId()}` } : {};
    hosts = await startHosts(imaged, { authorizedKey: key.publicKey, label, init: opts.init, ...network });
    const paths = {
      knownHosts: join(dir, "known_hosts"),
      inventory: join(dir, "inventory.yaml"),
      identityFile: key.privateKeyPath,
      sshConfig: join(dir, "ssh_config"),
    };
    await writeLabFiles(
      hosts,
      paths,
      mirror.url,
      bastion && relay ? { port: relay.port, hostKey: bastion.hostKey } : undefined,
    );
    const byName = (name: string): LabHost => {
      const host = hosts.find((h) => h.name === name);
      if (!host) throw new Error(`no fleet host named ${name} (have ${hosts.map((h) => h.name).join(", ")})`);
      return host;
    };
    return {
      hosts: hosts.map((h) => ({
        name: h.name,
        arch: h.arch,
        release: h.release,
        glibc: h.glibc,
        port: h.port,
        containerId: h.container.getId(),
      })),
      dir,
      inventoryPath: paths.inventory,
      knownHostsPath: paths.knownHosts,
      keyPath: paths.identityFile,
      sshConfigPath: paths.sshConfig,
      ...(bastion && relay
        ? {
            bastion: {
              port: relay.port,
              connections: () => relay!.sshConnections,
              async exec(script: string) {
                const res = await bastion!.container.exec(["sh", "-c", script]);
                return { code: res.exitCode, stdout: res.stdout, stderr: res.stderr };
              },
            },
          }
        : {}),
      mirrorUrl: mirror.url,
      mirrorDir,
      async exec(host, script, user) {
        const res = await byName(host).container.exec(["sh", "-c", script], user ? { user } : undefined);
        return { code: res.exitCode, stdout: res.stdout, stderr: res.stderr };
      },
      async rotateHostKey(host) {
        await rotateHostKey(byName(host));
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
