// Lab images are built here from Debian packages (no registry can be reached) and cached by recipe hash.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { debianMirror } from "../apt/sources.js";
import { cacheDir, recipeHash } from "./cache.js";
import { progress, timed } from "./progress.js";
import { pipe, run } from "../run.js";

export type LabArch = "arm64" | "amd64";

export const SUITE = "bookworm";
// python3 lets Debian's ansible-core drive the same hosts for the benchmark.
export const PACKAGES = ["openssh-server", "curl", "ca-certificates", "sudo", "tar", "xz-utils", "python3"];

export const ENTRYPOINT = `#!/bin/sh
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
port="\${1:-\${PORT:-22}}"
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

export function baseRecipe(arch: LabArch) {
  return { suite: SUITE, variant: "minbase", arch, packages: PACKAGES };
}

export function baseTag(arch: LabArch): string {
  return `armgo-lab-base:${arch}-${recipeHash(baseRecipe(arch)).slice(0, 12)}`;
}

/** The final tag; the client key is not part of the recipe, so one image serves every lab. */
export function imageTag(arch: LabArch): string {
  const hash = recipeHash({ base: baseRecipe(arch), dockerfile: DOCKERFILE, entrypoint: ENTRYPOINT });
  return `armgo-lab:${arch}-${hash.slice(0, 12)}`;
}

export async function imageExists(tag: string): Promise<boolean> {
  return run("docker", ["image", "inspect", "--format", "{{.Id}}", tag]).then(
    () => true,
    () => false,
  );
}

/** Build the lab image for `arch` unless it is already there; returns its tag. */
export async function ensureImage(arch: LabArch): Promise<string> {
  const tag = imageTag(arch);
  if (await imageExists(tag)) return tag;
  const base = baseTag(arch);
  if (!(await imageExists(base))) await timed(`root filesystem ${base}`, () => buildBase(arch, base));
  await timed(`image ${tag}`, () => buildFinal(arch, base, tag));
  return tag;
}

export async function ensureImages(arches: LabArch[]): Promise<string[]> {
  return Promise.all([...new Set(arches)].map(ensureImage));
}

/** debootstrap a root filesystem and import it as `tag` (no cache check). */
export async function buildBase(arch: LabArch, tag: string): Promise<void> {
  const mirror = await debianMirror(SUITE);
  const dir = await workDir(`rootfs-${arch}-`);
  try {
    const keyring = mirror.signedBy ? [`--keyring=${mirror.signedBy}`] : [];
    progress(`debootstrap ${arch} from ${mirror.uri} (arm64 runs under QEMU: minutes)`);
    await run("debootstrap", [
      `--arch=${arch}`,
      "--variant=minbase",
      `--include=${PACKAGES.join(",")}`,
      ...keyring,
      SUITE,
      dir,
      mirror.uri,
    ]);
    await pipe(
      { cmd: "tar", args: ["-C", dir, "-c", "."] },
      { cmd: "docker", args: ["import", "--platform", `linux/${arch}`, "-", tag] },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Add the lab layer (sshd, deploy, entrypoint) on top of `base` as `tag` (no cache check). */
export async function buildFinal(arch: LabArch, base: string, tag: string): Promise<void> {
  const ctx = await workDir(`image-${arch}-`);
  try {
    await writeFile(join(ctx, "Dockerfile"), DOCKERFILE);
    await writeFile(join(ctx, "entrypoint.sh"), ENTRYPOINT, { mode: 0o755 });
    // The classic builder works with Debian's daemon and needs no buildx plugin. No --platform: daemon
    // 20.10 records every local image as the host arch and then rejects its own step images under it.
    await run(
      "docker",
      ["build", "--build-arg", `BASE=${base}`, "--label", `armgo.lab.arch=${arch}`, "-t", tag, ctx],
      { env: { ...process.env, DOCKER_BUILDKIT: "0" } },
    );
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
}

// Scratch space in the cache, not /tmp: a root filesystem is hundreds of MB and /tmp may be RAM.
async function workDir(prefix: string): Promise<string> {
  await mkdir(cacheDir(), { recursive: true });
  return mkdtemp(join(cacheDir(), prefix));
}
