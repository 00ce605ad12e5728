// Issue 18: zero-downtime restarts. Every host of 3 amd64 systemd hosts gets a bounded stream of
// requests on loopback (20/s each) through a canary rollout of v2 and a failing v3 that is rolled
// back: with socket activation (hello.socket) not one request is refused or fails. The same without
// the socket, and with `type: command`, is measured and printed (not asserted): the restart gap.
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Fleet } from "./fleet.js";
import { type HelloFleet, startHelloFleet } from "./hello-fleet.js";

const PLAYBOOK = join(import.meta.dirname, "../../playbooks/deploy-systemd.yaml");

/** The fields of the playbook's deploy task a variant changes. */
interface DeployTask {
  app: string;
  app_dir: string;
  precheck: string;
  service: Record<string, unknown>;
  health: { http: string };
}

interface Tally {
  sent: number;
  ok: number;
  /** Connection refused or reset, timed out, or an answer other than 200. */
  failed: number;
  /** What answered, by body ("hello 2.0.0"). */
  bodies: Record<string, number>;
  /** The longest time between two successes with only failures between them, in ms. */
  gapMs: number;
  /** Why requests failed, by cause ("ECONNRESET", "timeout", "HTTP 503"), with when (ms since the start). */
  why: Record<string, number[]>;
}

/** One GET on a new connection (no keep-alive: each request meets the listening socket). */
function get(port: number): Promise<{ body: string } | { why: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve(res.statusCode === 200 ? { body: body.trim() } : { why: `HTTP ${res.statusCode}` }));
      res.on("error", (e: NodeJS.ErrnoException) => resolve({ why: `response ${e.code ?? e.message}` }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ why: e.code ?? e.message }));
    req.end();
  });
}

/** A TCP connect only: refused while nothing listens. An outcome as get's. */
function connects(port: number): Promise<{ body: string } | { why: string }> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.setTimeout(5_000, () => (s.destroy(), resolve({ why: "timeout" })));
    s.once("connect", () => (s.destroy(), resolve({ body: "connected" })));
    s.once("error", (e: NodeJS.ErrnoException) => resolve({ why: e.code ?? e.message }));
  });
}

/**
 * `rate` requests a second on `port` until stop() or `maxSeconds` (it stops by itself); each request's
 * outcome is counted when it ends. `probe` sends connects only (a finer measure of a gap).
 */
function hammer(port: number, opts: { rate: number; maxSeconds: number; probe?: boolean }) {
  const tally: Tally = { sent: 0, ok: 0, failed: 0, bodies: {}, gapMs: 0, why: {} };
  const start = Date.now();
  const pending: Array<Promise<void>> = [];
  let lastOk = Date.now();
  let failing = false;
  const one = async () => {
    tally.sent += 1;
    const got = await (opts.probe ? connects(port) : get(port));
    const now = Date.now();
    if ("why" in got) {
      (tally.why[got.why] ??= []).push(now - start);
      tally.failed += 1;
      failing = true;
      return;
    }
    tally.ok += 1;
    tally.bodies[got.body] = (tally.bodies[got.body] ?? 0) + 1;
    if (failing) tally.gapMs = Math.max(tally.gapMs, now - lastOk);
    failing = false;
    lastOk = Math.max(lastOk, now);
  };
  const timer = setInterval(() => pending.push(one()), 1000 / opts.rate);
  const bound = setTimeout(() => clearInterval(timer), opts.maxSeconds * 1000);
  return {
    async stop(): Promise<Tally> {
      clearInterval(timer);
      clearTimeout(bound);
      await Promise.all(pending);
      return tally;
    },
  };
}

