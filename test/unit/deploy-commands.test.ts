// `armgo releases` and `armgo rollback` on `connection: local` hosts: releases read from hand-written
// manifests, and a rollback through the deploy module of two real releases (copies of sleep(1)).
import { Chalk } from "chalk";
import {
  copyFileSync,
  appendFileSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releasesTable } from "../../src/cli/deploy.js";
import { EXIT, exitForRecap, exitForReleases } from "../../src/cli/exit.js";
import { releases } from "../../src/commands/releases.js";
import { rollback } from "../../src/commands/rollback.js";
import { InputError } from "../../src/errors.js";
import { emptyRecap, type RunEvent } from "../../src/engine/types.js";
import { setup } from "./engine-local.js";

const A = "aaaaaaaaaaaa";
const B = "bbbbbbbbbbbb";
const manifest = (current: string | undefined, rels: Array<[string, string]>) =>
  JSON.stringify({
    format: 1,
    app: "svc",
    ...(current ? { current } : {}),
    service: { type: "command", start: "true", pidfile: "/nonexistent/svc.pid" },
    releases: rels.map(([sha, status], i) => ({
      sha,
      artifact: `svc-${i + 1}`,
      status,
      deployed_at: `2026-11-28T08:0${i}:00.000Z`,
      run: `run-${i + 1}`,
    })),
  });

