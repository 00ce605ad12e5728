// `armgo lab`: a long-lived ARM64 fleet for trying playbooks by hand (the CLI is a thin wrapper).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ArmgoError, InputError, InterruptedError } from "../errors.js";
import { recipeHash } from "./cache.js";
import { waitForRelaySocket } from "./bastion.js";
import { hostSpecs, type LabBastion, type LabHost, startBastion, startHosts } from "./containers.js";
import { assertLabReady, labDoctor } from "./doctor.js";
import {
  DEFAULT_RELEASE,
  ensureImage,
  ensureImages,
  type ImageSpec,
  type LabArch,
  type LabInit,
  type LabRelease,
} from "./images.js";
import { ensureClientKey } from "./keys.js";
import { writeLabFiles } from "./lab-files.js";
import { ensureMirror } from "./mirror.js";
import { mirrorAlive, startDetachedMirror, stopDetachedMirror } from "./mirror-process.js";
import { progress, timed } from "./progress.js";
import { run } from "../run.js";

export { labDoctor };

export const DEFAULT_STATE_DIR = ".armgo/lab";

export interface LabState {
  label: string;
  arch: LabArch | "mixed";
  /** Absent in state written before hosts could run systemd: "none". */
  init?: LabInit;
  /** Absent in state written before hosts could run other releases: bookworm. */
  release?: LabRelease | "mixed";
  hosts: Array<{
    name: string;
    arch: LabArch;
    port: number;
    containerId: string;
    init?: LabInit;
    release?: string;
    glibc?: string;
  }>;
  mirror: { pid: number; port: number; url: string; dir: string };
  /** Behind a bastion: the controller reaches it on 127.0.0.1:port (the relay in the mirror process). */
  bastion?: { port: number; containerId: string };
  inventoryPath: string;
  knownHostsPath: string;
  sshConfigPath: string;
  keyPath: string;
  startedAt: string;
}

export interface LabStatus {
  up: boolean;
  stateDir: string;
  hosts: Array<{
    name: string;
    arch: LabArch;
    release: string;
    glibc: string;
    init: LabInit;
    port: number;
    running: boolean;
  }>;
  mirror?: { url: string; running: boolean };
  bastion?: { port: number; running: boolean };
  inventoryPath?: string;
}

const stateFile = (stateDir: string) => join(stateDir, "state.json");
/** Every container of one lab carries this label, so `down` finds even those `up` never recorded. */
const labelOf = (stateDir: string) => recipeHash(resolve(stateDir)).slice(0, 12);

/** The images the e2e suites run on: bookworm of both arches, amd64 systemd (deploy), arm64 bullseye and trixie (releases). */
export const E2E_IMAGES: ImageSpec[] = [
  { arch: "arm64" },
  { arch: "amd64" },
  { arch: "amd64", init: "systemd" },
  { arch: "arm64", release: "bullseye" },
  { arch: "arm64", release: "trixie" },
];

/** Build the e2e images, in parallel, and the Go mirror (setup and CI run this once; later runs find them cached). */
export async function labBuild(): Promise<{ images: string[]; mirrorDir: string }> {
  const [images, mirrorDir] = await Promise.all([ensureImages(E2E_IMAGES), ensureMirror()]);
  return { images: images.map((i) => i.image), mirrorDir };
}

