// The lab itself: real ARM64 sshd hosts, reachable by exec and by SSH, fed by the local Go mirror.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { InputError } from "../../src/errors.js";
import { labDown, labStatus, labUp } from "../../src/lab/lab.js";
import { startFleet, type Fleet } from "./fleet.js";

interface SshResult {
  stdout: string;
  code: number;
}

/** One SSH connection, one command; the host key must equal the known_hosts entry for [127.0.0.1]:port. */
function sshRun(port: number, user: string, keyPath: string, expectedKey: string, command: string): Promise<SshResult> {
  return readFile(keyPath).then(
    (privateKey) =>
      new Promise((resolve, reject) => {
        const client = new Client();
        client
          .on("ready", () => {
            client.exec(command, (err, stream) => {
              if (err) return reject(err);
              let stdout = "";
              stream.on("data", (d: Buffer) => (stdout += d.toString()));
              stream.stderr.resume();
              stream.on("close", (code: number) => {
                client.end();
                resolve({ stdout, code });
              });
            });
          })
          .on("error", reject)
          .connect({
            host: "127.0.0.1",
            port,
            username: user,
            privateKey,
            readyTimeout: 60_000,
            hostVerifier: (key: Buffer) => key.toString("base64") === expectedKey.split(" ")[1],
          });
      }),
  );
}

async function knownHostKey(fleet: Fleet, port: number): Promise<string> {
  const lines = (await readFile(fleet.knownHostsPath, "utf8")).trim().split("\n");
  const line = lines.find((l) => l.startsWith(`[127.0.0.1]:${port} `));
  if (!line) throw new Error(`no known_hosts line for port ${port}`);
  return line.split(" ").slice(1).join(" ");
}

describe("arm64 fleet", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({ arm64: 3 });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("has three arm64 hosts that report aarch64 via exec", async () => {
    expect(fleet.hosts.map((h) => h.arch)).toEqual(["arm64", "arm64", "arm64"]);
    expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(3);
    for (const h of fleet.hosts) {
      const res = await fleet.exec(h.name, "uname -m");
      expect(res).toMatchObject({ code: 0, stdout: "aarch64\n" });
    }
  });

  it("writes an inventory with both groups and the lab vars", async () => {
    const inv = parse(await readFile(fleet.inventoryPath, "utf8"));
    expect(inv.all.vars).toEqual({
      user: "root",
      identity_file: fleet.keyPath,
      known_hosts: fleet.knownHostsPath,
      go_mirror: fleet.mirrorUrl,
    });
    expect(Object.keys(inv.all.children.arm64.hosts)).toEqual(["lab-arm64-1", "lab-arm64-2", "lab-arm64-3"]);
    expect(inv.all.children.arm64.hosts["lab-arm64-1"]).toEqual({
      host: "127.0.0.1",
      port: fleet.hosts[0]!.port,
      hello_port: expect.any(Number),
    });
    expect(inv.all.children.amd64.hosts).toEqual({});
  });

  it("gives each host its own host key", async () => {
    const keys = await Promise.all(fleet.hosts.map((h) => knownHostKey(fleet, h.port)));
    expect(new Set(keys).size).toBe(3);
    for (const k of keys) expect(k).toMatch(/^ssh-ed25519 AAAA/);
  });

  it("answers real SSH as root and deploy with the lab key, host key verified", async () => {
    const results = await Promise.all(
      fleet.hosts.map(async (h) =>
        sshRun(h.port, "root", fleet.keyPath, await knownHostKey(fleet, h.port), "uname -m"),
      ),
    );
    for (const r of results) expect(r).toEqual({ stdout: "aarch64\n", code: 0 });
    const h = fleet.hosts[0]!;
    const started = Date.now();
    const deploy = await sshRun(
      h.port,
      "deploy",
      fleet.keyPath,
      await knownHostKey(fleet, h.port),
      "id -un; sudo -n id -u; echo $SHELL",
    );
    console.log(`ssh connect+exec (deploy, arm64): ${Date.now() - started} ms`);
    expect(deploy).toEqual({ stdout: "deploy\n0\n/bin/bash\n", code: 0 });
  });

  it("keeps deploy's authorized_keys private and owned by deploy", async () => {
    const res = await fleet.exec(
      fleet.hosts[0]!.name,
      "stat -c '%U %a' /home/deploy/.ssh /home/deploy/.ssh/authorized_keys /root/.ssh/authorized_keys",
    );
    expect(res.stdout).toBe("deploy 700\ndeploy 600\nroot 600\n");
  });

  it("installs the arm64 go1.22.12 tarball from the mirror and runs it", async () => {
    const host = fleet.hosts[0]!.name;
    const url = `${fleet.mirrorUrl}/go1.22.12.linux-arm64.tar.gz`;
    const res = await fleet.exec(
      host,
      `set -e; curl -fsS -o /tmp/go.tgz '${url}'; rm -rf /usr/local/go; tar -C /usr/local -xzf /tmp/go.tgz; /usr/local/go/bin/go version`,
    );
    expect(res.stderr).toBe("");
    expect(res).toMatchObject({ code: 0, stdout: "go version go1.22.12 linux/arm64\n" });
  });

  it("rotates a host key while sshd keeps serving the same port", async () => {
    const h = fleet.hosts[1]!;
    const before = await knownHostKey(fleet, h.port);
    await fleet.rotateHostKey(h.name);
    const now = (await fleet.exec(h.name, "cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub")).stdout.trim();
    expect(now).not.toBe(before);
    // The old known_hosts entry must now be refused, the new key accepted.
    await expect(sshRun(h.port, "root", fleet.keyPath, before, "true")).rejects.toThrow();
    expect(await sshRun(h.port, "root", fleet.keyPath, now, "uname -m")).toEqual({ stdout: "aarch64\n", code: 0 });
  });

  it("serves tarballs whose sha256 matches the .sha256 file and the feed", async () => {
    const feed = JSON.parse(await readFile(join(fleet.mirrorDir, "feed.json"), "utf8"));
    expect(feed.map((r: { version: string }) => r.version)).toEqual(["go1.23.5", "go1.22.12"]);
    const files = feed.flatMap((r: { files: unknown[] }) => r.files);
    expect(files.map((f: { filename: string }) => f.filename).sort()).toEqual([
      "go1.22.12.linux-amd64.tar.gz",
      "go1.22.12.linux-arm64.tar.gz",
      "go1.23.5.linux-amd64.tar.gz",
      "go1.23.5.linux-arm64.tar.gz",
    ]);
    for (const f of files) {
      const body = Buffer.from(await (await fetch(`${fleet.mirrorUrl}/${f.filename}`)).arrayBuffer());
      const hex = createHash("sha256")
        .update(body as unknown as Uint8Array)
        .digest("hex");
      const served = await (await fetch(`${fleet.mirrorUrl}/${f.filename}.sha256`)).text();
      expect(served).toMatch(/^[0-9a-f]{64}$/);
      expect(hex).toBe(served);
      expect(f).toMatchObject({ sha256: hex, size: body.length, os: "linux", kind: "archive" });
    }
  });
});

