// Jump hosts: the pool's one connection per hop chain, shared, checked and closed, against in-process sshds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ParsedKey, utils } from "ssh2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HostKeyError, UnreachableError } from "../../src/errors.js";
import { type ConnectionConfig, connect, type JumpHop } from "../../src/transport/connect.js";
import { JumpPool } from "../../src/transport/jump.js";
import type { Transport } from "../../src/transport/transport.js";
import { type FakeSshd, newKeyPair, startFakeSshd } from "./ssh-server.js";

const dir = mkdtempSync(join(tmpdir(), "armgo-jump-"));
const clientKey = newKeyPair();
const identityFile = join(dir, "id_ed25519");
writeFileSync(identityFile, clientKey.private, { mode: 0o600 });
const strangerKey = join(dir, "id_stranger");
writeFileSync(strangerKey, newKeyPair().private, { mode: 0o600 });
const knownHostsFile = join(dir, "known_hosts");

let bastion: FakeSshd;
let inner: FakeSshd;
let target: FakeSshd;
let opened: Transport[] = [];

const knownLine = (s: FakeSshd): string => `[127.0.0.1]:${s.port} ssh-ed25519 ${s.hostKeyBlob.toString("base64")}\n`;

function hop(s: FakeSshd, over: Partial<JumpHop> = {}): JumpHop {
  return {
    host: "bastion",
    address: "127.0.0.1",
    port: s.port,
    user: "root",
    identityFiles: [identityFile],
    identitiesOnly: true,
    knownHostsFile,
    hostKeyChecking: "strict",
    ...over,
  };
}

function config(name: string, jumps: JumpHop[], over: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    host: name,
    address: "127.0.0.1",
    port: target.port,
    user: "root",
    identityFiles: [identityFile],
    hostKeyChecking: "strict",
    knownHostsFile,
    connectTimeoutMs: 5000,
    connectAttempts: 3,
    jumps,
    ...over,
  };
}

async function open(
  pool: JumpPool,
  name: string,
  jumps: JumpHop[],
  over: Partial<ConnectionConfig> = {},
): Promise<Transport> {
  const t = await connect(config(name, jumps, over), pool);
  opened.push(t);
  return t;
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
};

beforeAll(async () => {
  const start = () => startFakeSshd({ authorizedKey: clientKey.public });
  [bastion, inner, target] = await Promise.all([start(), start(), start()]);
  writeFileSync(knownHostsFile, [bastion, inner, target].map(knownLine).join(""));
});

afterEach(async () => {
  await Promise.all(opened.map((t) => t.close()));
  opened = [];
});

afterAll(async () => {
  await Promise.all([bastion, inner, target].map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("one connection per jump host", () => {
  it("is opened once for 8 targets connecting at the same moment, carries each, and closes with the last", async () => {
    const pool = new JumpPool();
    const before = {
      bastion: bastion.counts.connections,
      forwards: bastion.counts.forwards,
      target: target.counts.connections,
    };
    const ts = await Promise.all(Array.from({ length: 8 }, (_, i) => open(pool, `t${i}`, [hop(bastion)])));
    const out = await Promise.all(ts.map((t, i) => t.exec(`echo ${i}`)));
    expect(out.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `${i}\n`));
    expect(bastion.counts.connections - before.bastion).toBe(1);
    expect(bastion.counts.forwards - before.forwards).toBe(8);
    expect(target.counts.connections - before.target).toBe(8);
    expect(pool).toMatchObject({ size: 1, connections: 1 });

    await Promise.all(ts.slice(1).map((t) => t.close()));
    await until(() => target.live === 1);
    expect(pool.size).toBe(1);
    expect(bastion.live).toBe(1);
    await ts[0]!.close();
    await until(() => bastion.live === 0);
    expect(pool.size).toBe(0);
    expect(bastion.live).toBe(0);
  });

  it("keeps distinct chains apart: a second hop is reached through the first, one connection each", async () => {
    const pool = new JumpPool();
    const before = {
      bastion: bastion.counts.connections,
      bastionFwd: bastion.counts.forwards,
      inner: inner.counts.connections,
    };
    const chain = [hop(bastion), hop(inner, { host: "inner" })];
    const ts = await Promise.all(["a", "b", "c"].map((n) => open(pool, n, chain)));
    const direct = await open(pool, "d", [hop(bastion)]);
    for (const t of [...ts, direct]) expect((await t.exec("echo ok")).stdout).toBe("ok\n");
    // bastion: one connection; it forwards to inner once and to the target once, for "d"
    expect(bastion.counts.connections - before.bastion).toBe(1);
    expect(bastion.counts.forwards - before.bastionFwd).toBe(2);
    expect(inner.counts.connections - before.inner).toBe(1);
    expect(pool.size).toBe(2);
  });

  it("has a dropped jump connection fail the command in flight naming the hop, and reconnects through a new one", async () => {
    const pool = new JumpPool();
    const t = await open(pool, "t1", [hop(bastion)]);
    const running = t.exec("sleep 5; echo late");
    await new Promise((r) => setTimeout(r, 300));
    const before = bastion.counts.connections;
    bastion.dropConnections();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).oneLine()).toMatch(
      /^t1: connection to 127\.0\.0\.1:\d+ was lost: jump host bastion \(127\.0\.0\.1:\d+\) closed its connection$/,
    );
    expect((await t.exec("echo back")).stdout).toBe("back\n");
    expect(bastion.counts.connections - before).toBe(1);
    expect(t.stats().connections).toBe(2);
  });

  it("retries a forward the jump host refuses under load", async () => {
    const busy = await startFakeSshd({ authorizedKey: clientKey.public, refuseForwards: 2 });
    try {
      writeFileSync(knownHostsFile, knownLine(busy), { flag: "a" });
      const t = await open(new JumpPool(), "t1", [hop(busy, { host: "busy" })]);
      expect((await t.exec("echo through")).stdout).toBe("through\n");
      expect(busy.counts).toMatchObject({ refusedForwards: 2, forwards: 1 });
    } finally {
      await busy.close();
    }
  });
});

