// Lab hosts: one sshd container per host on the host network, each on its own loopback port; or,
// behind a bastion, all in the bastion's private network namespace (bastion.ts).
import { connect } from "node:net";
import type { StartedTestContainer } from "testcontainers";
import { ArmgoError } from "../errors.js";
import { BASTION_RELAY, bastionCommand, RELAY_MOUNT, RELAY_SCRIPT } from "./bastion.js";
import { DEFAULT_RELEASE, LAB_RELEASES, type LabArch, type LabInit, type LabRelease } from "./images.js";
import { freePorts, hostPorts } from "./ports.js";

export interface HostSpec {
  name: string;
  arch: LabArch;
  release: LabRelease;
}

export interface LabHost extends Omit<HostSpec, "release"> {
  port: number;
  /** The host's service port (hello_port in the inventory): the lab's hosts share one network namespace. */
  servicePort: number;
  container: StartedTestContainer;
  /** `ssh-ed25519 AAAA...`, read from the container itself (a trusted channel). */
  hostKey: string;
  init: LabInit;
  /** Debian's codename and the C library's version, read from the host. */
  release: string;
  glibc: string;
}

const HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub";

/**
 * Names hosts per arch: `lab-arm64-1`, `lab-arm64-2`, ...; mixed alternates arm64 and amd64, and a mixed
 * release cycles bullseye, bookworm, trixie.
 */
export function hostSpecs(
  arch: LabArch | "mixed",
  count: number,
  release: LabRelease | "mixed" = DEFAULT_RELEASE,
): HostSpec[] {
  const counters: Record<LabArch, number> = { arm64: 0, amd64: 0 };
  return Array.from({ length: count }, (_, i) => {
    const a: LabArch = arch === "mixed" ? (i % 2 === 0 ? "arm64" : "amd64") : arch;
    counters[a] += 1;
    return { name: `lab-${a}-${counters[a]}`, arch: a, release: release === "mixed" ? LAB_RELEASES[i % 3]! : release };
  });
}

// testcontainers reads this when it first talks to Docker; Ryuk is an image we cannot pull.
async function testcontainers() {
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  return import("testcontainers");
}

/**
 * Start all hosts in parallel; if any fails, the started ones are stopped and the first error is thrown.
 * `network`: Docker's network mode, `host` by default; `container:ID` puts them behind a bastion.
 */
export async function startHosts(
  specs: Array<HostSpec & { image: string }>,
  opts: {
    authorizedKey: string;
    label: string;
    init?: LabInit;
    network?: string;
  },
): Promise<LabHost[]> {
  const init = opts.init ?? "none";
  const { GenericContainer, Wait } = await testcontainers();
  const ports = await hostPorts(specs.length);
  const keys = `${opts.authorizedKey.trim()}\n`;
  const startOne = async (
    { image, ...spec }: HostSpec & { image: string },
    port: number,
  ): Promise<Omit<LabHost, "hostKey" | "release" | "glibc" | "servicePort">> => {
    const files = [
      { content: keys, target: "/root/.ssh/authorized_keys", mode: 0o600 },
      { content: keys, target: "/home/deploy/.ssh/authorized_keys", mode: 0o600 },
    ];
    let c = new GenericContainer(image)
      .withNetworkMode(opts.network ?? "host")
      .withLabels({ "armgo.lab": opts.label, "armgo.lab.host": spec.name, "armgo.lab.init": init })
      // Many emulated containers starting at once on 2 cores can be slow to print the line.
      .withStartupTimeout(180_000);
    if (init === "systemd") {
      // systemd as PID 1, unprivileged: its own /run, the cgroup tree read-only (--privileged is refused here)
      c = c
        // /run sized as a small host's: systemd refuses daemon-reload with under 16 MB free there (deploy e2e)
        .withTmpFs({ "/run": "rw,size=64m", "/run/lock": "rw,size=8m" })
        .withBindMounts([{ source: "/sys/fs/cgroup", target: "/sys/fs/cgroup", mode: "ro" }])
        .withCopyContentToContainer([
          ...files,
          { content: `PORT=${port}\n`, target: "/etc/armgo-lab/sshd.env", mode: 0o644 },
        ])
        .withWaitStrategy(Wait.forSuccessfulCommand("systemctl is-active --quiet armgo-lab-sshd.service"));
    } else {
      c = c
        .withCommand([String(port)])
        .withCopyContentToContainer(files)
        .withWaitStrategy(Wait.forLogMessage(/Server listening on 127\.0\.0\.1/));
    }
    const container = await c.start();
    return { ...spec, port, container, init };
  };
  const results = await Promise.allSettled(
    // another process may bind the port first: one more try on a fresh port
    specs.map((spec, i) =>
      startOne(spec, ports[i]!.ssh)
        .catch(async () =>
          startOne(
            spec,
            (
              await freePorts(
                1,
                ports.flatMap((p) => [p.ssh, p.service]),
              )
            )[0]!,
          ),
        )
        .then((h) => ({ ...h, servicePort: ports[i]!.service })),
    ),
  );
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.allSettled(started.map((h) => h.container.stop()));
    throw new ArmgoError(`lab host failed to start: ${(failed.reason as Error).message}`, {
      cause: failed.reason,
      hint: "check `docker ps -a` and the container log",
    });
  }
  return Promise.all(
    started.map(async (h) => ({ ...h, hostKey: await readHostKey(h.container), ...(await readOs(h.container)) })),
  );
}