describe("mixed fleet", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({ arm64: 1, amd64: 1 });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("reports the right arch per host", async () => {
    const seen = await Promise.all(
      fleet.hosts.map(async (h) => [h.arch, (await fleet.exec(h.name, "uname -m; dpkg --print-architecture")).stdout]),
    );
    expect(seen).toEqual([
      ["arm64", "aarch64\narm64\n"],
      ["amd64", "x86_64\namd64\n"],
    ]);
  });
});

describe("lab up / status / down", () => {
  it("starts 3 arm64 hosts with a detached mirror and removes them again", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "armgo-lab-"));
    const started = Date.now();
    const state = await labUp({ hosts: 3, arch: "arm64", stateDir });
    console.log(`labUp 3 arm64 hosts: ${Date.now() - started} ms`);
    try {
      const status = await labStatus({ stateDir });
      expect(status.up).toBe(true);
      expect(status.hosts.map((h) => [h.name, h.running])).toEqual([
        ["lab-arm64-1", true],
        ["lab-arm64-2", true],
        ["lab-arm64-3", true],
      ]);
      const inv = parse(await readFile(join(stateDir, "inventory.yaml"), "utf8"));
      expect(inv.all.vars.go_mirror).toBe(state.mirror.url);
      const feed = await fetch(`${state.mirror.url}/feed.json`);
      expect(feed.status).toBe(200);
      const h = state.hosts[2]!;
      const line = (await readFile(state.knownHostsPath, "utf8"))
        .split("\n")
        .find((l) => l.startsWith(`[127.0.0.1]:${h.port} `))!;
      const key = line.split(" ").slice(1).join(" ");
      expect(await sshRun(h.port, "root", state.keyPath, key, "uname -m")).toEqual({ stdout: "aarch64\n", code: 0 });
      await expect(labUp({ hosts: 1, arch: "arm64", stateDir })).rejects.toBeInstanceOf(InputError);
    } finally {
      expect(await labDown({ stateDir })).toEqual({ containers: 3, mirrorStopped: true });
    }
    expect((await labStatus({ stateDir })).up).toBe(false);
    await expect(fetch(`${state.mirror.url}/feed.json`)).rejects.toThrow();
    await rm(stateDir, { recursive: true, force: true });
  });
});
