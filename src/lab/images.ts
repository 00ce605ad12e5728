// Lab images are built here from Debian packages (no registry can be reached) and cached by recipe hash.
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { debianMirror } from "../apt/sources.js";
import { cacheDir, recipeHash } from "./cache.js";
import { progress, timed } from "./progress.js";
import { pipe, run } from "../run.js";

export type LabArch = "arm64" | "amd64";
/** What runs as PID 1: the entrypoint script (sshd itself), or systemd with sshd as a unit. */
export type LabInit = "none" | "systemd";

/** The Debian releases a lab host can run (glibc 2.31, 2.36, 2.41); bookworm unless asked. */
export const LAB_RELEASES = ["bullseye", "bookworm", "trixie"] as const;
export type LabRelease = (typeof LAB_RELEASES)[number];
export const DEFAULT_RELEASE: LabRelease = "bookworm";
// python3 lets Debian's ansible-core drive the same hosts for the benchmark.
export const PACKAGES = ["openssh-server", "curl", "ca-certificates", "sudo", "tar", "xz-utils", "python3"];

/** Host key and authorized_keys modes: run by the entrypoint, or by the systemd variant's sshd unit. */
export const PREPARE = `#!/bin/sh
# Each container gets its own fresh host key; ed25519 only, so start stays fast under QEMU.
set -e
rm -f /etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
# authorized_keys arrive by copy at container start; sshd's StrictModes needs these owners and modes.
chown -R root:root /root/.ssh && chmod 700 /root/.ssh
chown -R deploy:deploy /home/deploy/.ssh && chmod 700 /home/deploy/.ssh
for f in /root/.ssh/authorized_keys /home/deploy/.ssh/authorized_keys; do
  if [ -f "$f" ]; then chmod 600 "$f"; fi
done
`;

export const ENTRYPOINT = `${PREPARE}port="\${1:-\${PORT:-22}}"
exec /usr/sbin/sshd -D -e -p "$port" -o ListenAddress=127.0.0.1
`;

export const DOCKERFILE = `ARG BASE
FROM \${BASE}
RUN mkdir -p /run/sshd \\
 && install -d -m 700 /root/.ssh \\
 && useradd --create-home --home-dir /home/deploy --shell /bin/bash --uid 1000 --user-group deploy \\
 && usermod -p '*' deploy \\
 && install -d -m 700 -o deploy -g deploy /home/deploy/.ssh \\
 && echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy \\
 && chmod 440 /etc/sudoers.d/deploy \\
 && rm -f /etc/ssh/ssh_host_* \\
 && printf 'HostKey /etc/ssh/ssh_host_ed25519_key\\nPasswordAuthentication no\\nUseDNS no\\n' > /etc/ssh/sshd_config.d/armgo-lab.conf \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY entrypoint.sh /usr/local/bin/armgo-lab-entrypoint
RUN chmod 755 /usr/local/bin/armgo-lab-entrypoint
ENTRYPOINT ["/usr/local/bin/armgo-lab-entrypoint"]
CMD ["22"]
`;

// systemd-sysv gives /sbin/init; dbus lets systemctl and hostnamectl talk to the manager as on a real host.
export const SYSTEMD_PACKAGES = ["systemd", "systemd-sysv", "dbus"];

/**
 * sshd as our own unit on the port in /etc/armgo-lab/sshd.env (copied in at container start): with host
 * networking the image's ssh.service would bind port 22 of the machine. A fresh host key per container.
 */
export const SSHD_UNIT = `[Unit]
Description=sshd of an armgo lab host
After=network.target

[Service]
Type=notify
EnvironmentFile=/etc/armgo-lab/sshd.env
ExecStartPre=/usr/local/bin/armgo-lab-prepare
ExecStart=/usr/sbin/sshd -D -e -p \${PORT} -o ListenAddress=127.0.0.1
ExecReload=/bin/kill -HUP $MAINPID
KillMode=process
Restart=on-failure
RuntimeDirectory=sshd
RuntimeDirectoryPreserve=yes

[Install]
WantedBy=multi-user.target
`;

/** The systemd variant's layer: our sshd unit enabled, the image's own ssh units and gettys masked. */
export const SYSTEMD_DOCKERFILE = `COPY armgo-lab-sshd.service /etc/systemd/system/armgo-lab-sshd.service
COPY prepare.sh /usr/local/bin/armgo-lab-prepare
RUN chmod 755 /usr/local/bin/armgo-lab-prepare \\
 && systemctl enable armgo-lab-sshd.service \\
 && systemctl mask ssh.service ssh.socket getty.target console-getty.service systemd-firstboot.service \\
 && install -d /etc/armgo-lab
ENV container=docker
# systemd as PID 1 shuts down cleanly on SIGRTMIN+3 (SIGTERM makes it re-execute itself)
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/sbin/init"]
CMD []
`;

/** Which image a host runs: its arch, what runs as PID 1, its Debian release. */
export interface ImageSpec {
  arch: LabArch;
  init?: LabInit;
  release?: LabRelease;
}

export function baseRecipe({ arch, init = "none", release = DEFAULT_RELEASE }: ImageSpec) {
  const packages = init === "systemd" ? [...PACKAGES, ...SYSTEMD_PACKAGES] : PACKAGES;
  return { suite: release, variant: "minbase", arch, packages };
}

/** `armgo-lab[-base][-systemd][-trixie]`: bookworm's names carry no release, so its cached images keep their tags. */
function imageName(prefix: string, { init = "none", release = DEFAULT_RELEASE }: ImageSpec): string {
  return [prefix, ...(init === "none" ? [] : [init]), ...(release === DEFAULT_RELEASE ? [] : [release])].join("-");
}

