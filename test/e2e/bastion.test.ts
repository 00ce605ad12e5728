// Issue 17, bastions: hosts the controller cannot reach except through a jump host, converged over
// ssh2 forwarded channels; every connection goes through the bastion, a direct one fails, and a
// bastion whose key is not the known one is refused naming it. One fleet for the file.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { armgo, recap } from "./cli.js";
import { type Fleet, startFleet } from "./fleet.js";

const AMD64 = 20;
const ARM64 = 3;
const SITE = join(import.meta.dirname, "../../playbooks/site.yaml");

function ssh(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "ssh",
      ["-o", "BatchMode=yes", "-o", "ConnectTimeout=20", ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** What a TCP connect from the controller gets: "connected", or the error code. */
function tcpConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe("hosts behind a bastion", () => {
  let fleet: Fleet;
  let dir: string;

  beforeAll(async () => {
    fleet = await startFleet({ amd64: AMD64, arm64: ARM64, bastion: true });
    dir = await mkdtemp(join(tmpdir(), "armgo-bastion-e2e-"));
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  const play = (pb: string, ...extra: string[]) =>
    armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", join(dir, "audit"), ...extra]);
  const amd64 = () => fleet.hosts.filter((h) => h.arch === "amd64");

  it("OpenSSH reaches the hosts with the lab's ssh_config (ProxyJump lab-bastion); the controller cannot reach them directly", async () => {
    for (const [host, machine] of [
      ["lab-amd64-1", "x86_64"],
      ["lab-arm64-1", "aarch64"],
    ]) {
      const r = await ssh(["-F", fleet.sshConfigPath, host!, "uname -m"]);
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: `${machine}\n` });
    }
    // the hosts listen on 127.0.0.1 of the bastion's namespace only: nothing answers on the controller's
    for (const h of fleet.hosts) expect(await tcpConnect(h.port)).toBe("ECONNREFUSED");
    // and the bastion has no network but its own loopback
    const links = await fleet.bastion!.exec("ls /sys/class/net");
    expect(links.stdout.trim()).toBe("lo");
  });

  it(`${AMD64} amd64 hosts at --forks ${AMD64}: converged through one bastion connection, zero unreachable; a rerun changes nothing`, async () => {
    // A file from the Go mirror, fetched by each host: the mirror is relayed into the namespace too.
    const sums = readFileSync(join(fleet.mirrorDir, "go1.22.12.linux-amd64.tar.gz.sha256"));
    const pb = join(dir, "amd64.yaml");
    writeFileSync(
      pb,
      `- hosts: amd64
  tasks:
    - name: which machine
      command: uname -m
      changed_when: false
    - name: a file from the mirror, through the bastion
      download:
        url: "{{ go_mirror }}/go1.22.12.linux-amd64.tar.gz.sha256"
        dest: /opt/armgo-bastion/go.sha256
        checksum: "sha256:${createHash("sha256").update(sums).digest("hex")}"
`,
    );
    for (const round of ["first", "second"] as const) {
      const before = fleet.bastion!.connections();
      const r = await play(pb, "--forks", String(AMD64), "--json");
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split("\n").pop()!);
      for (const h of amd64()) {
        expect(summary.recap[h.name], h.name).toMatchObject({
          changed: round === "first" ? 1 : 0,
          failed: 0,
          unreachable: 0,
        });
      }
      expect(summary.stats.connections).toBe(AMD64);
      // every host's connection went through the bastion: the relay carried exactly one connection, the jump connection
      expect(fleet.bastion!.connections() - before).toBe(1);
    }
    for (const h of amd64().slice(0, 3)) {
      expect((await fleet.exec(h.name, "cat /opt/armgo-bastion/go.sha256")).stdout).toBe(sums.toString());
    }
  });

  it("a bastion whose key is not the one in known_hosts is refused with one line naming it, for each host behind it", async () => {
    const known = readFileSync(fleet.knownHostsPath, "utf8");
    const bastionLine = `[127.0.0.1]:${fleet.bastion!.port} `;
    // another host's key in the bastion's place
    const other = known
      .split("\n")
      .find((l) => l && !l.startsWith(bastionLine))!
      .split(" ")
      .slice(1)
      .join(" ");
    const bad = join(dir, "known_hosts_bad");
    writeFileSync(
      bad,
      known.replace(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${fleet.bastion!.port} .*$`, "m"), `${bastionLine}${other}`),
    );
    const r = await play(SITE, "--known-hosts", bad, "--limit", "lab-arm64-1:lab-arm64-2");
    expect(r.code, r.stdout + r.stderr).toBe(4);
    // the hop is named as the inventory's proxy_jump names it: the lab ssh config's alias
    for (const host of ["lab-arm64-1", "lab-arm64-2"]) {
      expect(r.stdout).toMatch(
        new RegExp(
          `${host}: jump host lab-bastion: host key for lab-bastion \\(\\[127\\.0\\.0\\.1\\]:${fleet.bastion!.port}\\) has CHANGED: ssh-ed25519 SHA256:\\S+ does not match ${bad}:1`,
        ),
      );
      expect(recap(r.stdout)[host]).toMatchObject({ unreachable: 1 });
    }
    expect((await fleet.exec("lab-arm64-1", "test -e /usr/local/go && echo yes || echo no")).stdout).toBe("no\n");
  });

  it(`the go role (site.yaml) converges ${ARM64} arm64 hosts reached only through the bastion, each named by its ssh config alias; a rerun changes nothing`, async () => {
    const first = await play(SITE);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const h of fleet.hosts.filter((x) => x.arch === "arm64")) {
      expect(recap(first.stdout)[h.name]).toMatchObject({ failed: 0, unreachable: 0 });
      expect(first.stdout).toContain(`ok: [${h.name}] go version go1.22.12 linux/arm64`);
    }
    const second = await play(SITE, "--json");
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout.trim().split("\n").pop()!);
    for (const h of fleet.hosts.filter((x) => x.arch === "arm64")) {
      expect(summary.recap[h.name]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    }
    const r = await ssh(["-F", fleet.sshConfigPath, "lab-arm64-2", "bash -lc 'go version'"]);
    expect(r.stdout).toBe("go version go1.22.12 linux/arm64\n");
  });
});
