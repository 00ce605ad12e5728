// deploy: the plan as a table (args + host state → steps), the manifest (parse, prune) as tables,
// the systemd unit as text and checked by systemd-analyze verify, the probe's parse of real sh output.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManifestError } from "../../src/errors.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import { schemaProblems } from "../../src/load/schema.js";
import type { ModuleContext } from "../../src/modules/contract.js";
import { deploy } from "../../src/modules/deploy/index.js";
import {
  emptyManifest,
  lastGood,
  manifestText,
  parseManifest,
  pruneReleases,
  type Manifest,
  type Release,
  type ReleaseStatus,
  type ServiceSpec,
  type SystemdService,
} from "../../src/modules/deploy/manifest.js";
import { planDeploy, recordedService, socketSha256, unitSha256 } from "../../src/modules/deploy/plan.js";
import type { DeployArgs, DeployState } from "../../src/modules/deploy/types.js";
import { healthScript, healthTimeoutMs, parseHealth } from "../../src/modules/deploy/health.js";
import type { HealthSpec } from "../../src/modules/deploy/manifest.js";
import { restartScript, stopScript } from "../../src/modules/deploy/service.js";
import { envSha256, renderSocket, renderUnit, systemdWord } from "../../src/modules/deploy/unit.js";
import { LocalTransport } from "../../src/transport/local.js";
import { createServer } from "node:net";
import { tempDir } from "./modules-helpers.js";

const A = "aaaaaaaaaaaa";
const B = "bbbbbbbbbbbb";
const C = "cccccccccccc";
const NEW = "0123456789ab";
const service: ServiceSpec = { type: "command", start: "./current/hello &", pidfile: "/opt/hello/hello.pid" };
const health = { http: "http://127.0.0.1:8080/healthz" };
const rel = (sha: string, status: ReleaseStatus): Release => ({
  sha,
  artifact: "hello",
  status,
  deployed_at: "2026-01-01T00:00:00Z",
  run: "r1",
});
const manifest = (current: string | undefined, ...releases: Release[]): Manifest => ({
  app: "hello",
  current,
  service,
  health,
  releases,
});
const args: DeployArgs = {
  app: "hello",
  service,
  health,
  resolved: { path: "/tmp/hello", sha256: NEW + "f".repeat(52), name: "hello" },
};
const temps: string[] = [];
const temp = (prefix: string): string => {
  const d = tempDir(prefix);
  temps.push(d);
  return d;
};
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const onHost = (m: Manifest, extra: Partial<DeployState> = {}): DeployState => ({
  manifest: m,
  current: m.current,
  dirs: m.releases.map((r) => r.sha),
  pid: 42,
  running: m.current,
  ...extra,
});