describe("armgo releases", () => {
  const hosts = ["h1", "h2", "h3", "h4", "h5"];
  // h1: two releases, current by its link; h2: nothing deployed; h3: a broken manifest;
  // h4: nothing listens there; h5: the manifest says A, the link (what is served) says B
  const { dir } = setup("- hosts: g\n  tasks: []\n", hosts, { h4: { connection: "ssh", host: "127.0.0.1", port: 1 } });
  const inventory = join(dir, "hosts.yaml");
  const appDir = `${dir}/{{ inventory_hostname }}`;
  beforeAll(() => {
    for (const h of hosts) mkdirSync(join(dir, h, "releases"), { recursive: true });
    writeFileSync(
      join(dir, "h1", "releases.json"),
      manifest(B, [
        [A, "good"],
        [B, "bad"],
      ]),
    );
    symlinkSync(`releases/${B}`, join(dir, "h1", "current"));
    writeFileSync(join(dir, "h3", "releases.json"), "{ not json");
    writeFileSync(
      join(dir, "h5", "releases.json"),
      manifest(A, [
        [A, "good"],
        [B, "unfinished"],
      ]),
    );
    symlinkSync(`releases/${B}`, join(dir, "h5", "current"));
  });

  it("per host: current and kept releases, nothing deployed, a broken manifest, an unreachable host", async () => {
    const report = await releases({ inventory, app: "svc", appDir, auditDir: join(dir, "audit") });
    const rel = (sha: string, status: string, i: number) => ({
      sha,
      artifact: `svc-${i}`,
      status,
      deployed_at: `2026-11-28T08:0${i - 1}:00.000Z`,
      run: `run-${i}`,
    });
    expect(report.hosts.h1).toEqual({ current: B, releases: [rel(A, "good", 1), rel(B, "bad", 2)] });
    expect(report.hosts.h2).toEqual({ releases: [] });
    expect(report.hosts.h3).toEqual({ failed: expect.stringMatching(/releases\.json of svc is not JSON/) });
    expect(report.hosts.h4).toEqual({ unreachable: expect.stringMatching(/127\.0\.0\.1|refused/) });
    expect(report.hosts.h5).toMatchObject({ current: B });
    expect(exitForReleases(report)).toBe(EXIT.unreachable);

    const lines = releasesTable(report, new Chalk({ level: 0 }));
    expect(lines[0]).toMatch(/^HOST +RELEASE +STATUS +DEPLOYED +ARTIFACT +RUN$/);
    // newest first, the current one starred
    expect(lines[1]).toMatch(new RegExp(`^h1 +\\* +${B} +bad +2026-11-28T08:01:00.000Z +svc-2 +run-2$`));
    expect(lines[2]).toMatch(new RegExp(`^ +${A} +good +2026-11-28T08:00:00.000Z +svc-1 +run-1$`));
    expect(lines[3]).toMatch(new RegExp(`^h2 +nothing deployed in ${dir}/\\{\\{ inventory_hostname \\}\\}$`));
    expect(lines[4]).toMatch(/^h3 +FAILED: .*not JSON/);
    expect(lines[5]).toMatch(/^h4 +UNREACHABLE: /);
  });

  it("changes nothing and writes an audit record per host", async () => {
    const before = readFileSync(join(dir, "h1", "releases.json"), "utf8");
    await releases({ inventory, app: "svc", appDir, limit: "h1", auditDir: join(dir, "audit2") });
    expect(readFileSync(join(dir, "h1", "releases.json"), "utf8")).toBe(before);
    expect(readlinkSync(join(dir, "h1", "current"))).toBe(`releases/${B}`);
    const audit = readFileSync(join(dir, "audit2", "h1.jsonl"), "utf8");
    expect(audit).toMatch(/"playbook":"armgo releases --app svc"/);
    expect(audit).toMatch(/"check":true/);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ["an app name deploy refuses", { app: "../etc" }, /^--app: 'app' must match pattern/],
    ["a relative app dir", { app: "svc", appDir: "opt/svc" }, /^--app-dir: 'app_dir' must match pattern/],
    ["a --limit that names no host", { app: "svc", limit: "nosuch" }, /--limit/],
  ])("bad input, nothing contacted: %s", async (_name, o, message) => {
    const err = await releases({
      inventory,
      app: o.app!,
      ...(o.appDir ? { appDir: o.appDir } : {}),
      ...(o.limit ? { limit: o.limit } : {}),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  });
});

describe("armgo rollback", () => {
  const playbook = `
- hosts: g
  gather_facts: false
  serial: [1, "100%"]
  tasks:
    - deploy:
        app: svc
        app_dir: "DIR/{{ inventory_hostname }}"
        artifact: "{{ artifact }}"
        service:
          type: command
          start: nohup ./current/svc 600 > /dev/null 2>&1 & echo $! > svc.pid
          pidfile: "DIR/{{ inventory_hostname }}/svc.pid"
        health: { command: "test -x current/svc", retries: 2, interval: 0 }
`;
  const { dir, run } = setup(playbook, ["h1", "h2"]);
  const inventory = join(dir, "hosts.yaml");
  const appDir = `${dir}/{{ inventory_hostname }}`;
  const sha: Record<string, string> = {};
  const current = (h: string) =>
    readlinkSync(join(dir, h, "current"))
      .split("/")
      .pop();

  beforeAll(async () => {
    // two releases that run: sleep(1), and sleep(1) with bytes after its end (still runs, another sha)
    copyFileSync("/bin/sleep", join(dir, "v1"));
    copyFileSync("/bin/sleep", join(dir, "v2"));
    appendFileSync(join(dir, "v2"), "\nv2\n");
    for (const v of ["v1", "v2"]) {
      const r = await run({ extraVars: { artifact: join(dir, v) } });
      expect(r.result.recap.h2, JSON.stringify(r.results.map((x) => x.msg))).toMatchObject({
        failed: 0,
        unreachable: 0,
      });
      sha[v] = r.result.deployed!.svc!.hosts.h1 as string;
    }
  }, 60_000);

  afterAll(() => {
    for (const h of ["h1", "h2"]) {
      const pidfile = join(dir, h, "svc.pid");
      if (existsSync(pidfile))
        try {
          process.kill(Number(readFileSync(pidfile, "utf8").trim()));
        } catch {
          /* already gone */
        }
    }
  });

  it("--check says which release would become current and changes nothing", async () => {
    expect(current("h1")).toBe(sha.v2);
    const events: RunEvent[] = [];
    const r = await rollback({
      inventory,
      app: "svc",
      appDir,
      check: true,
      auditDir: join(dir, "audit"),
      onEvent: (e) => events.push(e),
    });
    expect(exitForRecap(r.recap)).toBe(EXIT.ok);
    const msgs = events.flatMap((e) => (e.type === "task_result" ? [e.result.msg] : []));
    expect(msgs.join("\n")).toContain(sha.v1);
    expect([current("h1"), current("h2")]).toEqual([sha.v2, sha.v2]);
  });

  it("goes back to the last good release on every host, canary first, and says so in the recap", async () => {
    const events: RunEvent[] = [];
    const r = await rollback({
      inventory,
      app: "svc",
      appDir,
      auditDir: join(dir, "audit"),
      onEvent: (e) => events.push(e),
    });
    expect(exitForRecap(r.recap)).toBe(EXIT.ok);
    expect([current("h1"), current("h2")]).toEqual([sha.v1, sha.v1]);
    expect(r.deployed).toEqual({ svc: { hosts: { h1: sha.v1, h2: sha.v1 }, not_started: [], unknown: [] } });
    const recap = events.find((e) => e.type === "recap");
    expect(recap).toMatchObject({ deployed: r.deployed });
    // the canary ran alone: h1's rollback was done before h2 gathered facts
    const at = (host: string, module: string) =>
      events.findIndex((e) => e.type === "task_result" && e.result.host === host && e.result.module === module);
    expect(at("h1", "deploy")).toBeGreaterThan(-1);
    expect(at("h1", "deploy")).toBeLessThan(at("h2", "facts"));
    // the process runs the release rolled back to
    const pid = readFileSync(join(dir, "h2", "svc.pid"), "utf8").trim();
    expect(readlinkSync(`/proc/${pid}/exe`)).toContain(`/releases/${sha.v1}/`);

    const report = await releases({ inventory, app: "svc", appDir, auditDir: join(dir, "audit") });
    expect(report.hosts.h1).toMatchObject({ current: sha.v1 });
    expect((report.hosts.h1 as { releases: unknown[] }).releases).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sha: sha.v1, status: "good" }),
        expect.objectContaining({ sha: sha.v2, status: "good" }),
      ]),
    );
  });

  it("--to a release: back to v2, through the same module", async () => {
    const r = await rollback({ inventory, app: "svc", appDir, to: sha.v2!.slice(0, 6), auditDir: join(dir, "audit") });
    expect(exitForRecap(r.recap)).toBe(EXIT.ok);
    expect([current("h1"), current("h2")]).toEqual([sha.v2, sha.v2]);
  });

  it("--to a sha no host keeps fails the canary, says how to name one, and leaves the other host as it is", async () => {
    const events: RunEvent[] = [];
    const r = await rollback({
      inventory,
      app: "svc",
      appDir,
      to: "0123abcd",
      auditDir: join(dir, "audit"),
      onEvent: (e) => events.push(e),
    });
    expect(exitForRecap(r.recap)).toBe(EXIT.failed);
    const failed = events.flatMap((e) =>
      e.type === "task_result" && e.result.status === "failed" ? [e.result.msg] : [],
    );
    // the module lists the releases; the command, which has the flag, says how to name one
    expect(failed).toEqual([
      expect.stringMatching(
        /no single release of svc matches '0123abcd'; releases on the host: .* — name one with --to SHA \(armgo releases lists them\)$/,
      ),
    ]);
    // the host the stopped rollout never reached is in the recap, with nothing counted
    expect(Object.keys(r.recap)).toEqual(["h1", "h2"]);
    expect(r.recap.h2).toEqual(emptyRecap());
    expect([current("h1"), current("h2")]).toEqual([sha.v2, sha.v2]);
  });

  it("--to something not a sha is bad input", async () => {
    await expect(rollback({ inventory, app: "svc", to: "HEAD~1" })).rejects.toThrow(/^--to: /);
  });
});