describe("zero-downtime restarts on 3 amd64 systemd hosts, 20 requests/s each", () => {
  let fleet: Fleet;
  let dir: string;
  let hosts: string[];
  const port: Record<string, number> = {};
  /** The command service's own port (another app beside hello). */
  const cmdPort: Record<string, number> = {};

  let hello: HelloFleet;

  beforeAll(async () => {
    hello = await startHelloFleet({
      amd64: 3,
      init: "systemd",
      name: "zero-downtime",
      portVars: ["hello_port", "cmd_port"],
    });
    ({ fleet, dir, hosts } = hello);
    Object.assign(port, hello.ports.hello_port);
    Object.assign(cmdPort, hello.ports.cmd_port);
    const r = await play(PLAYBOOK, "1.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
  afterAll(() => hello?.stop());

  const play = (playbook: string, version: string, ...extra: string[]) => hello.play(playbook, version, ...extra);
  const on = async (host: string, script: string) => (await fleet.exec(host, script)).stdout;
  const socketSince = (host: string) =>
    on(host, "systemctl show -p ActiveEnterTimestampMonotonic --value hello.socket");

  /** deploy-systemd.yaml with the deploy task's fields changed. */
  function variant(name: string, change: (deploy: DeployTask) => void): string {
    const plays = parse(readFileSync(PLAYBOOK, "utf8")) as Array<{ tasks: Array<{ deploy: DeployTask }> }>;
    change(plays[0]!.tasks[0]!.deploy);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(plays));
    return file;
  }

  /** Hammer every host (and probe the first one's port 200 times a second) while `during` runs. */
  async function underLoad(
    ports: Record<string, number>,
    during: () => Promise<void>,
  ): Promise<{ perHost: Record<string, Tally>; probe: Tally }> {
    const streams = hosts.map((h) => [h, hammer(ports[h]!, { rate: 20, maxSeconds: 240 })] as const);
    const probe = hammer(ports[hosts[0]!]!, { rate: 200, maxSeconds: 240, probe: true });
    try {
      await during();
    } finally {
      // the last restart's requests have landed
      await new Promise((r) => setTimeout(r, 500));
    }
    const perHost = Object.fromEntries(await Promise.all(streams.map(async ([h, s]) => [h, await s.stop()] as const)));
    return { perHost, probe: await probe.stop() };
  }

  /** v(n) rolled out canary first, then v(n+1) failing its health check, rolled back on the canary. */
  async function rolloutAndFailure(playbook: string, good: string, bad: string): Promise<void> {
    const r = await play(playbook, good);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const f = await play(playbook, bad, "-e", "hello_ldflags=-X main.healthStatus=500", "-e", "health_retries=2");
    expect(f.code, f.stdout + f.stderr).toBe(2);
    expect(f.stdout).toMatch(/rolled back to [0-9a-f]{12}, which is healthy/);
  }

  const report = (what: string, t: { perHost: Record<string, Tally>; probe: Tally }) => {
    const sent = Object.values(t.perHost).reduce((n, x) => n + x.sent, 0);
    const failed = Object.values(t.perHost).reduce((n, x) => n + x.failed, 0);
    const gap = Math.max(...Object.values(t.perHost).map((x) => x.gapMs), t.probe.gapMs);
    console.log(
      `[zero-downtime] ${what}: ${failed} of ${sent} requests failed; longest gap ${gap} ms (connect probe: ${t.probe.failed} of ${t.probe.sent} refused, gap ${t.probe.gapMs} ms); why: ${JSON.stringify(
        Object.fromEntries(
          Object.entries(t.perHost)
            .filter(([, x]) => x.failed > 0)
            .map(([h, x]) => [h, x.why]),
        ),
      )}; probe why: ${JSON.stringify(t.probe.why)}`,
    );
    return { sent, failed };
  };

  it("socket activation: not one request refused or failed through a canary rollout of v2 and a failing v3 rolled back", async () => {
    const sockets = await Promise.all(hosts.map(socketSince));
    const t = await underLoad(port, () => rolloutAndFailure(PLAYBOOK, "2.0.0", "3.0.0"));
    const { sent, failed } = report("systemd + hello.socket", t);
    expect(failed).toBe(0);
    expect(t.probe.failed).toBe(0);
    expect(sent).toBeGreaterThan(hosts.length * 20);
    for (const h of hosts) {
      expect(t.perHost[h]!.bodies["hello 1.0.0"], h).toBeGreaterThan(0);
      expect(t.perHost[h]!.bodies["hello 2.0.0"], h).toBeGreaterThan(0);
    }
    // the failing v3 left the previous release serving, on the socket that never closed
    for (const h of hosts)
      expect(await on(h, `curl -sS --max-time 10 http://127.0.0.1:${port[h]}/`)).toBe("hello 2.0.0\n");
    expect(await Promise.all(hosts.map(socketSince))).toEqual(sockets);
  });

  it("without the socket (the unit binds its own port), then type: command: the requests that fail are measured and printed", async () => {
    const plain = variant("plain", (d) => delete d.service.socket);
    const moved = await play(plain, "2.0.0");
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(await on(hosts[0]!, "test -e /etc/systemd/system/hello.socket && echo kept || echo removed")).toBe(
      "removed\n",
    );
    const plainT = report(
      "systemd, no socket",
      await underLoad(port, () => rolloutAndFailure(plain, "4.0.0", "5.0.0")),
    );
    expect(plainT.sent).toBeGreaterThan(hosts.length * 20);

    const command = variant("command", (d) => {
      d.app = "hello-cmd";
      d.app_dir = "/opt/hello-cmd";
      // the binary is named after the app
      d.precheck = "./hello-cmd -version";
      d.service = {
        type: "command",
        start: "nohup ./current/hello-cmd -port {{ cmd_port }} > hello.log 2>&1 & echo $! > hello.pid",
        pidfile: "/opt/hello-cmd/hello.pid",
      };
      d.health.http = "http://127.0.0.1:{{ cmd_port }}/healthz";
    });
    const first = await play(command, "1.0.0");
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const cmdT = report("type: command", await underLoad(cmdPort, () => rolloutAndFailure(command, "2.0.0", "3.0.0")));
    expect(cmdT.sent).toBeGreaterThan(hosts.length * 20);
  });
});