describe("deploy plan", () => {
  const deployed = onHost(manifest(NEW, rel(A, "good"), rel(NEW, "good")), { wantedSha256: args.resolved!.sha256 });
  it.each<[string, DeployState, Partial<DeployArgs>, string[]]>([
    ["first deploy", onHost(emptyManifest("hello"), { pid: undefined }), {}, ["upload", "switch", "restart", "verify"]],
    [
      "a new release over a good one",
      onHost(manifest(A, rel(A, "good"))),
      {},
      ["upload", "switch", "restart", "verify"],
    ],
    ["current and good, running: nothing", deployed, {}, []],
    ["current and good, but the process runs another binary", { ...deployed, running: A }, {}, ["restart", "verify"]],
    [
      "current and good, the service is down",
      { ...deployed, pid: undefined, running: undefined },
      {},
      ["restart", "verify"],
    ],
    [
      "the release dir is corrupt: uploaded again, no switch",
      { ...deployed, wantedSha256: "0".repeat(64) },
      {},
      ["upload", "restart", "verify"],
    ],
    [
      "current left unfinished and wanted: health-checked, not restarted",
      onHost(manifest(NEW, rel(A, "good"), rel(NEW, "unfinished")), { wantedSha256: args.resolved!.sha256 }),
      {},
      ["verify"],
    ],
    [
      "current left unfinished, another wanted: settled first",
      onHost(manifest(B, rel(A, "good"), rel(B, "unfinished"))),
      {},
      ["settle", "upload", "switch", "restart", "verify"],
    ],
    [
      "current unknown to releases.json (lost or moved): health-checked first",
      onHost(emptyManifest("hello"), { current: A, dirs: [A], running: A }),
      {},
      ["settle", "upload", "switch", "restart", "verify"],
    ],
    [
      "current marked bad but running: health-checked first",
      onHost(manifest(B, rel(A, "good"), rel(B, "bad"))),
      {},
      ["settle", "upload", "switch", "restart", "verify"],
    ],
    [
      "unfinished and not current (killed before the switch), dir complete",
      onHost(manifest(A, rel(A, "good"), rel(NEW, "unfinished")), { wantedSha256: args.resolved!.sha256 }),
      {},
      ["switch", "restart", "verify"],
    ],
    ["only the health spec changed", deployed, { health: { command: "true" } }, ["record"]],
    [
      "a command service's start changed: restarted",
      deployed,
      { service: { ...service, start: "./current/hello -v &" } },
      ["restart", "verify"],
    ],
    [
      "a command service's pidfile changed: restarted",
      deployed,
      { service: { ...service, pidfile: "/run/hello.pid" } },
      ["restart", "verify"],
    ],
    [
      "rollback: last good other than current",
      onHost(manifest(B, rel(A, "good"), rel(B, "good"))),
      { resolved: undefined, rollback: true },
      ["switch", "restart", "verify"],
    ],
    [
      "rollback to a named prefix",
      onHost(manifest(B, rel(A, "good"), rel(B, "good"))),
      { resolved: undefined, rollback: "aaaa" },
      ["switch", "restart", "verify"],
    ],
    [
      "beyond keep_releases: pruned",
      onHost(manifest(A, rel(B, "bad"), rel(C, "good"), rel(A, "good"))),
      { keep_releases: 2 },
      ["upload", "switch", "restart", "verify", "prune"],
    ],
  ])("%s", (_label, state, extra, steps) => {
    expect(planDeploy(state, { ...args, ...extra }).steps.map((s) => s.action)).toEqual(steps);
  });

  it("says which release becomes current and whether a restart follows", () => {
    const p = planDeploy(onHost(manifest(A, rel(A, "good"))), args);
    expect(p.msg).toBe(
      `upload hello as release ${NEW}; switch current ${A} -> ${NEW}; restart the service (pid 42 runs ${A}); health-check ${NEW} (hello)`,
    );
    expect(p.data).toMatchObject({ deployed: { app: "hello", release: NEW }, previous: A, restarted: true });
    expect(planDeploy(deployed, args)).toMatchObject({
      msg: `hello ${NEW} is current and good, pid 42 runs it`,
      data: { restarted: false },
    });
  });

  it("prunes the oldest beyond keep, never current nor the last good", () => {
    const p = planDeploy(onHost(manifest(A, rel(B, "bad"), rel(C, "good"), rel(A, "good"))), {
      ...args,
      keep_releases: 2,
    });
    expect(p.steps.at(-1)).toEqual({ action: "prune", shas: [B, C] });
  });

  it.each<[string, DeployState, Partial<DeployArgs>, string]>([
    [
      "rollback with no other good release",
      onHost(manifest(A, rel(B, "bad"), rel(A, "good"))),
      { resolved: undefined, rollback: true },
      `no good release of hello other than current ${A}; releases on the host: ${B} (bad), ${A} (good)`,
    ],
    [
      "rollback to an unknown prefix",
      onHost(manifest(A, rel(A, "good"))),
      { resolved: undefined, rollback: "ffff" },
      "no single release of hello matches 'ffff'",
    ],
    [
      "rollback to a release whose directory is gone",
      { ...onHost(manifest(B, rel(A, "good"), rel(B, "good"))), dirs: [B] },
      { resolved: undefined, rollback: true },
      `release ${A} of hello is in releases.json but its directory is gone`,
    ],
  ])("%s fails", (_label, state, extra, want) => {
    expect(() => planDeploy(state, { ...args, ...extra })).toThrow(want);
  });
});

