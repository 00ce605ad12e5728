// The ssh transport against an in-process sshd on 127.0.0.1: exec, channel cap, put, host keys, errors.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect as dial, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostKeyError, TaskError, UnreachableError } from "../../src/errors.js";
import { wrapScript } from "../../src/transport/become.js";
import { type ConnectionConfig, connect } from "../../src/transport/connect.js";
import { fingerprint } from "../../src/transport/known-hosts.js";
import type { Transport } from "../../src/transport/transport.js";
import { type FakeSshd, newKeyPair, startFakeSshd } from "./ssh-server.js";

const dir = mkdtempSync(join(tmpdir(), "armgo-ssh-"));
const clientKey = newKeyPair();
const identityFile = join(dir, "id_ed25519");
writeFileSync(identityFile, clientKey.private, { mode: 0o600 });
const knownHostsFile = join(dir, "known_hosts");
const fakeBin = join(dir, "bin");
mkdirSync(fakeBin);
// Stands in for sudo: without NOPASSWD a real sudo that reads EOF for the password says exactly this.
writeFileSync(join(fakeBin, "sudo"), "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n", { mode: 0o755 });

let sshd: FakeSshd;
const transports: Transport[] = [];

function config(over: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    host: "fake1",
    address: "127.0.0.1",
    port: sshd.port,
    user: "root",
    identityFiles: [identityFile],
    hostKeyChecking: "strict",
    knownHostsFile,
    connectTimeoutMs: 5000,
    connectAttempts: 2,
    jumps: [],
    ...over,
  };
}

async function open(over: Partial<ConnectionConfig> = {}): Promise<Transport> {
  const t = await connect(config(over));
  transports.push(t);
  return t;
}

function knownLine(port: number, blob: Buffer): string {
  return `[127.0.0.1]:${port} ssh-ed25519 ${blob.toString("base64")}\n`;
}