describe("a jump host that is not trusted or will not let us in", () => {
  const rows: Array<{
    name: string;
    setup: () => Promise<{ jumps: JumpHop[]; cleanup?: () => Promise<void> }>;
    kind: typeof UnreachableError;
    line: RegExp;
  }> = [
    {
      name: "its key differs from known_hosts",
      setup: async () => {
        const impostor = await startFakeSshd({ authorizedKey: clientKey.public });
        const otherBlob = (utils.parseKey(newKeyPair().public) as ParsedKey).getPublicSSH();
        const file = join(dir, "known_hosts_changed");
        writeFileSync(
          file,
          `[127.0.0.1]:${impostor.port} ssh-ed25519 ${otherBlob.toString("base64")}\n${knownLine(target)}`,
        );
        return { jumps: [hop(impostor, { knownHostsFile: file })], cleanup: () => impostor.close() };
      },
      kind: HostKeyError,
      line: /^t9: jump host bastion: host key for bastion \(\[127\.0\.0\.1\]:\d+\) has CHANGED: ssh-ed25519 SHA256:\S+ does not match .*known_hosts_changed:1 — if the host was really reinstalled/,
    },
    {
      name: "its key is unknown under strict checking",
      setup: async () => ({ jumps: [hop(bastion, { knownHostsFile: join(dir, "empty_known_hosts") })] }),
      kind: HostKeyError,
      line: /^t9: jump host bastion: host key for bastion \(\[127\.0\.0\.1\]:\d+\) is unknown: ssh-ed25519 SHA256:\S+ not in .*empty_known_hosts/,
    },
    {
      name: "it refuses our key",
      setup: async () => ({ jumps: [hop(bastion, { identityFiles: [strangerKey] })] }),
      kind: UnreachableError,
      line: /^t9: jump host bastion: authentication failed for root@127\.0\.0\.1:\d+ \(tried .*id_stranger/,
    },
    {
      name: "nothing listens on its port",
      setup: async () => {
        const gone = await startFakeSshd({ authorizedKey: clientKey.public });
        await gone.close();
        return { jumps: [hop(gone, { host: "gone" })] };
      },
      kind: UnreachableError,
      line: /^t9: jump host gone: cannot reach root@127\.0\.0\.1:\d+: connection refused/,
    },
  ];

  for (const row of rows) {
    it(`${row.name}: refused with one line naming the hop and the target, the target never reached`, async () => {
      const { jumps, cleanup } = await row.setup();
      try {
        const before = target.counts.connections;
        const pool = new JumpPool();
        const err = await open(pool, "t9", jumps, { connectAttempts: 1 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(row.kind);
        expect((err as UnreachableError).oneLine()).toMatch(row.line);
        expect((err as UnreachableError).oneLine()).not.toContain("\n");
        expect(target.counts.connections).toBe(before);
        expect(pool.size).toBe(0);
      } finally {
        await cleanup?.();
      }
    });
  }

  it("records a new hop key under accept-new, as for any host", async () => {
    const file = join(dir, "known_hosts_new");
    writeFileSync(file, knownLine(target));
    const t = await open(new JumpPool(), "t1", [hop(bastion, { knownHostsFile: file, hostKeyChecking: "accept-new" })]);
    expect((await t.exec("echo ok")).stdout).toBe("ok\n");
    expect(readFileSync(file, "utf8")).toContain(knownLine(bastion));
  });
});
