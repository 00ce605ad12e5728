// sshd's MaxStartups at fleet scale (issue 20): 50 inventory aliases of one amd64 lab host at --forks
// 50, whose sshd drops connections before the SSH handshake past a low MaxStartups. Dropped connects
// are retried with jittered backoff and converge; a host that keeps dropping them gets one line naming
// MaxStartups and what to do.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { armgo, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const ALIASES = 50;
// each alias connects and gathers facts, and changes nothing: the aliases share one host, and so its host lock
const PLAYBOOK = `- hosts: all
  tasks: []
`;

/** The first line sshd sends on a new connection (its banner, or why it drops it). */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let got = "";
    sock.on("data", (b: Buffer) => {
      got += b.toString();
      if (got.includes("\n")) {
        sock.destroy();
        resolve(got.split("\n")[0]!.trim());
      }
    });
    sock.on("error", reject);
    sock.on("close", () => resolve(got.trim()));
  });
}

describe(`MaxStartups on one real sshd behind ${ALIASES} inventory aliases at --forks ${ALIASES}`, () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  let playbook: string;
  let port: number;
  let host: string;

  // sshd logs to the container's stderr: each start and each connection it dropped
  const sshdLog = () => execFileSync("sh", ["-c", `docker logs ${fleet.hosts[0]!.containerId} 2>&1`]).toString();
  const count = (re: RegExp) => sshdLog().match(re)?.length ?? 0;
  /** sshd with `MaxStartups value`, reloaded (it re-executes itself on SIGHUP) and listening again. */
  const maxStartups = async (value: string) => {
    const starts = count(/Server listening on/g);
    await fleet.exec(host, `echo 'MaxStartups ${value}' > /etc/ssh/sshd_config.d/max-startups.conf && kill -HUP 1`);
    for (let i = 0; i < 100 && count(/Server listening on/g) === starts; i++)
      await new Promise((r) => setTimeout(r, 100));
  };
  const play = () =>
    armgo(["play", playbook, "-i", inventory, "--forks", String(ALIASES), "--audit-dir", join(dir, "audit")]);

  beforeAll(async () => {
    fleet = await startFleet({ amd64: 1 });
    host = fleet.hosts[0]!.name;
    port = fleet.hosts[0]!.port;
    dir = await mkdtemp(join(tmpdir(), "armgo-e2e-maxstartups-"));
    // the lab inventory's one host, as 50 names of the same sshd (known_hosts knows it by address and port)
    const inv = parse(readFileSync(fleet.inventoryPath, "utf8")) as {
      all: { children: Record<string, { hosts: Record<string, object> }> };
    };
    const vars = inv.all.children.amd64!.hosts[host]!;
    inv.all.children = {
      fleet: { hosts: Object.fromEntries(Array.from({ length: ALIASES }, (_, i) => [`alias${i + 1}`, vars])) },
    };
    inventory = join(dir, "inventory.yaml");
    writeFileSync(inventory, stringify(inv));
    playbook = join(dir, "mark.yaml");
    writeFileSync(playbook, PLAYBOOK);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("MaxStartups 4:100:4: the dropped connects are retried with backoff, and all 50 gather their facts", async () => {
    await maxStartups("4:100:4");
    const before = count(/past MaxStartups/g);
    const r = await play();
    expect(
      r.code,
      r.stdout
        .split("\n")
        .filter((l) => /UNREACHABLE!/.test(l))
        .join("\n") + r.stderr,
    ).toBe(0);
    const counts = Object.values(recap(r.stdout));
    expect(counts).toHaveLength(ALIASES);
    expect(counts.every((c) => c.ok === 1 && c.unreachable === 0 && c.failed === 0)).toBe(true);
    // sshd did drop connects: the run met the fault it is meant to survive
    expect(count(/past MaxStartups/g)).toBeGreaterThan(before);
  });

  it("MaxStartups 1:100:1 with its one slot held by an idle connection: one line per host naming MaxStartups; at sshd's default, the next run converges", async () => {
    await maxStartups("1:100:1");
    // a connection that never says hello holds the only unauthenticated slot (for LoginGraceTime)
    const idle: Socket = connect(port, "127.0.0.1");
    await new Promise((r) => idle.once("data", r));
    try {
      expect(await firstLine(port)).toBe("Exceeded MaxStartups");
      const r = await play();
      expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(4);
      const lines = r.stdout.split("\n").filter((l) => /UNREACHABLE!/.test(l));
      expect(lines).toHaveLength(ALIASES);
      for (const l of lines)
        expect(l).toMatch(
          /^fatal: \[alias\d+\]: UNREACHABLE! alias\d+: cannot reach root@127\.0\.0\.1:\d+: (connection reset by peer|sshd closed the connection before the SSH handshake) \(10 attempts\) — sshd drops new connections past its MaxStartups \(too many unauthenticated at once\), the likely cause at high --forks: lower --forks, or raise MaxStartups in the host's sshd_config$/,
        );
      expect(Object.values(recap(r.stdout)).every((c) => c.ok === 0 && c.unreachable === 1)).toBe(true);
    } finally {
      idle.destroy();
    }
    // sshd's default again: the next run converges
    await maxStartups("10:30:100");
    const next = await play();
    expect(next.code, next.stdout.slice(-3000) + next.stderr).toBe(0);
    expect(Object.values(recap(next.stdout)).every((c) => c.ok === 1 && c.unreachable === 0)).toBe(true);
  });
});