beforeAll(async () => {
  sshd = await startFakeSshd({ authorizedKey: clientKey.public, pathPrefix: fakeBin });
  writeFileSync(knownHostsFile, knownLine(sshd.port, sshd.hostKeyBlob));
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await sshd.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("exec over ssh", () => {
  it("returns output, code and the unwrapped script; counts one connection", async () => {
    const t = await open();
    const r = await t.exec("echo hi; echo oops >&2; exit 4");
    expect(r).toMatchObject({ script: "echo hi; echo oops >&2; exit 4", code: 4, stdout: "hi\n", stderr: "oops\n" });
    expect(t.stats()).toMatchObject({ connections: 1, execs: 1 });
  });

  it("keeps hostile values data end to end, feeds stdin and counts its bytes", async () => {
    const t = await open();
    const value = `$(touch ${dir}/pwned); 'x' "y" \`z\`\n*`;
    const r = await t.exec(`cat; printf %s "$1"`, { stdin: value });
    expect(r.stdout).toBe(value);
    expect(readdirSync(dir)).not.toContain("pwned");
    // what went to the host: the wrapped command line and the stdin
    expect(t.stats().bytesSent).toBe(Buffer.byteLength(wrapScript(`cat; printf %s "$1"`)) + Buffer.byteLength(value));
  });

  it("runs 20 concurrent execs on one connection, never more than 9 channels open", async () => {
    const t = await open();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.exec(`sleep 0.2; echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(t.stats().connections).toBe(1);
    expect(sshd.counts.maxOpenSessions).toBeLessThanOrEqual(9);
    expect(sshd.counts.refusedSessions).toBe(0);
  });

  it("times out: closes the channel, code -1 and timedOut, and the connection stays usable", async () => {
    const t = await open();
    const started = Date.now();
    const r = await t.exec("sleep 30; echo never", { timeoutMs: 300 });
    expect(r).toMatchObject({ code: -1, timedOut: true, stdout: "" });
    expect(r.durationMs).toBeLessThan(2000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await t.exec("echo still usable")).stdout).toBe("still usable\n");
  });

  it("reports a command killed by a signal as 128+n", async () => {
    const t = await open();
    expect((await t.exec("kill -TERM $$")).code).toBe(143);
  });

  it("become as root needs no sudo; become elsewhere goes through sudo and a refusal is a TaskError", async () => {
    const asRoot = await open();
    expect((await asRoot.exec("id -u", { become: true })).code).toBe(0);
    const asDeploy = await open({ user: "deploy" });
    const err = await asDeploy.exec("id -u", { become: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).oneLine()).toMatch(/^fake1: sudo on fake1 wants a password for deploy — give it with -K/);
  });
});

describe("a channel's whole life in one socket read", () => {
  // The server sends channel success, output, exit-status and close in one tick; the client parses
  // them all before any `await` resumes. A listener attached after the await hears no exit status.
  it("still reports the exit status and output of a command that finished before exec returned", async () => {
    const quick = await startFakeSshd({
      authorizedKey: clientKey.public,
      instant: (command) =>
        command.includes("instant-")
          ? { stdout: "fast\n", code: Number(/instant-(\d+)/.exec(command)![1]) }
          : undefined,
    });
    try {
      writeFileSync(knownHostsFile, knownLine(quick.port, quick.hostKeyBlob), { flag: "a" });
      const t = await open({ port: quick.port });
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => t.exec(`echo instant-${i}`)));
      expect(results.map((r) => [r.code, r.stdout])).toEqual(Array.from({ length: 30 }, (_, i) => [i, "fast\n"]));
      expect(t.stats()).toMatchObject({ connections: 1, execs: 30 });
    } finally {
      await quick.close();
    }
  });
});

describe("connection loss", () => {
  it("fails the command in flight as unreachable, then reconnects on the next call", async () => {
    const t = await open();
    const running = t.exec("sleep 5; echo late");
    await new Promise((r) => setTimeout(r, 300));
    sshd.dropConnections();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).oneLine()).toMatch(/^fake1: connection to 127.0.0.1:\d+ was lost$/);
    expect((await t.exec("echo back")).stdout).toBe("back\n");
    expect(t.stats().connections).toBe(2);
  });
});

describe("channel refusals", () => {
  it("retries channels a server with MaxSessions=3 refuses, until all 12 execs ran", async () => {
    const tight = await startFakeSshd({ authorizedKey: clientKey.public, maxSessions: 3 });
    try {
      writeFileSync(knownHostsFile, knownLine(tight.port, tight.hostKeyBlob), { flag: "a" });
      const t = await open({ port: tight.port });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => t.exec(`sleep 0.1; echo ${i}`)));
      expect(results.every((r, i) => r.code === 0 && r.stdout === `${i}\n`)).toBe(true);
      expect(tight.counts.refusedSessions).toBeGreaterThan(0);
      expect(t.stats().connections).toBe(1);
    } finally {
      await tight.close();
    }
  });

  it("a server that never grants a session ends in a TaskError that says so, after bounded retries", async () => {
    const closed = await startFakeSshd({ authorizedKey: clientKey.public, maxSessions: 0 });
    try {
      writeFileSync(knownHostsFile, knownLine(closed.port, closed.hostKeyBlob), { flag: "a" });
      const t = await open({ port: closed.port });
      const err = await t.exec("true").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).oneLine()).toMatch(
        /^fake1: sshd on fake1 kept refusing a new session: .*Channel open failure.* — sshd's MaxSessions/,
      );
      expect(closed.counts.refusedSessions).toBe(8);
    } finally {
      await closed.close();
    }
  });
});

describe("put over sftp", () => {
  const sha = (b: Buffer) => createHash("sha256").update(new Uint8Array(b)).digest("hex");

  it("uploads 5 MB to a temp name, chmods, renames over the old file, leaves no temp file", async () => {
    const t = await open();
    const src = join(dir, "big.bin");
    const data = randomBytes(5 * 1024 * 1024);
    writeFileSync(src, data);
    const remoteDir = join(dir, "remote");
    mkdirSync(remoteDir);
    const dest = join(remoteDir, "big.bin");
    writeFileSync(dest, "old version");
    const before = t.stats().bytesSent;
    let last: [number, number] = [0, 0];
    await t.put(src, dest, { mode: 0o751, onProgress: (d, total) => (last = [d, total]) });
    expect(sha(readFileSync(dest))).toBe(sha(data));
    expect(statSync(dest).mode & 0o777).toBe(0o751);
    expect(readdirSync(remoteDir)).toEqual(["big.bin"]);
    expect(last).toEqual([data.length, data.length]);
    expect(t.stats().bytesSent - before).toBe(data.length);
    // The sftp session is reused: a second put opens no new connection.
    await t.put(src, join(remoteDir, "again.bin"));
    expect(t.stats().connections).toBe(1);
  });

  it("fails as a TaskError naming host and path, and removes its temp file", async () => {
    const t = await open();
    const src = join(dir, "small.txt");
    writeFileSync(src, "x");
    const err = await t.put(src, join(dir, "no-such-dir", "f")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toContain(`fake1:${join(dir, "no-such-dir", "f")}`);
  });
});

describe("get over sftp", () => {
  const sha = (b: Buffer) => createHash("sha256").update(new Uint8Array(b)).digest("hex");

  it("brings back 3 MB byte-identical through a temp name beside the target, replacing an old file", async () => {
    const t = await open();
    const remote = join(dir, "remote-get.bin");
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(remote, data);
    const back = join(dir, "got");
    mkdirSync(back);
    writeFileSync(join(back, "copy.bin"), "old");
    await t.get(remote, join(back, "copy.bin"));
    expect(sha(readFileSync(join(back, "copy.bin")))).toBe(sha(data));
    expect(readdirSync(back)).toEqual(["copy.bin"]);
  });

  it("a missing remote file is a TaskError naming host and path, and leaves no local file", async () => {
    const t = await open();
    const back = join(dir, "got-missing");
    mkdirSync(back);
    const err = await t.get(join(dir, "no-such-file"), join(back, "x.bin")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toContain(`fake1:${join(dir, "no-such-file")}`);
    expect(readdirSync(back)).toEqual([]);
  });
});

describe("host keys", () => {
  it("strict refuses an unknown host, printing its SHA256 fingerprint and the file", async () => {
    const empty = join(dir, "kh-empty");
    const err = await open({ knownHostsFile: empty }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const msg = (err as HostKeyError).message;
    expect(msg).toContain(fingerprint(sshd.hostKeyBlob));
    expect(msg).toContain(`not in ${empty}`);
  });

  it("strict refuses a changed key and names the known_hosts line", async () => {
    const file = join(dir, "kh-changed");
    const other = (await import("ssh2")).utils.parseKey(newKeyPair().public);
    const blob = (other as { getPublicSSH(): Buffer }).getPublicSSH();
    writeFileSync(file, `# old\n${knownLine(sshd.port, blob)}`);
    const before = sshd.counts.connections;
    const err = await open({ knownHostsFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as HostKeyError).message).toMatch(
      new RegExp(`CHANGED: ssh-ed25519 SHA256:\\S+ does not match ${file}:2`),
    );
    expect((err as HostKeyError).hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}'`);
    expect(sshd.counts.connections - before).toBe(1);
  });

  it("accept-new records an unknown key, and strict accepts it afterwards", async () => {
    const file = join(dir, "new", "known_hosts");
    await open({ knownHostsFile: file, hostKeyChecking: "accept-new" });
    expect(readFileSync(file, "utf8")).toBe(knownLine(sshd.port, sshd.hostKeyBlob));
    const t = await open({ knownHostsFile: file });
    expect((await t.exec("echo ok")).stdout).toBe("ok\n");
  });

  it("off accepts any key without touching the file", async () => {
    const file = join(dir, "kh-off");
    const t = await open({ knownHostsFile: file, hostKeyChecking: "off" });
    expect((await t.exec("echo ok")).code).toBe(0);
    expect(() => statSync(file)).toThrow();
  });
});

describe("unreachable", () => {
  it("a closed port is an UnreachableError with host:port and the reason, after retries", async () => {
    const port = await freePort();
    const err = await open({ port, connectAttempts: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).not.toBeInstanceOf(HostKeyError);
    expect((err as UnreachableError).oneLine()).toBe(
      `fake1: cannot reach root@127.0.0.1:${port}: connection refused (2 attempts)`,
    );
  });

  it("connections sshd drops before the handshake (MaxStartups) are retried past connect_attempts, and the host is reached", async () => {
    // in front of the sshd: the first 3 connections get what sshd says past MaxStartups, then are closed
    let dropped = 0;
    const front = createServer((sock) => {
      if (dropped < 3) {
        dropped++;
        sock.end("Exceeded MaxStartups\r\n");
        return;
      }
      const up = dial(sshd.port, "127.0.0.1");
      sock.pipe(up).pipe(sock);
      up.on("error", () => sock.destroy());
      sock.on("error", () => up.destroy());
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const port = (front.address() as { port: number }).port;
    writeFileSync(knownHostsFile, knownLine(sshd.port, sshd.hostKeyBlob) + knownLine(port, sshd.hostKeyBlob));
    try {
      const t = await open({ port, connectAttempts: 2 });
      expect((await t.exec("echo ok")).stdout).toBe("ok\n");
      expect(dropped).toBe(3);
    } finally {
      front.close();
      writeFileSync(knownHostsFile, knownLine(sshd.port, sshd.hostKeyBlob));
    }
  });

  it("a rejected key fails at once (no retry) and names what was tried, never the key", async () => {
    const stranger = join(dir, "stranger");
    writeFileSync(stranger, newKeyPair().private, { mode: 0o600 });
    const before = sshd.counts.connections;
    const err = await open({ identityFiles: [stranger], connectAttempts: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    const line = (err as UnreachableError).oneLine();
    expect(line).toMatch(/authentication failed for root@127.0.0.1:\d+ \(tried .*stranger\)/);
    expect(line).not.toContain("PRIVATE KEY");
    expect(sshd.counts.connections - before).toBe(1);
  });

  it("no usable credential at all is reported before connecting", async () => {
    const err = await open({ identityFiles: [join(dir, "absent-key")] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).oneLine()).toContain("identity_file");
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
