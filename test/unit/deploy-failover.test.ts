// A failing deploy on a `connection: local` host, through the deploy module, with real releases
// (copies of sleep(1), and of false(1) for a release that dies at start): what it goes back to.
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, exitForRecap } from "../../src/cli/exit.js";
import { rollback } from "../../src/commands/rollback.js";
import { setup } from "./engine-local.js";

const playbook = `
- hosts: g
  gather_facts: false
  tasks:
    - name: deploy svc
      deploy:
        app: svc
        app_dir: "DIR/{{ inventory_hostname }}"
        artifact: "{{ artifact }}"
        service:
          type: command
          start: nohup ./current/svc {{ seconds | default(600) }} > /dev/null 2>&1 & echo $! > svc.pid
          pidfile: "DIR/{{ inventory_hostname }}/svc.pid"
        health: { command: "{{ health | default('test -x current/svc') }}", retries: 2, interval: 0 }
`;

describe("a failed deploy goes back to what served before it (issue 20 #2, #3)", () => {
  const { dir, run } = setup(playbook, ["h1"]);
  const sha: Record<string, string> = {};
  // each version's first deploy line: v1 finds no process of svc, v2 finds v1's
  const said: Record<string, string> = {};
  const app = join(dir, "h1");
  const current = () => readlinkSync(join(app, "current")).split("/").pop();
  const manifest = () =>
    JSON.parse(readFileSync(join(app, "releases.json"), "utf8")) as {
      current: string;
      service: { start: string };
      releases: Array<{ sha: string; status: string }>;
    };
  const statusOf = (s: string) => manifest().releases.find((r) => r.sha === s)?.status;
  const runs = () => readlinkSync(`/proc/${readFileSync(join(app, "svc.pid"), "utf8").trim()}/exe`);
  const deploy = async (v: string, extraVars: Record<string, unknown> = {}, signal?: AbortSignal) => {
    const r = await run({ extraVars: { artifact: join(dir, v), ...extraVars }, ...(signal ? { signal } : {}) });
    return { ...r, msg: r.of("h1", "deploy svc")?.msg ?? "" };
  };

  beforeAll(async () => {
    // v1, v2: sleep(1) with different bytes after its end (each runs, another sha); v4 exits at once
    for (const [v, from] of [
      ["v1", "/bin/sleep"],
      ["v2", "/bin/sleep"],
      ["v4", "/bin/false"],
      ["v5", "/bin/sleep"],
    ] as const) {
      copyFileSync(from, join(dir, v));
      appendFileSync(join(dir, v), `\n${v}\n`);
    }
    for (const v of ["v1", "v2"]) {
      const r = await deploy(v);
      expect(r.result.recap.h1, r.msg).toMatchObject({ failed: 0 });
      sha[v] = r.result.deployed!.svc!.hosts.h1 as string;
      said[v] = r.msg;
    }
  }, 60_000);

  afterAll(() => {
    const pidfile = join(app, "svc.pid");
    if (existsSync(pidfile))
      try {
        process.kill(Number(readFileSync(pidfile, "utf8").trim()));
      } catch {
        /* already gone */
      }
  });

  it("a first start says started, a later one restarted (issue 20 #10)", () => {
    expect(said.v1).toMatch(/^svc [0-9a-f]{12} is current and healthy, started \(pid \d+\)$/);
    expect(said.v2).toMatch(/^svc [0-9a-f]{12} is current and healthy, restarted \(pid \d+\)$/);
  });

  it("a start command that cannot work: the release stays good, the old spec goes back and the service runs", async () => {
    const r = await deploy("v2", { seconds: "not-a-number" });
    expect(exitForRecap(r.result.recap)).toBe(EXIT.failed);
    expect(r.msg).toMatch(
      /^the new service commands of svc failed: no process runs, not release [0-9a-f]{12}; the old spec is restored and release [0-9a-f]{12} restarted, which is healthy/,
    );
    expect(current()).toBe(sha.v2);
    expect(manifest()).toMatchObject({ current: sha.v2, service: { start: expect.stringContaining(" 600 ") } });
    expect([statusOf(sha.v1!), statusOf(sha.v2!)]).toEqual(["good", "good"]);
    expect(runs()).toContain(`/releases/${sha.v2}/`);
  });

  it("after a rollback to v1, a v4 that dies at start goes back to v1, which served, not to v2, the newest good", async () => {
    const back = await rollback({
      inventory: join(dir, "hosts.yaml"),
      app: "svc",
      appDir: `${dir}/{{ inventory_hostname }}`,
    });
    expect(exitForRecap(back.recap)).toBe(EXIT.ok);
    expect(current()).toBe(sha.v1);
    const r = await deploy("v4");
    expect(exitForRecap(r.result.recap)).toBe(EXIT.failed);
    expect(r.msg).toMatch(new RegExp(`; rolled back to ${sha.v1}, which is healthy; it served before this run`));
    expect(current()).toBe(sha.v1);
    expect(manifest().current).toBe(sha.v1);
    expect(runs()).toContain(`/releases/${sha.v1}/`);
  });

  it("SIGTERM during the health check: past the switch, the new release serves unjudged (unfinished), the one before stays good, the check's process is gone, and the next run judges it", async () => {
    const before = current()!;
    const began = join(dir, "health-began");
    // the health command says when it runs, then waits far longer than the test
    const health = `touch ${began}; exec sleep 3171`;
    const stop = new AbortController();
    const watch = setInterval(() => existsSync(began) && stop.abort(), 20);
    const r = await deploy("v5", { health }, stop.signal).finally(() => clearInterval(watch));
    expect(exitForRecap(r.result.recap)).toBe(EXIT.failed);
    expect(r.msg).toMatch(/^interrupted \(SIGINT\/SIGTERM\): the command in flight was stopped/);
    const v5 = current()!;
    expect(v5).not.toBe(before);
    expect([statusOf(before), statusOf(v5)]).toEqual(["good", "unfinished"]);
    expect(runs()).toContain(`/releases/${v5}/`);
    expect(() => execFileSync("pgrep", ["-f", "sleep 3171"])).toThrow();
    const again = await deploy("v5");
    expect(exitForRecap(again.result.recap)).toBe(EXIT.ok);
    expect([current(), statusOf(v5)]).toEqual([v5, "good"]);
  });
});
