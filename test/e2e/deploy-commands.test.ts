// Issue 11's rollouts and commands end to end on 3 ARM64 hosts with the built CLI: two releases of
// examples/hello, `armgo releases` (table and --json), `armgo rollback` back to the first, and a
// bad release in a [1, "50%", "100%"] rollout that stops after the canary, with the recap's
// releases block naming which host runs which release.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { ReleasesReport } from "../../src/commands/releases.js";
import { armgo, recap } from "./cli.js";
import type { Fleet } from "./fleet.js";
import { type HelloFleet, startHelloFleet } from "./hello-fleet.js";

const PLAYBOOK = join(import.meta.dirname, "../../playbooks/deploy.yaml");

describe("armgo releases and rollback, and a stopped rollout, on 3 ARM64 hosts", () => {
  let fleet: Fleet;
  let dir: string;
  let hosts: string[];
  /** The lab's hosts share the machine's network (host networking): each serves hello on its own port. */
  const port: Record<string, number> = {};
  const sha = { v1: "", v2: "" };

  let hello: HelloFleet;

  beforeAll(async () => {
    hello = await startHelloFleet({ arm64: 3, name: "deploy-commands" });
    ({ fleet, dir, hosts } = hello);
    Object.assign(port, hello.ports.hello_port);
  });
  afterAll(() => hello?.stop());

  const common = () => hello.common();
  const play = (playbook: string, version: string, ...extra: string[]) => hello.play(playbook, version, ...extra);
  const serves = async (host: string) =>
    (await fleet.exec(host, `curl -sS --max-time 10 http://127.0.0.1:${port[host]}/`)).stdout;
  const releasesJson = async () => {
    const r = await armgo(["releases", ...common(), "--app", "hello", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { hosts: ReleasesReport["hosts"] };
  };
  const current = (report: { hosts: ReleasesReport["hosts"] }, h: string) =>
    (report.hosts[h] as { current?: string }).current;

  /** deploy.yaml with its play's fields changed. */
  function variant(name: string, change: Record<string, unknown>): string {
    const plays = parse(readFileSync(PLAYBOOK, "utf8")) as Array<Record<string, unknown>>;
    Object.assign(plays[0]!, change);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(plays));
    return file;
  }

  /** The RELEASES block after PLAY RECAP: release → hosts, and its other lines. */
  function releasesBlock(stdout: string): { byRelease: Record<string, string[]>; lines: string[] } {
    const lines = stdout.slice(stdout.indexOf("RELEASES [hello]")).split("\n").slice(1).filter(Boolean);
    const byRelease = Object.fromEntries(
      lines.flatMap((l) => {
        const m = /^([0-9a-f]{12})\s+(.+)$/.exec(l);
        return m ? [[m[1]!, m[2]!.split(", ")]] : [];
      }),
    );
    return { byRelease, lines };
  }

  it('deploys v1, then v2 with serial [1, "100%"]; the recap says every host runs v2', async () => {
    const v1 = await play(PLAYBOOK, "1.0.0");
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const b1 = releasesBlock(v1.stdout);
    sha.v1 = Object.keys(b1.byRelease)[0]!;
    expect(b1.byRelease).toEqual({ [sha.v1]: hosts });

    const v2 = await play(PLAYBOOK, "2.0.0");
    expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    const b2 = releasesBlock(v2.stdout);
    sha.v2 = Object.keys(b2.byRelease)[0]!;
    expect(sha.v2).not.toBe(sha.v1);
    expect(b2.byRelease).toEqual({ [sha.v2]: hosts });
    for (const h of hosts) expect(await serves(h)).toBe("hello 2.0.0\n");
  });

  it("armgo releases shows both releases per host, v2 current, as a table and as JSON", async () => {
    const table = await armgo(["releases", ...common(), "--app", "hello"]);
    expect(table.code, table.stdout + table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^HOST\s+RELEASE\s+STATUS\s+DEPLOYED\s+ARTIFACT\s+RUN$/);
    for (const h of hosts) {
      const at = lines.findIndex((l) => l.startsWith(`${h} `));
      expect(lines[at]).toMatch(new RegExp(`^${h}\\s+\\*\\s+${sha.v2}\\s+good\\s+\\d{4}-\\d\\d-\\d\\dT`));
      expect(lines[at + 1]).toMatch(new RegExp(`^\\s+${sha.v1}\\s+good\\s+`));
    }
    const json = await releasesJson();
    expect(Object.keys(json.hosts)).toEqual(hosts);
    for (const h of hosts) {
      expect(current(json, h)).toBe(sha.v2);
      expect(
        (json.hosts[h] as { releases: Array<{ sha: string; status: string }> }).releases.map((r) => [r.sha, r.status]),
      ).toEqual([
        [sha.v1, "good"],
        [sha.v2, "good"],
      ]);
    }
  });

  it("armgo rollback returns every host to v1, which every host serves", async () => {
    const r = await armgo(["rollback", ...common(), "--app", "hello"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of hosts) expect(recap(r.stdout)[h]).toMatchObject({ changed: 1, failed: 0, unreachable: 0 });
    expect(releasesBlock(r.stdout).byRelease).toEqual({ [sha.v1]: hosts });
    for (const h of hosts) expect(await serves(h)).toBe("hello 1.0.0\n");
  });

  it('a bad release in a [1, "50%", "100%"] rollout: the canary goes back, no later batch starts, the recap says who runs what, releases shows it bad', async () => {
    const [canary, ...others] = hosts as [string, ...string[]];
    const bad = variant("bad", { serial: [1, "50%", "100%"], max_fail_percentage: 30 });
    const r = await play(bad, "3.0.0", "-e", "hello_ldflags=-X main.healthStatus=500", "-e", "health_retries=3");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    // every targeted host is in the recap; the batches never started count nothing
    const counts = recap(r.stdout);
    expect(Object.keys(counts).sort()).toEqual([...hosts].sort());
    expect(counts[canary]).toMatchObject({ failed: 1 });
    for (const h of others)
      expect(counts[h]).toEqual({ ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, ignored: 0 });
    // the canary is back on v1, which served before this run (not v2, the newest good: issue 20 #3)
    const block = releasesBlock(r.stdout);
    const back = Object.keys(block.byRelease)[0]!;
    expect(block.byRelease).toEqual({ [sha.v1]: [canary] });
    expect(r.stdout).toContain(`rolled back to ${sha.v1}, which is healthy; it served before this run`);
    expect(block.lines).toContain(`not started: ${others.join(", ")} — unchanged`);
    expect(await serves(canary)).toBe("hello 1.0.0\n");
    for (const h of others) expect(await serves(h)).toBe("hello 1.0.0\n");

    const table = await armgo(["releases", ...common(), "--app", "hello", "--limit", canary]);
    expect(table.code, table.stdout + table.stderr).toBe(0);
    const v3 = /\s([0-9a-f]{12})\s+bad\s+\d{4}-/.exec(table.stdout)?.[1];
    expect(v3).toBeDefined();
    expect([sha.v1, sha.v2]).not.toContain(v3);
    expect(table.stdout).toMatch(new RegExp(`\\*\\s+${back}\\s+good\\s`));
  });

  it("a start command that cannot work on the running release: it stays good, the old spec goes back, the service keeps serving (issue 20 #2)", async () => {
    const host = hosts[1]!;
    const r = await play(PLAYBOOK, "1.0.0", "-e", "hello_port=99999", "--limit", host, "-e", "health_retries=2");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(
        `fatal: \\[${host}\\]: FAILED! the new service commands of hello failed: .*; the old spec is restored and release ${sha.v1} restarted, which is healthy`,
      ),
    );
    expect(await serves(host)).toBe("hello 1.0.0\n");
    const m = JSON.parse((await fleet.exec(host, "cat /opt/hello/releases.json")).stdout) as {
      current: string;
      service: { start: string };
      releases: Array<{ sha: string; status: string }>;
    };
    expect(m.current).toBe(sha.v1);
    expect(m.service.start).toContain(`HELLO_PORT=${port[host]} `);
    expect(m.releases.find((x) => x.sha === sha.v1)?.status).toBe("good");
  });
});
