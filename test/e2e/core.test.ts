// Issue 2 end to end: armgo play over real OpenSSH on ARM64 containers.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../../src/audit/log.js";
import { armgo, CLI, HOST_SNAPSHOT, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const playbook = `
- name: Core e2e
  hosts: arm64
  tasks:
    - name: Mark arm64 hosts
      command:
        cmd: "mkdir -p /opt/armgo-e2e && echo {{ facts.goarch }} > /opt/armgo-e2e/marker"
        creates: /opt/armgo-e2e/marker
      when: facts.goarch == 'arm64'
      register: mark
    - name: Never on arm64
      command: touch /opt/armgo-e2e/amd64-only
      when: facts.goarch == 'amd64'
    - name: Read the marker
      command: cat /opt/armgo-e2e/marker
      register: marker
      changed_when: false
      check_mode: false
      failed_when: "'arm64' not in marker.stdout"
`;

describe("armgo play over SSH (ARM64 fleet)", () => {
  let fleet: Fleet;
  let dir: string;
  let pb: string;
  let audit: string;

  beforeAll(async () => {
    fleet = await startFleet({ arm64: 3 });
    dir = mkdtempSync(join(tmpdir(), "armgo-core-"));
    pb = join(dir, "site.yaml");
    audit = join(dir, "audit");
    writeFileSync(pb, playbook);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  const play = (...extra: string[]) => armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", audit, ...extra]);

  it("--check on a fresh host reports the change and leaves the host byte-for-byte untouched", async () => {
    const host = fleet.hosts[0]!.name;
    const before = await fleet.exec(host, HOST_SNAPSHOT);
    const r = await play("--check", "--limit", host);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`changed: \\[${host}\\] would run: mkdir`));
    expect(recap(r.stdout)[host]).toMatchObject({ changed: 1, failed: 0, skipped: 2 });
    expect(r.stdout).toMatch(/skipping: \[.*\] not judged under --check: an earlier task would change this host first/);
    const after = await fleet.exec(host, HOST_SNAPSHOT);
    expect(after.stdout).toBe(before.stdout);
    expect((await fleet.exec(host, "test -e /opt/armgo-e2e/marker; echo $?")).stdout.trim()).toBe("1");
  });

  it("first run changes, second run changes nothing, and the audit log has one record per task", async () => {
    const first = await play();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const h of fleet.hosts) {
      expect(recap(first.stdout)[h.name]).toMatchObject({ changed: 1, failed: 0, unreachable: 0, skipped: 1 });
      expect((await fleet.exec(h.name, "cat /opt/armgo-e2e/marker")).stdout).toBe("arm64\n");
    }
    const second = await play();
    expect(second.code).toBe(0);
    for (const h of fleet.hosts)
      expect(recap(second.stdout)[h.name]).toMatchObject({ changed: 0, failed: 0, ok: 3, skipped: 1 });

    for (const h of fleet.hosts) {
      const records = readAudit(join(audit, `${h.name}.jsonl`));
      const runs = records.filter((r) => r.type === "run_start");
      // the check run (first host only) and the two real runs
      expect(runs.length).toBe(h === fleet.hosts[0] ? 3 : 2);
      const lastRun = runs[runs.length - 1]!.run_id;
      const tasks = records.filter((r) => r.type === "task" && r.run_id === lastRun);
      expect(tasks.map((t) => (t.type === "task" ? t.task : ""))).toEqual([
        "Gathering Facts",
        "Mark arm64 hosts",
        "Never on arm64",
        "Read the marker",
      ]);
      const end = records.filter((r) => r.type === "run_end" && r.run_id === lastRun);
      expect(end).toHaveLength(1);
    }
  });

  it("a converged run costs one remote round trip per host: facts and every probe in one exec", async () => {
    const r = await play("--json");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(summary.stats.connections).toBe(3);
    expect(summary.stats.execs).toBe(3);
  });

  it("a failing failed_when fails the host with exit 2, others go on", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      playbook.replace(
        "'arm64' not in marker.stdout",
        `'arm64' not in marker.stdout or inventory_hostname == '${fleet.hosts[1]!.name}'`,
      ),
    );
    const r = await armgo(["play", bad, "-i", fleet.inventoryPath, "--audit-dir", audit]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`fatal: \\[${fleet.hosts[1]!.name}\\]: FAILED! failed_when`));
    expect(recap(r.stdout)[fleet.hosts[0]!.name]).toMatchObject({ failed: 0 });
    expect(recap(r.stdout)[fleet.hosts[1]!.name]).toMatchObject({ failed: 1 });
  });

  it("an unreachable host gives exit 4 while the others finish", async () => {
    const inv = join(dir, "with-dead.yaml");
    const text = readFileSync(fleet.inventoryPath, "utf8");
    // port 9 on loopback: nothing listens there
    writeFileSync(inv, text.replace(/(\n\s+hosts:\n)/, `$1        dead-arm64: { host: 127.0.0.1, port: 9 }\n`));
    const r = await armgo(["play", pb, "-i", inv, "--audit-dir", audit]);
    expect(r.code, r.stdout).toBe(4);
    expect(r.stdout).toMatch(/fatal: \[dead-arm64\]: UNREACHABLE! .*127\.0\.0\.1:9/);
    for (const h of fleet.hosts) expect(recap(r.stdout)[h.name]).toMatchObject({ ok: 3, failed: 0, unreachable: 0 });
    expect(recap(r.stdout)["dead-arm64"]).toMatchObject({ unreachable: 1 });
  });

  it("a changed host key is refused, with its fingerprint and the known_hosts line", async () => {
    const host = fleet.hosts[2]!;
    await fleet.rotateHostKey(host.name);
    const r = await play("--limit", host.name);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/UNREACHABLE!.*SHA256:[A-Za-z0-9+/]{43}/);
    expect(r.stdout).toMatch(/known_hosts:\d+/);
    // nothing ran there: the audit log's last record for it is the refused connect
    const records = readAudit(join(audit, `${host.name}.jsonl`));
    const last = records.filter((x) => x.type === "task").pop()!;
    expect(last).toMatchObject({ task: "connect", status: "unreachable" });
  });

  it("invalid input exits 5 and contacts nothing", async () => {
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "- hosts: arm64\n  tasks:\n    - downlaod: { url: x }\n");
    const r = await armgo(["play", broken, "-i", fleet.inventoryPath, "--audit-dir", join(dir, "audit-broken")]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`ERROR: ${broken}:3:7: unknown module 'downlaod' — did you mean 'download'?\n`);
    expect(() => readFileSync(join(dir, "audit-broken", `${fleet.hosts[0]!.name}.jsonl`))).toThrow();
  });

  it("SIGINT stops the run at once: exit 99, later tasks never start, every audit log ends with interrupted", async () => {
    const slow = join(dir, "slow.yaml");
    writeFileSync(
      slow,
      "- hosts: arm64\n  gather_facts: false\n  tasks:\n    - name: slow\n      command: sleep 120\n    - name: after\n      command: touch /tmp/after-interrupt\n",
    );
    const hosts = fleet.hosts.slice(0, 2).map((h) => h.name);
    const audit2 = join(dir, "audit-int");
    const child = spawn(
      process.execPath,
      [CLI, "play", slow, "-i", fleet.inventoryPath, "--audit-dir", audit2, "--limit", hosts.join(":")],
      { stdio: "ignore" },
    );
    const exit = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    for (const h of hosts) {
      for (let i = 0; i < 240 && (await fleet.exec(h, "pgrep -x sleep")).code !== 0; i++)
        await new Promise((r) => setTimeout(r, 250));
    }
    const t0 = Date.now();
    child.kill("SIGINT");
    expect(await exit).toBe(99);
    expect(Date.now() - t0).toBeLessThan(30_000);
    for (const h of hosts) {
      const records = readAudit(join(audit2, `${h}.jsonl`));
      expect(records[records.length - 1]).toMatchObject({ type: "run_end", interrupted: true });
      expect(records.find((r) => r.type === "task")).toMatchObject({
        task: "slow",
        status: "failed",
        msg: expect.stringMatching(/^interrupted/),
      });
      expect((await fleet.exec(h, "test -e /tmp/after-interrupt; echo $?")).stdout.trim()).toBe("1");
    }
  });
});
