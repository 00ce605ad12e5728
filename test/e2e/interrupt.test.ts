// Ctrl-C and SIGKILL to a real armgo process while a long changing step runs on 2 amd64 hosts behind
// a bastion (ProxyJump), as the deploy user under sudo: the remote step dies with the run, nothing
// after it happens, the host lock goes (SIGINT) and the audit log says how the run ended (issue 20 #1).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_LOCK_PATH } from "../../src/lock/host-lock.js";
import { armgo, CLI, recap } from "./cli.js";
import { type Fleet, startFleet } from "./fleet.js";

// the step a run is cut in: long, as root through sudo, and its last act switches a link
const PLAYBOOK = `- hosts: all
  gather_facts: false
  become: true
  tasks:
    - name: the old link
      command: { cmd: "mkdir -p /opt/halt && ln -sfn old /opt/halt/current", creates: /opt/halt/current }
    - name: long step, then the switch
      command: "sleep 97 && ln -sfn new /opt/halt/current"
    - name: after the step
      command: touch /opt/halt/after
`;

// a step whose commands leave its process group (timeout) and its session (setsid); their output
// goes elsewhere, so the channel does not wait for them to end
const OWN_GROUPS = `- hosts: all
  gather_facts: false
  become: true
  tasks:
    - name: commands in groups and sessions of their own
      command: "sh -c 'timeout 300 sleep 93 >/dev/null 2>&1 & setsid sleep 94 >/dev/null 2>&1 & wait'"
`;

describe("an interrupted run on 2 amd64 hosts behind a bastion, as deploy under sudo", () => {
  let fleet: Fleet;
  const dir = mkdtempSync(join(tmpdir(), "armgo-e2e-interrupt-"));
  const auditDir = join(dir, "audit");
  const playbook = join(dir, "site.yaml");
  writeFileSync(playbook, PLAYBOOK);
  const own = join(dir, "own.yaml");
  writeFileSync(own, OWN_GROUPS);
  const args = (file = playbook) => [
    "play",
    file,
    "-i",
    fleet.inventoryPath,
    "-e",
    "user=deploy",
    "--audit-dir",
    auditDir,
  ];
  const hosts = () => fleet.hosts.map((h) => h.name);
  const onAll = async (script: string) => Promise.all(hosts().map((h) => fleet.exec(h, script)));
  // every process whose command line holds the step (its sleep, and the shells around it); [s] keeps this one out
  const sleeping = async (pattern = "[s]leep 97") =>
    (
      await onAll(
        `for p in /proc/[0-9]*; do tr '\\0' ' ' < "$p/cmdline"; echo; done 2>/dev/null | grep '${pattern}' || true`,
      )
    ).map((r) => r.stdout.trim());

  /** armgo started, and `signal` sent once the long step runs on every host; its exit and output. */
  const cut = async (signal: NodeJS.Signals, file = playbook, running = () => sleeping()) => {
    const child = spawn(process.execPath, [CLI, ...args(file)], { env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, sig) => resolve({ code, signal: sig })),
    );
    while ((await running()).some((pids) => pids === "")) await new Promise((r) => setTimeout(r, 200));
    child.kill(signal);
    return { ...(await exit), stdout: () => stdout };
  };

  beforeAll(async () => {
    fleet = await startFleet({ amd64: 2, bastion: true });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("SIGINT: every host's step is stopped before armgo exits 99, nothing after it runs, the lock is released, the audit log says interrupted", async () => {
    const r = await cut("SIGINT");
    expect(r.code, r.stdout()).toBe(99);
    // by the time armgo has exited, the remote step is gone: no process, no switch, no later task
    expect(await sleeping()).toEqual(["", ""]);
    for (const res of await onAll(`readlink /opt/halt/current; ls /opt/halt; ls ${HOST_LOCK_PATH} 2>&1 || true`))
      expect(res.stdout).toMatch(/^old\ncurrent\n.*No such file or directory/);
    for (const h of hosts())
      expect(r.stdout()).toContain(
        `fatal: [${h}]: FAILED! interrupted (SIGINT/SIGTERM): the command in flight was stopped, or finished if past its point of no return`,
      );
    expect(r.stdout()).not.toContain("UNREACHABLE");
    const audit = await armgo(["audit", "--failed", "--audit-dir", auditDir]);
    for (const h of hosts()) expect(audit.stdout).toMatch(new RegExp(`${h}\\s+interrupted run interrupted — `));
  });

  it("SIGKILL: the remote step dies with the connection, nothing switches, the audit log shows the run cut; the next run converges", async () => {
    const r = await cut("SIGKILL");
    expect(r.signal).toBe("SIGKILL");
    // sshd closes the channel once it sees the connection gone: the watcher stops the step then
    for (let i = 0; i < 100 && (await sleeping()).some((p) => p !== ""); i++)
      await new Promise((w) => setTimeout(w, 200));
    expect(await sleeping()).toEqual(["", ""]);
    for (const res of await onAll("readlink /opt/halt/current; ls /opt/halt"))
      expect(res.stdout).toBe("old\ncurrent\n");
    const audit = await armgo(["audit", "--failed", "--audit-dir", auditDir]);
    for (const h of hosts())
      expect(audit.stdout).toMatch(new RegExp(`${h}\\s+cut\\s+run cut — no run_end: armgo was killed`));
    // the killed run's lock is stale (its pid is gone): the next run takes it over and finishes the step
    writeFileSync(playbook, PLAYBOOK.replace("sleep 97", "sleep 1"));
    const next = await armgo(args());
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(Object.values(recap(next.stdout)).map((c) => c.failed)).toEqual([0, 0]);
    for (const res of await onAll("readlink /opt/halt/current; ls /opt/halt"))
      expect(res.stdout).toBe("new\nafter\ncurrent\n");
  });

  it("SIGINT: a step's commands in a process group (timeout) and a session (setsid) of their own are stopped before armgo exits 99", async () => {
    // both sleeps, not the shells naming them
    const both = async () => (await sleeping("^[s]leep 9[34]")).map((s) => (s.split("\n").length === 2 ? s : ""));
    const r = await cut("SIGINT", own, both);
    expect(r.code, r.stdout()).toBe(99);
    expect(await sleeping("[s]leep 9[34]")).toEqual(["", ""]);
  });
});