/** Debian's codename (os-release) and glibc's version (getconf), for `lab status`. */
export async function readOs(container: StartedTestContainer): Promise<{ release: string; glibc: string }> {
  const res = await container.exec([
    "sh",
    "-c",
    '. /etc/os-release; echo "$VERSION_CODENAME"; getconf GNU_LIBC_VERSION',
  ]);
  const [release, glibc] = res.stdout.trim().split("\n");
  return { release: release || "unknown", glibc: glibc?.replace(/^glibc\s+/, "") ?? "unknown" };
}

export interface LabBastion {
  container: StartedTestContainer;
  hostKey: string;
}

/**
 * The bastion: its own network namespace with only loopback (`--network none`), sshd on 127.0.0.1:22
 * there, and the relay to `relayDir`'s unix sockets (the namespace's only way in and out).
 */
export async function startBastion(opts: {
  image: string;
  authorizedKey: string;
  label: string;
  relayDir: string;
  mirrorPort: number;
}): Promise<LabBastion> {
  const { GenericContainer, Wait } = await testcontainers();
  const keys = `${opts.authorizedKey.trim()}\n`;
  const container = await new GenericContainer(opts.image)
    .withNetworkMode("none")
    .withEntrypoint(bastionCommand(opts.mirrorPort))
    .withBindMounts([{ source: opts.relayDir, target: RELAY_MOUNT, mode: "rw" }])
    .withLabels({ "armgo.lab": opts.label, "armgo.lab.host": "bastion" })
    .withCopyContentToContainer([
      { content: keys, target: "/root/.ssh/authorized_keys", mode: 0o600 },
      { content: BASTION_RELAY, target: RELAY_SCRIPT, mode: 0o644 },
    ])
    .withWaitStrategy(Wait.forLogMessage(/Server listening on 127\.0\.0\.1/))
    .withStartupTimeout(60_000)
    .start();
  return { container, hostKey: await readHostKey(container) };
}

export async function readHostKey(container: StartedTestContainer): Promise<string> {
  const res = await container.exec(["cat", HOST_KEY]);
  const [type, blob] = res.stdout.trim().split(/\s+/);
  if (res.exitCode !== 0 || type !== "ssh-ed25519" || !blob) {
    throw new ArmgoError(`cannot read ${HOST_KEY} in ${container.getId().slice(0, 12)}: ${res.stderr.trim()}`);
  }
  return `${type} ${blob}`;
}

/** Give the container a new host key; sshd re-execs on SIGHUP and serves the same port with it. */
export async function rotateHostKey(host: { container: StartedTestContainer; port: number }): Promise<string> {
  const script = [
    "rm -f /etc/ssh/ssh_host_*",
    "ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key",
    // sshd is PID 1, or (systemd hosts) our unit's main process
    "if [ -d /run/systemd/system ]; then systemctl reload armgo-lab-sshd.service; else kill -HUP 1; fi",
  ].join(" && ");
  const res = await host.container.exec(["sh", "-c", script]);
  if (res.exitCode !== 0) throw new ArmgoError(`host key rotation failed: ${res.stderr.trim()}`);
  await waitForSshBanner(host.port);
  return readHostKey(host.container);
}

/** Resolve once something on 127.0.0.1:port answers with an SSH banner. */
export async function waitForSshBanner(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await banner(port)) return;
    if (Date.now() > deadline) throw new ArmgoError(`no SSH banner on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(5_000);
    socket.once("data", (d: Buffer) => {
      socket.destroy();
      resolve(d.toString().startsWith("SSH-"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
