// Issue 18: deploy's systemd path for real, on 3 amd64 hosts with systemd as PID 1 (the lab's
// `--init systemd`), through playbooks/deploy-systemd.yaml (hello.service + hello.socket): first
// deploy, an unchanged rerun, v2, a failing v3 rolled back to v2 with the unit's journal in the
// failure line, a unit change undone, a socket that cannot listen undone, a daemon-reload that fails,
// and `armgo rollback`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Manifest } from "../../src/modules/deploy/manifest.js";
import { armgo, recap } from "./cli.js";
import type { Fleet } from "./fleet.js";
import { type HelloFleet, startHelloFleet } from "./hello-fleet.js";

const PLAYBOOK = join(import.meta.dirname, "../../playbooks/deploy-systemd.yaml");
const UNIT = "/etc/systemd/system/hello.service";

describe("deploy on systemd: hello.service + hello.socket on 3 amd64 hosts, canary first", () => {
  let fleet: Fleet;
  let dir: string;
  let hosts: string[];
  let canary: string;
  let others: string[];
  const port: Record<string, number> = {};
  const sha = { v1: "", v2: "" };

  let hello: HelloFleet;

  beforeAll(async () => {
    hello = await startHelloFleet({ amd64: 3, init: "systemd", name: "deploy-systemd" });
    ({ fleet, dir, hosts } = hello);
    Object.assign(port, hello.ports.hello_port);
    [canary, ...others] = hosts as [string, ...string[]];
  });
  afterAll(() => hello?.stop());

  const common = () => hello.common();
  const play = (playbook: string, version: string, ...extra: string[]) => hello.play(playbook, version, ...extra);
  const on = async (host: string, script: string) => (await fleet.exec(host, script)).stdout;
  const serves = (host: string) => on(host, `curl -sS --max-time 10 http://127.0.0.1:${port[host]}/`);
  const mainPid = async (host: string) => (await on(host, "systemctl show -p MainPID --value hello.service")).trim();
  const manifest = async (host: string) => JSON.parse(await on(host, "cat /opt/hello/releases.json")) as Manifest;
  /** When the socket unit last started listening: unchanged means connections never met a closed port. */
  const socketSince = (host: string) =>
    on(host, "systemctl show -p ActiveEnterTimestampMonotonic --value hello.socket");
  const unitSum = (host: string) => on(host, `sha256sum ${UNIT}`);

  /** deploy-systemd.yaml with the deploy task's service fields changed. */
  function variant(name: string, service: Record<string, unknown>): string {
    const plays = parse(readFileSync(PLAYBOOK, "utf8")) as Array<{
      tasks: Array<{ deploy: { service: Record<string, unknown> } }>;
    }>;
    Object.assign(plays[0]!.tasks[0]!.deploy.service, service);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(plays));
    return file;
  }

  it("first deploy: the unit and its socket are written, enabled and active; systemd's MainPID runs the release", async () => {
    const r = await play(PLAYBOOK, "1.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of hosts) {
      expect(await serves(h)).toBe("hello 1.0.0\n");
      const m = await manifest(h);
      sha.v1 ||= m.current!;
      expect(m.current).toBe(sha.v1);
      expect(m.releases.map((x) => [x.sha, x.status])).toEqual([[sha.v1, "good"]]);
      expect(
        await on(h, "systemctl is-enabled hello.service hello.socket; systemctl is-active hello.service hello.socket"),
      ).toBe("enabled\nenabled\nactive\nactive\n");
      expect(await on(h, `readlink /proc/${await mainPid(h)}/exe`)).toBe(`/opt/hello/releases/${sha.v1}/hello\n`);
      // the process took its socket from systemd, it did not bind its own
      expect(await on(h, `tr '\\0' '\\n' < /proc/${await mainPid(h)}/environ | grep ^LISTEN_FDS=`)).toBe(
        "LISTEN_FDS=1\n",
      );
    }
  });

  it("a rerun changes nothing: same MainPID, the socket untouched", async () => {
    const before = await Promise.all(hosts.map(async (h) => [await mainPid(h), await socketSince(h)]));
    const r = await play(PLAYBOOK, "1.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of hosts) expect(recap(r.stdout)[h]).toMatchObject({ changed: 0, failed: 0 });
    expect(r.stdout).toContain(`hello ${sha.v1} is current and good, pid`);
    expect(await Promise.all(hosts.map(async (h) => [await mainPid(h), await socketSince(h)]))).toEqual(before);
  });

  it("v2: a new MainPID runs it on the same socket", async () => {
    const before = await Promise.all(hosts.map(async (h) => [await mainPid(h), await socketSince(h)]));
    const r = await play(PLAYBOOK, "2.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const [i, h] of hosts.entries()) {
      expect(await serves(h)).toBe("hello 2.0.0\n");
      sha.v2 ||= (await manifest(h)).current!;
      expect(await mainPid(h)).not.toBe(before[i]![0]);
      expect(await socketSince(h)).toBe(before[i]![1]);
      expect(await on(h, `readlink /proc/${await mainPid(h)}/exe`)).toBe(`/opt/hello/releases/${sha.v2}/hello\n`);
    }
    expect(sha.v2).not.toBe(sha.v1);
  });

  it("a failing v3: the canary goes back to v2 (the release that was serving), the failure line carries the unit's journal, the others are untouched", async () => {
    const before = await Promise.all(
      others.map((h) => on(h, "cat /opt/hello/releases.json; systemctl show -p MainPID hello.service")),
    );
    const r = await play(PLAYBOOK, "3.0.0", "-e", "hello_ldflags=-X main.healthStatus=500", "-e", "health_retries=2");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const line = r.stdout.split("\n").find((l) => l.includes(`fatal: [${canary}]`))!;
    expect(line).toMatch(
      new RegExp(
        `release [0-9a-f]{12} of hello is bad: health check failed after 2 attempt\\(s\\): HTTP 500, want 200.*; journal: .*hello 3\\.0\\.0 listening on 127\\.0\\.0\\.1:${port[canary]}.*; rolled back to ${sha.v2}, which is healthy`,
      ),
    );
    expect(await serves(canary)).toBe("hello 2.0.0\n");
    expect((await manifest(canary)).current).toBe(sha.v2);
    expect(
      await Promise.all(
        others.map((h) => on(h, "cat /opt/hello/releases.json; systemctl show -p MainPID hello.service")),
      ),
    ).toEqual(before);
  });

  it("a unit change whose service fails is undone: the old unit is back and v2 restarted; the journal says why", async () => {
    const unitBefore = await unitSum(canary);
    const bogus = variant("bogus", { args: ["-bogus"] });
    const r = await play(bogus, "2.0.0", "-e", "health_retries=2");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const line = r.stdout.split("\n").find((l) => l.includes(`fatal: [${canary}]`))!;
    expect(line).toMatch(
      /the new unit or environment of hello failed: health check failed after 2 attempt\(s\): .*; journal: .*flag provided but not defined: -bogus.*; the old files are restored and release [0-9a-f]{12} restarted, which is healthy/,
    );
    expect(await unitSum(canary)).toBe(unitBefore);
    expect(await on(canary, `test -e ${UNIT}.armgo-old && echo kept || echo gone`)).toBe("gone\n");
    expect(await serves(canary)).toBe("hello 2.0.0\n");
    expect((await manifest(canary)).releases.find((x) => x.sha === sha.v2)!.status).toBe("good");
  });

  it("a socket moved onto an address in use: the restart fails with the socket's journal; the old unit and socket are back, v2 serves", async () => {
    const [unitBefore, socketBefore] = [
      await unitSum(canary),
      await on(canary, "sha256sum /etc/systemd/system/hello.socket"),
    ];
    // the canary's own sshd holds its port
    const taken = variant("taken", { socket: { listen: `127.0.0.1:${fleet.hosts[0]!.port}` } });
    const r = await play(taken, "2.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const line = r.stdout.split("\n").find((l) => l.includes(`fatal: [${canary}]`))!;
    const sshPort = fleet.hosts[0]!.port;
    expect(line).toMatch(
      new RegExp(
        `the new unit or environment of hello failed: the restart failed \\(exit \\d+\\): .*; journal: .*hello\\.socket: Failed to create listening socket \\(127\\.0\\.0\\.1:${sshPort}\\): Address already in use.*; the old files are restored and release ${sha.v2} restarted, which is healthy`,
      ),
    );
    expect(await unitSum(canary)).toBe(unitBefore);
    expect(await on(canary, "sha256sum /etc/systemd/system/hello.socket")).toBe(socketBefore);
    expect(await on(canary, "systemctl is-active hello.socket hello.service")).toBe("active\nactive\n");
    expect(await serves(canary)).toBe("hello 2.0.0\n");
  });

  it("a daemon-reload that fails (/run too full: systemd refuses to reload): the old unit is restored, the service keeps running", async () => {
    const [unitBefore, pidBefore] = [await unitSum(canary), await mainPid(canary)];
    // leave under 16 MB free on /run (64 MB in the lab), where systemd needs room to serialize its state
    const fill = await fleet.exec(
      canary,
      "avail=$(df -k --output=avail /run | tail -n 1); fallocate -l $(( (avail - 8192) * 1024 )) /run/armgo-fill && df -k --output=avail /run | tail -n 1",
    );
    expect(fill.code, fill.stderr).toBe(0);
    try {
      const described = variant("described", { description: "hello, described" });
      const r = await play(described, "2.0.0");
      expect(r.code, r.stdout + r.stderr).toBe(2);
      const line = r.stdout.split("\n").find((l) => l.includes(`fatal: [${canary}]`))!;
      expect(line).toMatch(new RegExp(`writing ${UNIT} failed: .*[Rr]efusing to reload.*; the old file is restored`));
    } finally {
      await fleet.exec(canary, "rm -f /run/armgo-fill");
    }
    expect(await unitSum(canary)).toBe(unitBefore);
    expect(await mainPid(canary)).toBe(pidBefore);
    expect(await on(canary, "systemctl show -p Description --value hello.service")).toBe("hello (armgo deploy)\n");
    expect(await serves(canary)).toBe("hello 2.0.0\n");
  });

  it("armgo rollback: every host back on v1, served by systemd through the same socket", async () => {
    const sockets = await Promise.all(hosts.map(socketSince));
    const r = await armgo(["rollback", ...common(), "--app", "hello"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of hosts) expect(recap(r.stdout)[h]).toMatchObject({ changed: 1, failed: 0 });
    for (const h of hosts) {
      expect(await serves(h)).toBe("hello 1.0.0\n");
      expect((await manifest(h)).current).toBe(sha.v1);
      expect(await on(h, `readlink /proc/${await mainPid(h)}/exe`)).toBe(`/opt/hello/releases/${sha.v1}/hello\n`);
    }
    expect(await Promise.all(hosts.map(socketSince))).toEqual(sockets);
  });
});