export function baseTag(spec: ImageSpec): string {
  return `${imageName("armgo-lab-base", spec)}:${spec.arch}-${recipeHash(baseRecipe(spec)).slice(0, 12)}`;
}

/** The Dockerfile of an init variant: the systemd one adds its layer to the plain one. */
export function dockerfile(init: LabInit): string {
  return init === "systemd" ? DOCKERFILE + SYSTEMD_DOCKERFILE : DOCKERFILE;
}

/** The final tag; the client key is not part of the recipe, so one image serves every lab. */
export function imageTag(spec: ImageSpec): string {
  const init = spec.init ?? "none";
  // the plain recipe keeps its old shape (and so its cached images)
  const recipe = { base: baseRecipe(spec), dockerfile: dockerfile(init), entrypoint: ENTRYPOINT };
  const hash = recipeHash(init === "none" ? recipe : { ...recipe, unit: SSHD_UNIT });
  return `${imageName("armgo-lab", spec)}:${spec.arch}-${hash.slice(0, 12)}`;
}

export async function imageExists(tag: string): Promise<boolean> {
  return run("docker", ["image", "inspect", "--format", "{{.Id}}", tag]).then(
    () => true,
    () => false,
  );
}

/** Build the lab image of `spec` unless it is already there; returns its tag. */
export async function ensureImage(spec: ImageSpec): Promise<string> {
  const tag = imageTag(spec);
  if (await imageExists(tag)) return tag;
  const base = baseTag(spec);
  if (!(await imageExists(base))) await timed(`root filesystem ${base}`, () => buildBase(spec, base));
  await timed(`image ${tag}`, () => buildFinal(spec, base, tag));
  return tag;
}

/** Each distinct image of `specs` once, in parallel; the hosts come back with their image's tag. */
export async function ensureImages<T extends ImageSpec>(specs: T[]): Promise<Array<T & { image: string }>> {
  const tags = new Map<string, Promise<string>>();
  for (const s of specs) if (!tags.has(imageTag(s))) tags.set(imageTag(s), ensureImage(s));
  return Promise.all(specs.map(async (s) => ({ ...s, image: await tags.get(imageTag(s))! })));
}

/** debootstrap a root filesystem and import it as `tag` (no cache check). */
export async function buildBase(spec: ImageSpec, tag: string): Promise<void> {
  const { arch, suite, packages } = baseRecipe(spec);
  // apt sources may list only the machine's own release: the same archive serves the others
  const mirror = await debianMirror(suite);
  const dir = await workDir(`rootfs-${arch}-`);
  try {
    const keyring = mirror.signedBy ? [`--keyring=${mirror.signedBy}`] : [];
    progress(`debootstrap ${suite} ${arch} from ${mirror.uri} (arm64 runs under QEMU: minutes)`);
    await run("debootstrap", [
      `--arch=${arch}`,
      "--variant=minbase",
      `--include=${packages.join(",")}`,
      ...keyring,
      suite,
      dir,
      mirror.uri,
    ]);
    await pipe(
      { cmd: "tar", args: ["-C", dir, "-c", "."] },
      { cmd: "docker", args: ["import", "--platform", `linux/${arch}`, "-", tag] },
    );
  } finally {
    await removeRootfs(dir);
  }
}

/** Add the lab layer (sshd, deploy, entrypoint) on top of `base` as `tag` (no cache check). */
export async function buildFinal(spec: ImageSpec, base: string, tag: string): Promise<void> {
  const { arch, init = "none" } = spec;
  const ctx = await workDir(`image-${arch}-`);
  try {
    await writeFile(join(ctx, "Dockerfile"), dockerfile(init));
    await writeFile(join(ctx, "entrypoint.sh"), ENTRYPOINT, { mode: 0o755 });
    if (init === "systemd") {
      await writeFile(join(ctx, "armgo-lab-sshd.service"), SSHD_UNIT);
      await writeFile(join(ctx, "prepare.sh"), PREPARE, { mode: 0o755 });
    }
    // The classic builder works with Debian's daemon and needs no buildx plugin. No --platform: daemon
    // 20.10 records every local image as the host arch and then rejects its own step images under it.
    await run(
      "docker",
      [
        "build",
        "--build-arg",
        `BASE=${base}`,
        "--label",
        `armgo.lab.arch=${arch}`,
        "--label",
        `armgo.lab.init=${init}`,
        "-t",
        tag,
        ctx,
      ],
      { env: { ...process.env, DOCKER_BUILDKIT: "0" } },
    );
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
}

/** Mount points at or below `dir`, deepest first (as /proc/self/mounts spells them: a space is \040). */
export function mountsBelow(mounts: string, dir: string): string[] {
  return mounts
    .split("\n")
    .map((line) => (line.split(" ")[1] ?? "").replace(/\\040/g, " "))
    .filter((m) => m === dir || m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
}

// An interrupted debootstrap leaves /proc (and more) mounted in its tree: rm -rf would descend into them.
async function removeRootfs(dir: string): Promise<void> {
  for (const m of mountsBelow(await readFile("/proc/self/mounts", "utf8"), dir)) await run("umount", ["-l", m]);
  await rm(dir, { recursive: true, force: true });
}

// Scratch space in the cache, not /tmp: a root filesystem is hundreds of MB and /tmp may be RAM.
async function workDir(prefix: string): Promise<string> {
  await mkdir(cacheDir(), { recursive: true });
  return mkdtemp(join(cacheDir(), prefix));
}
