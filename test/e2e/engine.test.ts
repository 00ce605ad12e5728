// Issue 9's engine promises over real SSH: --check changes nothing, values stay data, retries,
// run_once with delegate_to: localhost. ARM64 hosts where the promise is the host's; one amd64 beside them.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { armgo, HOST_SNAPSHOT, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

type Event = { type: string; result?: { host: string; task: string; status: string; data?: Record<string, unknown> } };

describe("engine v2 over SSH (2 ARM64 + 1 amd64)", () => {
  let fleet: Fleet;
  let dir: string;
  let arm: string[];

  beforeAll(async () => {
    fleet = await startFleet({ arm64: 2, amd64: 1 });
    dir = mkdtempSync(join(tmpdir(), "armgo-engine-e2e-"));
    arm = fleet.hosts.filter((h) => h.arch === "arm64").map((h) => h.name);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  const play = (name: string, text: string, ...extra: string[]) => {
    const pb = join(dir, name);
    writeFileSync(pb, text);
    return armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", join(dir, "audit"), ...extra]);
  };
  const cat = async (host: string, path: string) =>
    (await fleet.exec(host, `cat ${path} 2>/dev/null || echo MISSING`)).stdout;

  it("--check with a changed_when: false command that would touch a file leaves every ARM64 host's filesystem hash unchanged", async () => {
    const before = await Promise.all(arm.map((h) => fleet.exec(h, HOST_SNAPSHOT)));
    const r = await play(
      "check.yaml",
      `- hosts: arm64
  tasks:
    - name: would change
      command: "touch /tmp/check-x"
      changed_when: false
    - name: reads for real
      command: "uname -m"
      changed_when: false
      check_mode: false
`,
      "--check",
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of arm) expect(r.stdout).toMatch(new RegExp(`ok: \\[${h}\\] aarch64`));
    const after = await Promise.all(arm.map((h) => fleet.exec(h, HOST_SNAPSHOT)));
    expect(after.map((a) => a.stdout)).toEqual(before.map((b) => b.stdout));
    for (const h of arm) expect(await cat(h, "/tmp/check-x")).toBe("MISSING\n");
  });

  it("hostile stdin and env values reach the command as data; nothing they hold runs", async () => {
    const payload = "one\nARMGO_STDIN_EOF\ntouch /tmp/pwned-stdin\n'; touch /tmp/pwned-quote; '";
    const vars = join(dir, "hostile-vars.json");
    writeFileSync(vars, JSON.stringify({ payload, evil: "$(touch /tmp/pwned-env)`touch /tmp/pwned-tick`" }));
    const r = await play(
      "hostile.yaml",
      `- hosts: arm64
  gather_facts: false
  tasks:
    - name: stdin by apply
      command: { cmd: "cat > /tmp/stdin-apply", stdin: "{{ payload }}" }
    - name: stdin in the probe batch
      command: { cmd: "cat > /tmp/stdin-probe", stdin: "{{ payload }}" }
      changed_when: false
      check_mode: false
    - name: env values
      command: { cmd: 'printf %s "$A" > /tmp/env-a; printf %s "$B" > /tmp/env-b', env: { A: "{{ evil }}" } }
      environment: { B: "{{ evil }}" }
`,
      "-e",
      `@${vars}`,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of arm) {
      expect(await cat(h, "/tmp/stdin-apply")).toBe(payload + "\n");
      expect(await cat(h, "/tmp/stdin-probe")).toBe(payload + "\n");
      expect(await cat(h, "/tmp/env-a")).toBe("$(touch /tmp/pwned-env)`touch /tmp/pwned-tick`");
      expect(await cat(h, "/tmp/env-b")).toBe("$(touch /tmp/pwned-env)`touch /tmp/pwned-tick`");
      expect((await fleet.exec(h, "ls /tmp/pwned-* 2>/dev/null | wc -l")).stdout.trim()).toBe("0");
    }
  });

  it("a hostile env name is refused at load with file:line:col, exit 5, and no host is contacted", async () => {
    const auditDir = join(dir, "audit-env-key");
    const pb = join(dir, "env-key.yaml");
    writeFileSync(
      pb,
      `- hosts: arm64\n  tasks:\n    - command: { cmd: env, env: { "X=1; touch /tmp/pwned-key; Y": 1 } }\n`,
    );
    const r = await armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", auditDir]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      `ERROR: ${pb}:3:35: key 'X=1; touch /tmp/pwned-key; Y' in 'env' must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"\n`,
    );
    expect(existsSync(auditDir)).toBe(false);
    for (const h of arm) expect((await fleet.exec(h, "test -e /tmp/pwned-key; echo $?")).stdout.trim()).toBe("1");
  });

  it("retries/until: a command that succeeds the third time is ok after 3 attempts", async () => {
    const r = await play(
      "retry.yaml",
      `- hosts: all
  gather_facts: false
  tasks:
    - name: flaky
      command: 'n=$(cat /tmp/tries 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/tries; test $n -ge 3'
      register: flaky
      until: flaky.rc == 0
      retries: 5
      delay: 0
`,
      "--json",
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Event);
    for (const h of fleet.hosts) {
      const res = events.find(
        (e) => e.type === "task_result" && e.result?.host === h.name && e.result.task === "flaky",
      )?.result;
      expect(res).toMatchObject({ status: "changed", data: expect.objectContaining({ attempts: 3, rc: 0 }) });
      expect(await cat(h.name, "/tmp/tries")).toBe("3\n");
    }
  });

  it("run_once + delegate_to: localhost runs once for the play, on the controller, and registers on every host", async () => {
    const ctl = join(dir, "controller-ran");
    const r = await play(
      "once.yaml",
      `- hosts: all
  gather_facts: false
  tasks:
    - name: on the controller, once
      command: "echo {{ inventory_hostname }} >> ${ctl}; hostname"
      delegate_to: localhost
      run_once: true
      register: once
    - name: every host sees it
      command: { cmd: "cat > /tmp/once-seen", stdin: "{{ once.stdout }} {{ once.rc }}" }
`,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(ctl, "utf8")).toBe(`${fleet.hosts[0]!.name}\n`);
    const controllerHost = (await import("node:os")).hostname();
    for (const h of fleet.hosts) {
      expect(await cat(h.name, "/tmp/once-seen")).toBe(`${controllerHost} 0\n`);
      expect(recap(r.stdout)[h.name]).toMatchObject({ failed: 0, unreachable: 0 });
    }
    expect(r.stdout.match(/TASK \[on the controller, once\][\s\S]*?\n\n/)?.[0].match(/^changed: /gm)).toHaveLength(1);
  });

  it("delegate_to another inventory host runs over that host's one connection and registers on the delegating host", async () => {
    const amd = fleet.hosts.find((h) => h.arch === "amd64")!.name;
    const r = await play(
      "delegate.yaml",
      `- hosts: arm64
  tasks:
    - name: ask the amd64 host
      command: "uname -m"
      delegate_to: ${amd}
      register: there
    - name: keep its answer
      command: { cmd: "cat > /tmp/delegated-answer", stdin: "{{ there.stdout }} for {{ inventory_hostname }} ({{ facts.arch }})" }
`,
      "--json",
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of arm) expect(await cat(h, "/tmp/delegated-answer")).toBe(`x86_64 for ${h} (aarch64)\n`);
    const summary = JSON.parse(r.stdout.trim().split("\n").pop()!) as { stats: { connections: number } };
    // two ARM64 hosts and the amd64 one they delegate to: one connection each, shared by both delegations
    expect(summary.stats.connections).toBe(3);
  });
});