describe("releases manifest", () => {
  it.each<[string, string, Partial<Manifest> | string]>([
    ["no file yet", "", { app: "hello", releases: [] }],
    [
      "written by armgo",
      manifestText(manifest(A, rel(A, "good"))),
      { current: A, releases: [rel(A, "good")], service },
    ],
    ["not JSON", "{", "releases.json of hello is not JSON"],
    ["another app's", JSON.stringify({ ...manifest(undefined), app: "other" }), "it belongs to app 'other'"],
    [
      "a release without status",
      JSON.stringify({ ...manifest(undefined), releases: [{ sha: A, artifact: "x", deployed_at: "", run: "" }] }),
      "a release entry lacks",
    ],
    [
      "current not among its releases",
      JSON.stringify(manifest(B, rel(A, "good"))),
      `current '${B}' is not among its releases`,
    ],
  ])("%s", (_label, text, want) => {
    if (typeof want === "string") {
      expect(() => parseManifest(text, "hello")).toThrow(ManifestError);
      expect(() => parseManifest(text, "hello")).toThrow(want);
    } else expect(parseManifest(text, "hello")).toMatchObject(want);
  });

  it.each<[string, Manifest, number, string[]]>([
    ["within keep", manifest(A, rel(B, "good"), rel(A, "good")), 5, []],
    ["oldest first", manifest(A, rel(B, "good"), rel(C, "good"), rel(A, "good")), 2, [B]],
    ["the last good survives even when old", manifest(A, rel(C, "good"), rel(B, "bad"), rel(A, "unfinished")), 1, [B]],
    ["current survives", manifest(B, rel(B, "bad"), rel(C, "bad"), rel(A, "good")), 1, [C]],
  ])("prune: %s", (_label, m, keep, gone) => {
    expect(pruneReleases(m, keep)).toEqual(gone);
  });

  it("the last good release skips bad and unfinished ones and the one excepted", () => {
    const m = manifest(A, rel(C, "good"), rel(B, "bad"), rel(A, "good"), rel(NEW, "unfinished"));
    expect(lastGood(m)?.sha).toBe(A);
    expect(lastGood(m, A)?.sha).toBe(C);
  });
});

