// Issue 11 end to end: examples/hello cross-built once on the controller and deployed by
// playbooks/deploy.yaml to 3 ARM64 hosts, canary first; a bad release rolled back on the canary
// alone; SIGKILL of the controller at two points of a deploy; two controllers at once.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ensureControllerGo } from "../../src/lab/controller-go.js";
import type { Manifest } from "../../src/modules/deploy/manifest.js";
import { armgo, CLI, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const PLAYBOOK = join(import.meta.dirname, "../../playbooks/deploy.yaml");
const HELLO = join(import.meta.dirname, "../../examples/hello");

describe("deploy.yaml: hello onto 3 ARM64 hosts, canary first", () => {
  let fleet: Fleet;
  let dir: string;
  let hosts: string[];
  let canary: string;
  let others: string[];
  let builds: string;
  let inventory: string;
  /** The lab's hosts share the machine's network (host networking): each serves on its own port. */
  const port: Record<string, number> = {};
  /** The sha prefix each version's release got, learned from the first host that ran it. */
  const shaOf: Record<string, string> = {};

  beforeAll(async () => {
    let go: string;
    [fleet, go] = await Promise.all([startFleet({ arm64: 3 }), ensureControllerGo()]);
    hosts = fleet.hosts.map((h) => h.name);
    [canary, ...others] = hosts as [string, ...string[]];
    dir = mkdtempSync(join(tmpdir(), "armgo-deploy-"));
    // the go command, counting its builds
    builds = join(dir, "builds.log");
    writeFileSync(join(dir, "go"), `#!/bin/sh\n[ "$1" = build ] && echo "$*" >> '${builds}'\nexec '${go}' "$@"\n`);
    chmodSync(join(dir, "go"), 0o755);
    const inv = parse(readFileSync(fleet.inventoryPath, "utf8")) as {
      all: { children: { arm64: { hosts: Record<string, Record<string, unknown>> } } };
    };
    for (const h of hosts) inv.all.children.arm64.hosts[h]!.hello_port = port[h] = await freePort();
    inventory = join(dir, "inventory.yaml");
    writeFileSync(inventory, stringify(inv));
  });
  afterAll(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const args = (playbook: string, version: string, ...extra: string[]) => [
    "play",
    playbook,
    "-i",
    inventory,
    "--audit-dir",
    join(dir, "audit"),
    "-e",
    `go=${join(dir, "go")}`,
    "-e",
    `hello_dir=${HELLO}`,
    "-e",
    `hello_version=${version}`,
    // many emulated hosts on one CI machine: a Go binary may take a while to answer
    "-e",
    "health_timeout=240",
    ...extra,
  ];
  const play = (version: string, ...extra: string[]) => armgo(args(PLAYBOOK, version, ...extra));
  /** Another controller: its own cache, so its own run lock; only the hosts' locks stand between the two. */
  const playElsewhere = (version: string) =>
    armgo(args(PLAYBOOK, version), { env: { ARMGO_CACHE: join(dir, "controller-2") } });
  const on = async (host: string, script: string) => (await fleet.exec(host, script)).stdout;
  const serves = (host: string) => on(host, `curl -sS --max-time 30 http://127.0.0.1:${port[host]}/`);
  const pid = (host: string) => on(host, "cat /opt/hello/hello.pid");
  const manifest = async (host: string) =>
    JSON.parse(await on(host, "cat /opt/hello/releases.json")) as Manifest & { current?: string };
  const buildCount = () => (existsSync(builds) ? readFileSync(builds, "utf8").trim().split("\n").length : 0);
  const events = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            result?: { host: string; module: string; msg: string; data: Record<string, any> };
          },
      );
  const deployResults = (stdout: string) =>
    events(stdout)
      .filter((e) => e.type === "task_result" && e.result!.module === "deploy")
      .map((e) => e.result!);

  /** The playbook with the deploy task's fields changed: a blocking precheck or health command the test controls. */
  function variant(name: string, change: Record<string, unknown>): string {
    const plays = parse(readFileSync(PLAYBOOK, "utf8")) as Array<{ tasks: Array<{ deploy: Record<string, unknown> }> }>;
    Object.assign(plays[0]!.tasks[0]!.deploy, change);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(plays));
    return file;
  }

  /** Start a run, wait until `marker` exists on the canary, SIGKILL the controller. */
  async function killWhen(playbook: string, version: string, marker: string): Promise<void> {
    const child = spawn(process.execPath, [CLI, ...args(playbook, version)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    let gone = false;
    const exited = new Promise<void>((res) =>
      child.on("exit", () => {
        gone = true;
        res();
      }),
    );
    let seen = false;
    for (let i = 0; i < 600 && !seen && !gone; i++) {
      seen = (await fleet.exec(canary, `test -e ${marker}`)).code === 0;
      if (!seen) await new Promise((res) => setTimeout(res, 250));
    }
    child.kill("SIGKILL");
    await exited;
    expect(seen, output).toBe(true);
    // the blocked command the killed run left on the canary may end now
    await fleet.exec(canary, `touch ${marker.replace(/-started$/, "-go")}`);
  }

  it("cross-builds once, deploys the canary then the rest; every host serves the new version", async () => {
    const r = await play("1.0.0", "--json");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(buildCount()).toBe(1);
    const results = deployResults(r.stdout);
    // serial [1, "100%"]: the canary's result comes before any other host's
    expect(results.map((x) => x.host)[0]).toBe(canary);
    expect(results.map((x) => x.host).sort()).toEqual([...hosts].sort());
    const shas = new Set(results.map((x) => x.data.deployed.release));
    expect(shas.size).toBe(1);
    shaOf["1.0.0"] = [...shas][0];
    for (const x of results)
      expect(x.data).toMatchObject({
        deployed: { app: "hello", release: shaOf["1.0.0"] },
        previous: null,
        restarted: true,
      });
    for (const h of hosts) {
      expect(await serves(h)).toBe("hello 1.0.0\n");
      const m = await manifest(h);
      expect(m.current).toBe(shaOf["1.0.0"]);
      expect(m.releases).toEqual([
        expect.objectContaining({ sha: shaOf["1.0.0"], status: "good", artifact: `build:${HELLO}` }),
      ]);
      expect(await on(h, "readlink /opt/hello/current")).toBe(`releases/${shaOf["1.0.0"]}\n`);
    }
  });

  it("a rerun changes nothing and restarts nothing; --check of a new version names the release and the restart", async () => {
    const before = await Promise.all(hosts.map(pid));
    const r = await play("1.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of hosts) expect(recap(r.stdout)[h]).toMatchObject({ changed: 0, failed: 0 });
    expect(r.stdout).toContain(`hello ${shaOf["1.0.0"]} is current and good, pid`);
    expect(await Promise.all(hosts.map(pid))).toEqual(before);

    const check = await play("2.0.0", "--check");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(
      new RegExp(
        `would upload build:.* as release [0-9a-f]{12}; switch current ${shaOf["1.0.0"]} -> [0-9a-f]{12}; restart the service \\(pid \\d+ runs ${shaOf["1.0.0"]}\\); health-check`,
      ),
    );
    for (const h of hosts) {
      expect((await manifest(h)).releases).toHaveLength(1);
      expect(await on(h, "ls /opt/hello/releases")).toBe(`${shaOf["1.0.0"]}\n`);
    }
    expect(await Promise.all(hosts.map(pid))).toEqual(before);
  });

  it("a release failing its health check: the canary is rolled back and serves the old version, the others are never touched, exit 2", async () => {
    const before = await Promise.all(
      others.map((h) => on(h, "cat /opt/hello/releases.json; cat /opt/hello/hello.pid")),
    );
    const r = await play("2.0.0", "-e", "hello_ldflags=-X main.healthStatus=500", "-e", "health_retries=3");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(
        `fatal: \\[${canary}\\]: FAILED! release ([0-9a-f]{12}) of hello is bad: health check failed after 3 attempt\\(s\\): HTTP 500, want 200.*; rolled back to ${shaOf["1.0.0"]}, which is healthy`,
      ),
    );
    const bad = /release ([0-9a-f]{12}) of hello is bad/.exec(r.stdout)![1]!;
    expect(await serves(canary)).toBe("hello 1.0.0\n");
    const m = await manifest(canary);
    expect(m.current).toBe(shaOf["1.0.0"]);
    expect(m.releases.map((x) => [x.sha, x.status])).toEqual([
      [shaOf["1.0.0"], "good"],
      [bad, "bad"],
    ]);
    expect(await on(canary, "readlink /opt/hello/current")).toBe(`releases/${shaOf["1.0.0"]}\n`);
    expect(
      await Promise.all(others.map((h) => on(h, "cat /opt/hello/releases.json; cat /opt/hello/hello.pid"))),
    ).toEqual(before);
    for (const h of others) expect(await serves(h)).toBe("hello 1.0.0\n");
  });

  it("SIGKILL between upload and switch: every host serves 1.0.0; the next run takes the lock over and converges", async () => {
    const blocking = variant("pre", {
      precheck: "touch /tmp/pre-started; while [ ! -e /tmp/pre-go ]; do sleep 0.2; done; ./hello -version",
    });
    await killWhen(blocking, "3.0.0", "/tmp/pre-started");
    const m = await manifest(canary);
    expect(m.current).toBe(shaOf["1.0.0"]);
    const left = m.releases.at(-1)!;
    expect(left.status).toBe("unfinished");
    // the release directory is complete (renamed in after its hash matched), current never moved
    expect(await on(canary, `ls /opt/hello/releases/${left.sha}`)).toBe("hello\n");
    for (const h of hosts) expect(await serves(h)).toBe("hello 1.0.0\n");

    const r = await play("3.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`took over the stale lock`);
    for (const h of hosts) {
      expect(await serves(h)).toBe("hello 3.0.0\n");
      const mh = await manifest(h);
      expect(mh.current).toBe(left.sha);
      expect(mh.releases.find((x) => x.sha === left.sha)!.status).toBe("good");
    }
    shaOf["3.0.0"] = left.sha;
  });

  it("SIGKILL between switch and health check: the canary serves the complete new release; the next run health-checks it without a restart, marks it good and converges", async () => {
    const blocking = variant("hc", {
      health: {
        command:
          "touch /tmp/hc-started; while [ ! -e /tmp/hc-go ]; do sleep 0.2; done; curl -fsS http://127.0.0.1:{{ hello_port }}/healthz",
        timeout: 300,
      },
    });
    await killWhen(blocking, "4.0.0", "/tmp/hc-started");
    const m = await manifest(canary);
    const left = m.releases.at(-1)!;
    expect([m.current, left.status]).toEqual([left.sha, "unfinished"]);
    expect(await serves(canary)).toBe("hello 4.0.0\n");
    for (const h of others) expect(await serves(h)).toBe("hello 3.0.0\n");
    const canaryPid = await pid(canary);

    const r = await play("4.0.0", "--json");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const first = deployResults(r.stdout).find((x) => x.host === canary)!;
    expect(first.data).toMatchObject({ deployed: { release: left.sha }, restarted: false });
    expect(await pid(canary)).toBe(canaryPid);
    for (const h of hosts) {
      expect(await serves(h)).toBe("hello 4.0.0\n");
      expect((await manifest(h)).releases.find((x) => x.sha === left.sha)!.status).toBe("good");
    }
    shaOf["4.0.0"] = left.sha;
  });

  it("two controllers deploying at once: one stops naming the lock holder, the other deploys; releases never interleave", async () => {
    const [a, b] = await Promise.all([play("5.0.0"), playElsewhere("6.0.0")]);
    const [win, lose, winV, loseV] = a.code === 0 ? [a, b, "5.0.0", "6.0.0"] : [b, a, "6.0.0", "5.0.0"];
    expect(win.code, win.stdout + win.stderr).toBe(0);
    expect(lose.code, lose.stdout + lose.stderr).toBe(2);
    expect(lose.stdout).toMatch(new RegExp(`FAILED! .*is held by run [0-9a-f-]+ from \\S+ \\(pid \\d+\\)`));
    const shas = new Set<string>();
    for (const h of hosts) {
      expect(await serves(h)).toBe(`hello ${winV}\n`);
      const m = await manifest(h);
      shas.add(m.current!);
      // the loser changed nothing anywhere: the newest release is the winner's and it is current
      expect(m.releases.at(-1)!.sha).toBe(m.current);
      expect(m.releases.filter((x) => x.status === "unfinished")).toEqual([]);
    }
    expect(shas.size).toBe(1);
    expect(loseV).not.toBe(winV);
  });
});