export async function labUp(opts: {
  hosts: number;
  arch: LabArch | "mixed";
  init?: LabInit;
  release?: LabRelease | "mixed";
  out?: string;
  stateDir?: string;
  /** Hosts only reachable through a bastion (bastion.ts). */
  bastion?: boolean;
}): Promise<LabState> {
  const init = opts.init ?? "none";
  const stateDir = resolve(opts.stateDir ?? DEFAULT_STATE_DIR);
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1) {
    throw new InputError(`lab up needs a host count of at least 1, got ${opts.hosts}`);
  }
  if (await readState(stateDir)) {
    throw new InputError(`a lab is already up in ${stateDir}`, { hint: "run `armgo lab down` first" });
  }
  await assertLabReady();
  const release = opts.release ?? DEFAULT_RELEASE;
  // the bastion runs the plain amd64 image: native, whatever the targets' arch, init and release
  const [specs, mirrorDir, bastionImage] = await Promise.all([
    ensureImages(hostSpecs(opts.arch, opts.hosts, release).map((s) => ({ ...s, init }))),
    ensureMirror(),
    opts.bastion ? ensureImage({ arch: "amd64" }) : undefined,
  ]);
  await mkdir(stateDir, { recursive: true });
  const key = await ensureClientKey(join(stateDir, "id_ed25519"));
  const label = labelOf(stateDir);

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    progress("interrupted: stopping the lab hosts started so far");
  };
  process.on("SIGINT", onSigint);
  const relayDir = join(stateDir, "bastion");
  if (opts.bastion) await mkdir(relayDir, { recursive: true });
  const mirror = await startDetachedMirror(mirrorDir, opts.bastion ? relayDir : undefined);
  try {
    let bastion: LabBastion | undefined;
    if (opts.bastion) {
      bastion = await timed("starting the bastion", () =>
        startBastion({ image: bastionImage!, authorizedKey: key.publicKey, label, relayDir, mirrorPort: mirror.port }),
      );
      await waitForRelaySocket(relayDir);
    }
    const network = bastion ? `container:${bastion.container.getId()}` : undefined;
    const hosts: LabHost[] = await timed(`starting ${specs.length} lab hosts`, () =>
      startHosts(specs, { authorizedKey: key.publicKey, label, init, ...(network ? { network } : {}) }),
    );
    if (interrupted) throw new InterruptedError("lab up was interrupted");
    const url = `http://127.0.0.1:${mirror.port}`;
    const paths = {
      knownHosts: join(stateDir, "known_hosts"),
      inventory: resolve(opts.out ?? join(stateDir, "inventory.yaml")),
      identityFile: key.privateKeyPath,
      sshConfig: join(stateDir, "ssh_config"),
    };
    await mkdir(resolve(paths.inventory, ".."), { recursive: true });
    const access = bastion && mirror.bastionPort ? { port: mirror.bastionPort, hostKey: bastion.hostKey } : undefined;
    await writeLabFiles(hosts, paths, url, access);
    const state: LabState = {
      label,
      arch: opts.arch,
      init,
      release,
      hosts: hosts.map((h) => ({
        name: h.name,
        arch: h.arch,
        port: h.port,
        containerId: h.container.getId(),
        init: h.init,
        release: h.release,
        glibc: h.glibc,
      })),
      mirror: { pid: mirror.pid, port: mirror.port, url, dir: mirrorDir },
      ...(bastion && access ? { bastion: { port: access.port, containerId: bastion.container.getId() } } : {}),
      inventoryPath: paths.inventory,
      knownHostsPath: paths.knownHosts,
      sshConfigPath: paths.sshConfig,
      keyPath: key.privateKeyPath,
      startedAt: new Date().toISOString(),
    };
    await writeFile(stateFile(stateDir), JSON.stringify(state, null, 2) + "\n");
    return state;
  } catch (err) {
    await removeContainers(label, []);
    await stopDetachedMirror(mirror.pid);
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

export async function labStatus(opts: { stateDir?: string } = {}): Promise<LabStatus> {
  const stateDir = resolve(opts.stateDir ?? DEFAULT_STATE_DIR);
  const state = await readState(stateDir);
  if (!state) return { up: false, stateDir, hosts: [] };
  const running = new Set(await labContainers(state.label, "running"));
  const hosts = state.hosts.map((h) => ({
    name: h.name,
    arch: h.arch,
    release: h.release ?? "unknown",
    glibc: h.glibc ?? "unknown",
    init: h.init ?? "none",
    port: h.port,
    running: running.has(h.containerId),
  }));
  const mirror = { url: state.mirror.url, running: await mirrorAlive(state.mirror.pid) };
  const bastion = state.bastion
    ? { port: state.bastion.port, running: running.has(state.bastion.containerId) }
    : undefined;
  const up = hosts.every((h) => h.running) && mirror.running && (bastion?.running ?? true);
  return { up, stateDir, hosts, mirror, ...(bastion ? { bastion } : {}), inventoryPath: state.inventoryPath };
}

export async function labDown(
  opts: { stateDir?: string } = {},
): Promise<{ containers: number; mirrorStopped: boolean }> {
  const stateDir = resolve(opts.stateDir ?? DEFAULT_STATE_DIR);
  const state = await readState(stateDir);
  const known = [
    ...(state?.hosts.map((h) => h.containerId) ?? []),
    ...(state?.bastion ? [state.bastion.containerId] : []),
  ];
  const containers = await removeContainers(labelOf(stateDir), known);
  const mirrorStopped = state ? await stopDetachedMirror(state.mirror.pid) : false;
  const files = [
    stateFile(stateDir),
    join(stateDir, "known_hosts"),
    join(stateDir, "ssh_config"),
    ...(state ? [state.inventoryPath] : []),
  ];
  await Promise.all([...files, join(stateDir, "bastion")].map((f) => rm(f, { force: true, recursive: true })));
  return { containers, mirrorStopped };
}

async function readState(stateDir: string): Promise<LabState | undefined> {
  const text = await readFile(stateFile(stateDir), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as LabState;
  } catch (cause) {
    throw new InputError(`${stateFile(stateDir)} is not valid JSON`, {
      cause,
      hint: "delete it and run `armgo lab down`",
    });
  }
}

/** Full ids of the lab's containers (all of them, or only running ones). */
async function labContainers(label: string, only?: "running"): Promise<string[]> {
  const filter = ["--filter", `label=armgo.lab=${label}`, ...(only ? ["--filter", `status=${only}`] : [])];
  const out = await run("docker", ["ps", "-a", "--no-trunc", "--format", "{{.ID}}", ...filter]);
  return out.split("\n").filter(Boolean);
}

async function removeContainers(label: string, known: string[]): Promise<number> {
  const ids = [...new Set([...known, ...(await labContainers(label))])];
  if (ids.length === 0) return 0;
  // Containers already gone make `docker rm` fail; what matters is that none of ours is left.
  await run("docker", ["rm", "-f", ...ids]).catch(() => undefined);
  const left = await labContainers(label);
  if (left.length > 0)
    throw new ArmgoError(`could not remove lab containers ${left.join(" ")}`, { hint: "docker rm -f <id>" });
  return ids.length;
}