describe("systemd unit", () => {
  const spec = {
    type: "systemd" as const,
    args: ["-port", "8080", "100%", "$HOME", 'say "hi"'],
    environment: { HELLO_GREETING: "hi there" },
    notify: true,
    user: "hello",
  };

  it("renders as text, every value quoted for systemd", () => {
    expect(renderUnit(spec, "hello", "/opt/hello")).toBe(
      [
        "# Written by armgo deploy: changes here are replaced on the next deploy.",
        "[Unit]",
        "Description=hello (armgo deploy)",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=notify",
        "NotifyAccess=main",
        'ExecStart="/opt/hello/current/hello" "-port" "8080" "100%%" "$$HOME" "say \\"hi\\""',
        "WorkingDirectory=/opt/hello/current",
        "EnvironmentFile=/opt/hello/service.env",
        "User=hello",
        "Restart=on-failure",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
    expect(systemdWord("a\\b\nc")).toBe('"a\\\\b\\nc"');
  });

  it("passes systemd-analyze verify", () => {
    const root = temp("armgo-unit-");
    mkdirSync(join(root, "app/current"), { recursive: true });
    writeFileSync(join(root, "app/current/hello"), "#!/bin/sh\n");
    chmodSync(join(root, "app/current/hello"), 0o755);
    const unit = join(root, "hello.service");
    writeFileSync(unit, renderUnit({ ...spec, user: undefined }, "hello", join(root, "app")));
    // verify prints problems and exits non-zero on errors; an empty output is a clean unit
    const out = execFileSync("systemd-analyze", ["verify", unit], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out).toBe("");
  });

  it("a changed unit is a plan step; the same unit is none", () => {
    const sys: DeployArgs = { ...args, service: { type: "systemd" } };
    const state = onHost(manifest(NEW, rel(NEW, "good")), {
      wantedSha256: args.resolved!.sha256,
      manifest: { ...manifest(NEW, rel(NEW, "good")), service: { type: "systemd" } },
    });
    expect(planDeploy({ ...state, unitSha256: unitSha256(sys) }, sys).steps).toEqual([]);
    expect(planDeploy({ ...state, unitSha256: "0".repeat(64) }, sys).steps.map((s) => s.action)).toEqual([
      "unit",
      "restart",
      "verify",
    ]);
  });

  it("socket: a .socket unit beside the service, which requires it; both pass systemd-analyze verify", () => {
    const sock = { type: "systemd" as const, socket: { listen: ["127.0.0.1:8080", "/run/hello.sock"] } };
    expect(renderSocket(sock, "hello")).toBe(
      [
        "# Written by armgo deploy: changes here are replaced on the next deploy.",
        "[Unit]",
        "Description=socket of hello.service (armgo deploy)",
        "",
        "[Socket]",
        "ListenStream=127.0.0.1:8080",
        "ListenStream=/run/hello.sock",
        "",
        "[Install]",
        "WantedBy=sockets.target",
        "",
      ].join("\n"),
    );
    expect(renderSocket({ type: "systemd" }, "hello")).toBeUndefined();
    const root = temp("armgo-socket-");
    mkdirSync(join(root, "app/current"), { recursive: true });
    writeFileSync(join(root, "app/current/hello"), "#!/bin/sh\n");
    chmodSync(join(root, "app/current/hello"), 0o755);
    const unit = renderUnit(sock, "hello", join(root, "app"));
    expect(unit).toContain("Requires=hello.socket\nAfter=hello.socket\n");
    writeFileSync(join(root, "hello.service"), unit);
    writeFileSync(join(root, "hello.socket"), renderSocket(sock, "hello")!);
    const out = execFileSync("systemd-analyze", ["verify", join(root, "hello.socket"), join(root, "hello.service")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out).toBe("");
  });

  it.each([
    { name: "a new socket is written", spec: { listen: "127.0.0.1:8080" }, onHost: undefined, want: "write" },
    { name: "a moved socket is written", spec: { listen: "127.0.0.1:9090" }, onHost: "8080", want: "write" },
    { name: "a socket the spec dropped is removed", spec: undefined, onHost: "8080", want: "remove" },
    { name: "the same socket is no step", spec: { listen: "127.0.0.1:8080" }, onHost: "8080", want: undefined },
  ])("socket plan: $name", ({ spec, onHost: had, want }) => {
    const sys: DeployArgs = { ...args, service: { type: "systemd", ...(spec ? { socket: spec } : {}) } };
    const m = { ...manifest(NEW, rel(NEW, "good")), service: recordedService(sys.service!) };
    const hadSha =
      had === undefined
        ? undefined
        : socketSha256({ ...args, service: { type: "systemd", socket: { listen: `127.0.0.1:${had}` } } });
    const state = onHost(m, {
      wantedSha256: args.resolved!.sha256,
      unitSha256: unitSha256(sys),
      ...(hadSha ? { socketSha256: hadSha } : {}),
    });
    const steps = planDeploy(state, sys).steps;
    if (want === undefined) expect(steps).toEqual([]);
    else
      expect(steps.slice(0, 2)).toEqual([
        { action: "unit", socket: want },
        { action: "restart", sha: NEW },
      ]);
  });

  it("a changed environment is written to the env file and restarts; releases.json keeps only its hash", () => {
    const sys: DeployArgs = { ...args, service: { type: "systemd", environment: { API_TOKEN: "s3cr3t" } } };
    const m = { ...manifest(NEW, rel(NEW, "good")), service: recordedService(sys.service!) };
    const state = onHost(m, { wantedSha256: args.resolved!.sha256, unitSha256: unitSha256(sys) });
    expect(planDeploy({ ...state, envSha256: "0".repeat(64) }, sys).steps.map((s) => s.action)).toEqual([
      "env",
      "restart",
      "verify",
    ]);
    expect(planDeploy({ ...state, envSha256: envSha256(sys.service as SystemdService) }, sys).steps).toEqual([]);
    expect(manifestText(m)).not.toContain("s3cr3t");
  });
});

describe("deploy probe", () => {
  it("reads manifest, current, release dirs and the wanted binary's hash from a real sh", async () => {
    const root = temp("armgo-deploy-probe-");
    const app = join(root, "hello");
    mkdirSync(join(app, "releases", A), { recursive: true });
    mkdirSync(join(app, "releases", NEW), { recursive: true });
    mkdirSync(join(app, "releases", ".staging-x"), { recursive: true });
    writeFileSync(join(app, "releases", NEW, "hello"), "binary");
    execFileSync("ln", ["-s", `releases/${A}`, join(app, "current")]);
    writeFileSync(join(app, "releases.json"), manifestText(manifest(A, rel(A, "good"))));
    const a: DeployArgs = { ...args, app_dir: app, service: { ...service, pidfile: join(app, "none.pid") } };
    const r = await new LocalTransport("local").exec(deploy.probe(a, undefined as never));
    const state = deploy.parse({ stdout: r.stdout, stderr: r.stderr, code: r.code }, a);
    const sha = execFileSync("sha256sum", { input: "binary" }).toString().slice(0, 64);
    expect(state).toEqual({
      manifest: expect.objectContaining({ current: A }),
      current: A,
      dirs: [NEW, A].sort(),
      wantedSha256: sha,
    });
  });
});

describe("default stop of a command service", () => {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // a stale pidfile (after a reboot) names a reused PID: only a process running one of the releases dies
  it.each<[string, boolean, boolean]>([
    ["an unrelated process whose PID the pidfile names survives", false, true],
    ["the service's process, a binary under releases/, is stopped", true, false],
  ])("%s", async (_label, fromRelease, survives) => {
    const app = temp("armgo-deploy-stop-");
    mkdirSync(join(app, "releases", A), { recursive: true });
    const bin = fromRelease ? join(app, "releases", A, "hello") : "/bin/sleep";
    if (fromRelease) copyFileSync("/bin/sleep", bin);
    const child = spawn(bin, ["30"], { stdio: "ignore" });
    const exited = new Promise((done) => child.once("exit", done));
    try {
      const pidfile = join(app, "hello.pid");
      writeFileSync(pidfile, `${child.pid}\n`);
      const r = await new LocalTransport("local").exec(
        stopScript({ ...service, pidfile }, { app: "hello", appDir: app }, A),
      );
      expect(r.code).toBe(0);
      if (!survives) await exited;
      expect(alive(child.pid!)).toBe(survives);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("health check", () => {
  const deadPort = (): Promise<number> =>
    new Promise((done) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => done(port));
      });
    });
  // retries × interval beyond the timeout: the deadline ends the loop inside the script, not the exec's limit
  it.each<[string, (port: number) => HealthSpec, RegExp]>([
    [
      "a dead port",
      (port) => ({ http: `http://127.0.0.1:${port}/healthz`, retries: 20, interval: 1, timeout: 3 }),
      /^HTTP (000|\(no answer\)), want 200/,
    ],
    [
      "a command printing several lines",
      () => ({ command: "printf 'first\\nlast\\n'; exit 1", retries: 20, interval: 1, timeout: 3 }),
      /^first last$/,
    ],
  ])("fails against %s with the last attempt's output on one line", async (_label, spec, want) => {
    const h = spec(await deadPort());
    const app = temp("armgo-deploy-health-");
    const r = await new LocalTransport("local").exec(healthScript(h, { app: "hello", appDir: app }, A), {
      timeoutMs: healthTimeoutMs(h),
    });
    expect(r.timedOut).toBeUndefined();
    const res = parseHealth(r.stdout);
    expect(res.ok).toBe(false);
    expect(res.attempts).toBeGreaterThan(0);
    expect(res.attempts).toBeLessThan(20);
    expect(res.output).toMatch(want);
  });
});

describe("service environment", () => {
  it("goes to a 0600 env file on stdin: no form of a secret value is in any script the audit log records", async () => {
    const app = temp("armgo-deploy-env-");
    const secret = `s3cr3tX%'"\\y$HOME`;
    const sys: DeployArgs = {
      app: "hello",
      app_dir: app,
      service: { type: "systemd", environment: { API_TOKEN: secret, PLAIN: "a b" } },
    };
    const transport = new LocalTransport("local");
    const scripts: string[] = [];
    const run = async (script: string, o?: { stdin?: string | Buffer }) => {
      scripts.push(script);
      return transport.exec(script, o);
    };
    const ctx = {
      host: "local",
      runId: "test-run",
      become: false,
      check: false,
      run,
      runOk: run,
      progress: () => undefined,
    } as unknown as ModuleContext;
    await deploy.apply(ctx, sys, { steps: [{ action: "env" }], msg: "" });
    const file = join(app, "service.env");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // sh reads back the exact values (the file is in systemd write_env_var form, which its parser reads back)
    expect(execFileSync("sh", ["-c", `. '${file}'; printf '%s|%s' "$API_TOKEN" "$PLAIN"`], { encoding: "utf8" })).toBe(
      `${secret}|a b`,
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).not.toContain("s3cr3t");
    expect(renderUnit(sys.service as SystemdService, "hello", app)).not.toContain("s3cr3t");
  });

  it("is exported to a command service's start", async () => {
    const app = temp("armgo-deploy-env-");
    const out = join(app, "seen");
    const spec: ServiceSpec = {
      type: "command",
      start: `printf '%s' "$API_TOKEN" > '${out}'`,
      pidfile: join(app, "none.pid"),
      environment: { API_TOKEN: `x%'"\\y` },
    };
    const transport = new LocalTransport("local");
    const run = (script: string, o?: { stdin?: string | Buffer }) => transport.exec(script, o);
    const ctx = {
      host: "local",
      runId: "test-run",
      become: false,
      check: false,
      run,
      runOk: run,
      progress: () => undefined,
    } as unknown as ModuleContext;
    await deploy.apply(ctx, { app: "hello", app_dir: app, service: spec }, { steps: [{ action: "env" }], msg: "" });
    expect((await transport.exec(restartScript(spec, { app: "hello", appDir: app }, A))).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(`x%'"\\y`);
  });
});

describe("deploy args", () => {
  const svc = { type: "command", start: "./current/hello &", pidfile: "/opt/hello/hello.pid" };
  it.each<[string, Record<string, unknown>, string[]]>([
    ["artifact and a command service", { app: "hello", artifact: "dist/hello", service: svc }, []],
    [
      "build with a systemd service, templated values judged once rendered",
      { app: "hello", build: { package: "examples/hello" }, service: { type: "systemd", user: "{{ u }}" } },
      [],
    ],
    ["rollback alone", { app: "hello", rollback: true }, []],
    ["no source", { app: "hello", service: svc }, ["'deploy' needs artifact, or build, or rollback"]],
    ["no service", { app: "hello", artifact: "x" }, ["'deploy' needs service, or build and service, or rollback"]],
    [
      "a command service without pidfile",
      { app: "hello", artifact: "x", service: { type: "command", start: "x" } },
      ["'service' is missing required key 'pidfile'"],
    ],
    [
      "a systemd key on a command service",
      { app: "hello", artifact: "x", service: { ...svc, notify: true } },
      ["unknown key 'notify'"],
    ],
    [
      "an app name a shell would read",
      { app: "$(reboot)", artifact: "x", service: svc },
      ["'app' must match pattern \"^[A-Za-z][A-Za-z0-9_-]{0,63}$\""],
    ],
  ])("%s", (_label, data, want) => {
    expect(
      schemaProblems("modules/deploy.json", data, { root: "deploy", skipTemplated: true }).map((p) => p.message),
    ).toEqual(want);
  });

  it.each([{ name: "deploy.yaml" }, { name: "deploy-systemd.yaml" }])("playbooks/$name loads", ({ name }) => {
    const pb = loadPlaybook(join(import.meta.dirname, "../../playbooks", name));
    expect(pb.plays[0]!.serial).toEqual([1, "100%"]);
    expect(pb.plays[0]!.tasks[0]!.module).toBe("deploy");
  });
});
