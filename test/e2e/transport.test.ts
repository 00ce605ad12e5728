// The ssh transport against real OpenSSH sshd on an ARM64 container (QEMU): exec, become, channel cap,
// put (also under become), get, host key checking and unreachable hosts.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostKeyError, TaskError, UnreachableError } from "../../src/errors.js";
import { type ConnectionConfig, connect } from "../../src/transport/connect.js";
import { quote } from "../../src/transport/quote.js";
import type { Transport } from "../../src/transport/transport.js";
import { armgo, recap } from "./cli.js";
import { type Fleet, type FleetHost, startFleet } from "./fleet.js";

describe("ssh transport on an arm64 host", () => {
  let fleet: Fleet;
  let host: FleetHost;
  let root: Transport;
  const opened: Transport[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "armgo-e2e-transport-"));

  const config = (over: Partial<ConnectionConfig> = {}): ConnectionConfig => ({
    host: host.name,
    address: "127.0.0.1",
    port: host.port,
    user: "root",
    identityFiles: [fleet.keyPath],
    hostKeyChecking: "strict",
    knownHostsFile: fleet.knownHostsPath,
    connectTimeoutMs: 60_000,
    jumps: [],
    ...over,
  });
  const open = async (over: Partial<ConnectionConfig> = {}): Promise<Transport> => {
    const t = await connect(config(over));
    opened.push(t);
    return t;
  };

  beforeAll(async () => {
    fleet = await startFleet({ arm64: 1 });
    host = fleet.hosts[0]!;
    root = await open();
  });

  afterAll(async () => {
    await Promise.allSettled(opened.map((t) => t.close()));
    await fleet?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs on aarch64", async () => {
    const r = await root.exec("uname -m");
    expect(r).toMatchObject({ code: 0, stdout: "aarch64\n" });
  });

  it("keeps hostile values data through sshd's login shell and sh -c", async () => {
    const marker = "/tmp/armgo-pwned";
    const values = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `x; touch ${marker}`,
      `it's "quoted"`,
      `a\ntouch ${marker}\nb`,
      "*",
      "",
      "héllo ✓ 日本",
      "-n",
    ];
    for (const v of values) {
      const r = await root.exec(`printf %s ${quote(v)}`);
      expect(r.stdout).toBe(v);
    }
    expect((await root.exec(`test -e ${marker} && echo exists || echo absent`)).stdout).toBe("absent\n");
  });

  it("becomes root from deploy through sudo", async () => {
    const deploy = await open({ user: "deploy" });
    expect((await deploy.exec("id -un")).stdout).toBe("deploy\n");
    expect((await deploy.exec("id -u", { become: true })).stdout).toBe("0\n");
  });

  it("a user without NOPASSWD sudo gets a clear TaskError, not a hang or a bare exit code", async () => {
    const setup = await fleet.exec(
      host.name,
      [
        "id nopw >/dev/null 2>&1 || useradd --create-home --shell /bin/sh nopw",
        "usermod -p '*' nopw",
        "install -d -m 700 -o nopw -g nopw /home/nopw/.ssh",
        "install -m 600 -o nopw -g nopw /root/.ssh/authorized_keys /home/nopw/.ssh/authorized_keys",
      ].join(" && "),
    );
    expect(setup).toMatchObject({ code: 0 });
    const nopw = await open({ user: "nopw" });
    const err = await nopw.exec("id -u", { become: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).oneLine()).toBe(
      `${host.name}: sudo on ${host.name} wants a password for nopw — give it with -K (--ask-become-pass) or the inventory's become_password_env, or allow NOPASSWD sudo for nopw`,
    );
  });

  it("runs 20 concurrent execs on one connection (channel cap below MaxSessions)", async () => {
    const t = await open();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.exec(`sleep 1; echo ${i}`)));
    expect(results.map((r) => [r.code, r.stdout])).toEqual(Array.from({ length: 20 }, (_, i) => [0, `${i}\n`]));
    expect(t.stats()).toMatchObject({ connections: 1, execs: 20 });
  });

  it("puts a 5 MB file intact over an existing one, with its mode, leaving no temp file", async () => {
    const local = join(scratch, "payload.bin");
    const data = randomBytes(5 * 1024 * 1024 + 123);
    writeFileSync(local, data);
    await root.exec("mkdir -p /opt/armgo-put && echo old > /opt/armgo-put/payload.bin");
    const before = root.stats().bytesSent;
    await root.put(local, "/opt/armgo-put/payload.bin", { mode: 0o640 });
    expect(root.stats().bytesSent - before).toBe(data.length);
    const r = await root.exec(
      "sha256sum /opt/armgo-put/payload.bin; stat -c %a /opt/armgo-put/payload.bin; ls -a /opt/armgo-put",
    );
    const want = createHash("sha256").update(new Uint8Array(data)).digest("hex");
    expect(r.stdout).toBe(`${want}  /opt/armgo-put/payload.bin\n640\n.\n..\npayload.bin\n`);
    expect(root.stats().connections).toBe(1);
  });

  it("gets 4 MB of random data written on the arm64 host back byte-identical (sha256)", async () => {
    const made = await root.exec("head -c 4194304 /dev/urandom > /tmp/armgo-get.bin && sha256sum /tmp/armgo-get.bin");
    expect(made.code).toBe(0);
    const local = join(scratch, "got.bin");
    await root.get("/tmp/armgo-get.bin", local);
    expect(
      createHash("sha256")
        .update(new Uint8Array(readFileSync(local)))
        .digest("hex"),
    ).toBe(made.stdout.split(" ")[0]);
    expect(readdirSync(scratch).filter((n) => n.includes(".armgo-tmp-"))).toEqual([]);
  });

  it("gets the Go tarball the host fetched back with the bytes the mirror's .sha256 names", async () => {
    const name = "go1.22.12.linux-arm64.tar.gz";
    const fetched = await root.exec(`curl -fsS -o /tmp/${name} ${quote(`${fleet.mirrorUrl}/${name}`)}`);
    expect(fetched).toMatchObject({ code: 0 });
    const local = join(scratch, name);
    await root.get(`/tmp/${name}`, local);
    const want = readFileSync(join(fleet.mirrorDir, `${name}.sha256`), "utf8").trim();
    expect(
      createHash("sha256")
        .update(new Uint8Array(readFileSync(local)))
        .digest("hex"),
    ).toBe(want);
  });

  it("a get of a missing file is a TaskError naming host and path, and leaves no local file", async () => {
    const dir = join(scratch, "get-missing");
    mkdirSync(dir);
    const err = await root.get("/tmp/armgo-no-such-file", join(dir, "x.bin")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).oneLine()).toContain(`${host.name}:/tmp/armgo-no-such-file`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("put under become as deploy lands a root-owned file by rename, staging nothing behind", async () => {
    const deploy = await open({ user: "deploy" });
    const local = join(scratch, "become.bin");
    const data = randomBytes(1024 * 1024);
    writeFileSync(local, data);
    const dest = "/opt/armgo-become/app.bin";
    const inode = "stat -c %i /opt/armgo-become/app.bin";
    await root.exec(`mkdir -p /opt/armgo-become && echo old > ${dest} && chmod 600 ${dest}`);
    const oldInode = (await root.exec(inode)).stdout;
    await deploy.put(local, dest, { become: true, mode: 0o640 });
    const r = await root.exec(
      `sha256sum ${dest}; stat -c '%U %G %a' ${dest}; ls -a /opt/armgo-become; ls -d /tmp/armgo-put.* 2>/dev/null | wc -l`,
    );
    const want = createHash("sha256").update(new Uint8Array(data)).digest("hex");
    expect(r.stdout).toBe(`${want}  ${dest}\nroot root 640\n.\n..\napp.bin\n0\n`);
    // A new inode: the file was renamed into place, never rewritten where it stood.
    expect((await root.exec(inode)).stdout).not.toBe(oldInode);
  });

  it("download mode: controller as deploy with become lands the file root-owned through the staged put", async () => {
    const feed = readFileSync(join(fleet.mirrorDir, "feed.json"));
    const sum = createHash("sha256").update(new Uint8Array(feed)).digest("hex");
    const playbook = join(scratch, "push.yaml");
    writeFileSync(
      playbook,
      `- hosts: all\n  become: true\n  gather_facts: false\n  tasks:\n    - name: push\n      download: { url: "{{ go_mirror }}/feed.json", dest: /opt/armgo-dl/feed.json, checksum: "sha256:${sum}", mode: controller }\n`,
    );
    const r = await armgo([
      "play",
      playbook,
      "-i",
      fleet.inventoryPath,
      "-e",
      "user=deploy",
      "--audit-dir",
      join(scratch, "audit"),
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(recap(r.stdout)[host.name]).toMatchObject({ changed: 1, failed: 0 });
    const on = await root.exec(
      "sha256sum /opt/armgo-dl/feed.json; stat -c %U /opt/armgo-dl/feed.json; ls -a /opt/armgo-dl; ls -d /tmp/armgo-put.* 2>/dev/null | wc -l",
    );
    expect(on.stdout).toBe(`${sum}  /opt/armgo-dl/feed.json\nroot\n.\n..\nfeed.json\nfeed.json.armgo-sha256\n0\n`);
  });

  it("kills a command that outlives its timeout and keeps the connection", async () => {
    const r = await root.exec("sleep 60; echo never", { timeoutMs: 1500 });
    expect(r).toMatchObject({ code: -1, timedOut: true, stdout: "" });
    // The result comes at the deadline, not when sshd finally closes the channel.
    expect(r.durationMs).toBeLessThan(10_000);
    expect((await root.exec("echo alive")).stdout).toBe("alive\n");
  });

  it("signals the command sshd started when it times out (here the command is the sleep itself)", async () => {
    const r = await root.exec("exec sleep 77", { timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    const count =
      "for c in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $c; echo; done 2>/dev/null | grep -c '^sleep 77 ' || true";
    expect((await fleet.exec(host.name, count)).stdout.trim()).toBe("0");
  });

  it("strict refuses a host missing from known_hosts, showing its SHA256 fingerprint", async () => {
    const empty = join(scratch, "known_hosts_empty");
    const err = await open({ knownHostsFile: empty }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as HostKeyError).message).toMatch(/ssh-ed25519 SHA256:[A-Za-z0-9+/]{43} not in /);
  });

  it("accept-new records the key, then strict accepts it", async () => {
    const file = join(scratch, "kh", "known_hosts");
    await open({ knownHostsFile: file, hostKeyChecking: "accept-new" });
    const strict = await open({ knownHostsFile: file });
    expect((await strict.exec("echo ok")).stdout).toBe("ok\n");
  });

  it("strict refuses a rotated host key and names the known_hosts line", async () => {
    await fleet.rotateHostKey(host.name);
    const err = await open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as HostKeyError).message).toMatch(
      new RegExp(`CHANGED: ssh-ed25519 SHA256:\\S+ does not match ${fleet.knownHostsPath}:\\d+`),
    );
  });

  it("a closed port is an UnreachableError naming host:port and the reason", async () => {
    const port = await closedPort();
    const err = await open({ port, connectAttempts: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).message).toBe(
      `cannot reach root@127.0.0.1:${port}: connection refused (2 attempts)`,
    );
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
