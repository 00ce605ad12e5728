// Issue 10 end to end: sysroots and cgo probes on the controller as the build host (connection:
// local, real Go from the lab mirror, Debian's cross gcc), the probes run on ARM64 lab hosts.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ensureControllerGo } from "../../src/lab/controller-go.js";
import { freePorts } from "../../src/lab/ports.js";
import { cacheDir } from "../../src/paths.js";
import { armgo, HOST_SNAPSHOT, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const CROSS = join(import.meta.dirname, "../../playbooks/cross-build.yaml");
const ZSVC = join(import.meta.dirname, "../../examples/zsvc");

interface Event {
  type: string;
  result?: { host: string; task: string; module: string; status: string; msg: string; data?: Record<string, any> };
  stats?: { execs: number };
  recap?: Record<string, Record<string, number>>;
}
const events = (stdout: string): Event[] =>
  stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Event);
const results = (stdout: string, module: string) =>
  events(stdout)
    .filter((e) => e.type === "task_result" && e.result!.module === module)
    .map((e) => e.result!);
const summary = (stdout: string) => events(stdout).find((e) => e.type === "summary")!;

describe("cross-build.yaml: sysroots and cgo probes, proven on ARM64 hosts", () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  let go: string;
  let arm1: string;
  let arm2: string;
  let amd: string;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    [fleet, go] = await Promise.all([startFleet({ arm64: 2, amd64: 1 }), ensureControllerGo()]);
    [arm1, arm2] = fleet.hosts.filter((h) => h.arch === "arm64").map((h) => h.name) as [string, string];
    amd = fleet.hosts.find((h) => h.arch === "amd64")!.name;
    dir = mkdtempSync(join(tmpdir(), "armgo-cross-"));
    // the fleet's inventory plus the controller as the build host
    const inv = parse(await readFile(fleet.inventoryPath, "utf8")) as { all: { children: Record<string, unknown> } };
    inv.all.children.build = { hosts: { build: { connection: "local" } } };
    // the lab's hosts share the machine's network: each ARM64 host serves zsvc on its own port
    const arm = inv.all.children.arm64 as { hosts: Record<string, Record<string, unknown>> };
    const free = await freePorts(2);
    [arm1, arm2].forEach((h, i) => (arm.hosts[h]!.zsvc_port = ports[h] = free[i]!));
    inventory = join(dir, "inventory.yaml");
    writeFileSync(inventory, stringify(inv));
  });
  afterAll(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const play = (sysroots: string, ...extra: string[]) =>
    armgo([
      "play",
      CROSS,
      "-i",
      inventory,
      "--audit-dir",
      join(dir, "audit"),
      "-e",
      `go=${go}`,
      "-e",
      `sysroot_dir=${sysroots}`,
      "-e",
      `probe_host=${arm1}`,
      "-e",
      `zsvc_dir=${ZSVC}`,
      ...extra,
    ]);

  it("--check on a clean build host lists the packages it would fetch and changes nothing", async () => {
    const sysroots = join(dir, "check");
    const r = await play(sysroots, "--check");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `would fetch 9 bookworm arm64 packages (libc6, libc6-dev, libcrypt-dev, libcrypt1, libssl-dev, libssl3, linux-libc-dev, zlib1g, zlib1g-dev) into ${sysroots}/arm64-glibc`,
    );
    expect(r.stdout).toContain(
      `would fetch 4 bookworm arm64 packages (musl, musl-dev, zlib1g, zlib1g-dev) into ${sysroots}/arm64-musl`,
    );
    expect(existsSync(sysroots)).toBe(false);
  });

  it("builds both sysroots; the probes are AArch64 with the right loader and glibc floor, and run on an ARM64 host", async () => {
    const r = await play(join(dir, "s1"), "--json");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [glibc, musl] = results(r.stdout, "cgo-probe");
    expect(glibc!.data).toMatchObject({
      libc: "glibc",
      cc: {
        path: "/usr/bin/aarch64-linux-gnu-gcc",
        version: expect.stringMatching(/^12\.\d+\.\d+$/),
        target: "aarch64-linux-gnu",
      },
      pkgconfig: { zlib: "1.2.13", openssl: expect.stringMatching(/^3\./) },
      go_env: { GOOS: "linux", GOARCH: "arm64", CGO_ENABLED: "1", CC: "aarch64-linux-gnu-gcc" },
      binaries: {
        cgo: {
          machine: 183,
          static: false,
          interpreter: "/lib/ld-linux-aarch64.so.1",
          glibc: "2.34",
          needed: ["libz.so.1", "libcrypto.so.3", "libc.so.6"],
        },
        nocgo: { machine: 183, static: true, interpreter: null, needed: [], glibc: null },
      },
      targets: [arm1, arm2],
      run_on: arm1,
    });
    // the glibc binary printed the ARM64 host's zlib and OpenSSL versions and the NEON sum over SSH
    expect(glibc!.data!.runs.cgo.output).toMatch(
      /^zlib 1\.2\.13\nopenssl OpenSSL 3\.\S+ .*\nneon 6 8 10 12\narmgo-probe ok\n$/,
    );
    expect(glibc!.data!.runs.nocgo).toEqual({ output: "armgo-probe ok\n", code: 0 });
    expect(musl!.data).toMatchObject({
      libc: "musl",
      go_env: { CC: expect.stringMatching(/^aarch64-linux-gnu-gcc -specs=.*musl-gcc\.specs$/) },
      binaries: {
        cgo: { machine: 183, static: true, interpreter: null, needed: [], glibc: null },
        nocgo: { static: true },
      },
    });
    expect(musl!.data!.runs.cgo.output).toBe("zlib 1.2.13\narmgo-probe ok\n");
    // the copy and run on the ARM64 host are in the build host's audit log, naming that host
    const audit = await readFile(join(dir, "audit", "build.jsonl"), "utf8");
    const probe = audit
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.task === glibc!.task)
      .pop();
    expect(probe.commands).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ host: arm1, script: "mktemp -d" }),
        expect.objectContaining({ host: arm1, script: expect.stringMatching(/^sftp put \/tmp\/.+\/cgo$/) }),
      ]),
    );
    // the env returned for register/environment is what env.sh exports
    const [sysroot] = results(r.stdout, "sysroot");
    const envSh = await readFile(`${join(dir, "s1")}/arm64-glibc.env.sh`, "utf8");
    for (const [k, v] of Object.entries(sysroot!.data!.env as Record<string, string>)) {
      expect(envSh).toContain(`export ${k}=`);
      expect(envSh).toContain(v);
    }
    // the cgo service, built through the glibc sysroot, deployed canary first: arm1 alone, then arm2
    const deploys = results(r.stdout, "deploy");
    expect(deploys.map((d) => [d.host, d.status])).toEqual([
      [arm1, "changed"],
      [arm2, "changed"],
    ]);
    const batches = events(r.stdout).filter((e) => e.type === "batch_start") as Array<{ hosts?: string[] }>;
    expect(batches.slice(-2).map((b) => b.hosts)).toEqual([[arm1], [arm2]]);
    expect(new Set(deploys.map((d) => d.data!.deployed.release)).size).toBe(1);
    // it serves on every ARM64 host, linked to that host's zlib and OpenSSL
    for (const h of [arm1, arm2]) {
      const page = await fleet.exec(h, `curl -sS http://127.0.0.1:${ports[h]}/`);
      expect(page.stdout).toMatch(/^zlib 1\.2\.13; openssl OpenSSL 3\.\S+ /);
    }
    // no command task shipped anything: the deploy's release is what runs
    expect(results(r.stdout, "command")).toEqual([]);
  });

  it("a second run changes nothing in the same execs, and a new path with the same recipe fetches nothing", async () => {
    const cached = readdirSync(cacheDir()).filter((n) => n.startsWith("sysroot-"));
    const mtimes = cached.map((n) => statSync(join(cacheDir(), n, "manifest.json")).mtimeMs);
    const second = await play(join(dir, "s1"), "--json");
    const third = await play(join(dir, "s1"), "--json");
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(summary(second.stdout).recap!.build).toMatchObject({ changed: 0, failed: 0 });
    expect(summary(third.stdout).stats!.execs).toBe(summary(second.stdout).stats!.execs);
    const fresh = await play(join(dir, "s2"));
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    expect(recap(fresh.stdout).build).toMatchObject({ changed: 2, failed: 0 });
    // the recipe cache answered: no new build, no leftover work dirs
    expect(readdirSync(cacheDir()).filter((n) => n.startsWith("sysroot-"))).toEqual(cached);
    expect(cached.map((n) => statSync(join(cacheDir(), n, "manifest.json")).mtimeMs)).toEqual(mtimes);
  });

  it("a fleet member reporting an older glibc fails the probe naming the host and both versions, exit 2", async () => {
    // getconf is what fact gathering asks for the glibc version
    await fleet.exec(
      arm2,
      `printf '#!/bin/sh\\necho glibc 2.31\\n' > /usr/local/bin/getconf && chmod 755 /usr/local/bin/getconf`,
    );
    try {
      const r = await play(join(dir, "s1"));
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toContain(`cgo needs GLIBC_2.34, ${arm2} has 2.31`);
      expect(recap(r.stdout).build).toMatchObject({ failed: 1 });
    } finally {
      await fleet.exec(arm2, "rm -f /usr/local/bin/getconf");
    }
  });

  it("without a cross compiler on the build host, cgo-probe fails with the actionable line, exit 2, nothing changed", async () => {
    const pb = join(dir, "no-cc.yaml");
    writeFileSync(
      pb,
      `- hosts: amd64\n  tasks:\n    - name: probe\n      cgo-probe: { sysroot: /opt/sysroot/arm64-glibc, libs: [zlib] }\n`,
    );
    const before = await fleet.exec(amd, HOST_SNAPSHOT);
    const r = await armgo(["play", pb, "-i", inventory, "--audit-dir", join(dir, "audit")]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain(
      "aarch64-linux-gnu-gcc not found: add a sysroot task with install_compiler: true, or apt-get install gcc-aarch64-linux-gnu",
    );
    expect((await fleet.exec(amd, HOST_SNAPSHOT)).stdout).toBe(before.stdout);
  });
});
