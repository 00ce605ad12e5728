// Round trips per host: facts and the probes predicted from the last run's facts in one exec, a
// second exec only where a probe built from the fresh facts differs; and what a probe batch collects.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAudit, type TaskRecord } from "../../src/audit/log.js";
import type { RunEvent } from "../../src/engine/types.js";
import { setup } from "./engine-local.js";

// `place` exports the host name: a probe built from the facts; `names` and `path` run read-only
// commands that read no fact: they go with the facts command too
const PLAY = `
- hosts: g
  tasks:
    - name: place
      command: { cmd: "echo x > DIR/{{ n }}", creates: "DIR/{{ n }}" }
      environment: { HOST: "{{ ansible_hostname }}" }
    - name: names
      command: "echo {{ n }}"
      changed_when: false
      check_mode: false
    - name: path
      command: "cat DIR/{{ n }}"
      changed_when: false
      check_mode: false
`;

const cacheOf = (dir: string, host: string) => join(dir, "audit", `${host}.facts.json`);

/** What the audit log holds about a run apart from times and ids: its records and their commands' scripts. */
function records(dir: string, host: string, runId: string) {
  return readAudit(join(dir, "audit", `${host}.jsonl`))
    .filter((r): r is TaskRecord => r.type === "task" && r.run_id === runId)
    .map((r) => ({
      task: r.task,
      status: r.status,
      msg: r.msg,
      scripts: r.commands.map((c) => c.script.replace(/ARMGO-[0-9a-f]+/g, "M")),
    }));
}

describe("one round trip per converged host", () => {
  it("no cache: 2 execs per host; kept facts: 1, --check too; the audit log records facts and every task as before", async () => {
    const { dir, run } = setup(PLAY);
    const first = await run({ check: true });
    expect(first.result.stats).toMatchObject({ connections: 2, execs: 4 });
    expect(existsSync(cacheOf(dir, "h1"))).toBe(true);
    await run();
    const before = await run({ auditDir: join(dir, "other-audit") });
    expect(before.result.stats.execs).toBe(4);

    const keptFile = statSync(cacheOf(dir, "h1"));
    const converged = await run();
    expect(converged.result.stats).toMatchObject({ connections: 2, execs: 2 });
    // facts equal to those kept are not written again (a write is a new file renamed into place)
    expect(statSync(cacheOf(dir, "h1"))).toMatchObject({ ino: keptFile.ino, mtimeMs: keptFile.mtimeMs });
    expect(converged.of("h1", "names")).toMatchObject({ status: "ok", msg: "h1" });
    expect(converged.of("h2", "path")).toMatchObject({ status: "ok", msg: "x" });
    const kept = records(dir, "h1", converged.result.runId);
    const uncached = readAudit(join(dir, "other-audit", "h1.jsonl"))
      .filter((r): r is TaskRecord => r.type === "task")
      .map((r) => ({
        task: r.task,
        status: r.status,
        msg: r.msg,
        scripts: r.commands.map((c) => c.script.replace(/ARMGO-[0-9a-f]+/g, "M")),
      }));
    expect(kept).toEqual(uncached);
    expect(kept.map((r) => r.task)).toEqual(["Gathering Facts", "place", "names", "path"]);
    expect(kept[0]!.scripts).toEqual(["(facts)"]);
    expect(kept[1]!.scripts).toHaveLength(1);

    const check = await run({ check: true });
    expect(check.result.stats.execs).toBe(2);
  });

  it("facts that changed where a probe reads them: a second exec with probes from the fresh facts, right results", async () => {
    const { dir, run } = setup(PLAY, ["h1"]);
    await run();
    const kept = JSON.parse(readFileSync(cacheOf(dir, "h1"), "utf8"));
    writeFileSync(cacheOf(dir, "h1"), JSON.stringify({ ...kept, facts: { ...kept.facts, hostname: "elsewhere" } }));
    const r = await run({ verbose: true });
    expect(r.result.stats.execs).toBe(2);
    expect(r.of("h1", "place")).toMatchObject({ status: "ok" });
    expect(r.of("h1", "names")).toMatchObject({ status: "ok", msg: "h1" });
    expect(r.of("h1", "path")).toMatchObject({ status: "ok", msg: "x" });
    // -v shows both probe batches: the one built from the kept facts, then from the first probe that differs
    const scripts = r.events
      .filter((e): e is Extract<RunEvent, { type: "command" }> => e.type === "command")
      .map((e) => e.command.script);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toContain("elsewhere");
    expect(scripts[0]).toContain("echo h1");
    expect(scripts[1]).toContain(hostname().split(".")[0]);
    expect(scripts[1]).toContain("cat ");
    expect(JSON.parse(readFileSync(cacheOf(dir, "h1"), "utf8")).facts.hostname).toBe(hostname());
  });

  it("facts that changed where no probe reads them still cost one exec", async () => {
    const { dir, run } = setup(PLAY, ["h1"]);
    await run();
    const kept = JSON.parse(readFileSync(cacheOf(dir, "h1"), "utf8"));
    writeFileSync(
      cacheOf(dir, "h1"),
      JSON.stringify({ ...kept, facts: { ...kept.facts, env: { ...kept.facts.env, ARMGO_UNREAD: "1" } } }),
    );
    expect((await run()).result.stats.execs).toBe(1);
  });

  it("kept facts are masked as the audit log is, and a cache from another armgo version is not trusted", async () => {
    const { dir, run } = setup(PLAY, ["h1"]);
    process.env.ARMGO_TEST_SEEN = "tok-9876543";
    try {
      await run();
    } finally {
      delete process.env.ARMGO_TEST_SEEN;
    }
    const text = readFileSync(cacheOf(dir, "h1"), "utf8");
    expect(text).toContain("ARMGO_TEST_SEEN");
    expect(text).not.toContain("tok-9876543");
    writeFileSync(cacheOf(dir, "h1"), JSON.stringify({ ...JSON.parse(text), armgo_version: "0.0.0-other" }));
    expect((await run()).result.stats.execs).toBe(2);
  });
});

describe("where the run ahead of the facts stops, the facts go alone and results stay right", () => {
  it.each([
    ["a play of probes", 1, ro("t1") + ro("t2")],
    ["a first task run_once", 2, ro("t1", "      run_once: true\n") + ro("t2")],
    ["a first task delegated to the controller", 3, ro("t1", "      delegate_to: localhost\n") + ro("t2")],
    ["a first task that changes the host", 3, `    - name: t1\n      command: "echo t1"\n` + ro("t2")],
  ])("%s: %i execs on a host with kept facts", async (_shape, execs, tasks) => {
    const { run } = setup(`\n- hosts: g\n  tasks:\n${tasks}`, ["h1"]);
    await run();
    const r = await run();
    expect(r.result.stats.execs).toBe(execs);
    expect(r.of("h1", "t2")).toMatchObject({ status: "ok", msg: "t2" });
    expect(r.results.map((x) => x.task)).toEqual(["Gathering Facts", "t1", "t2"]);
  });
});

// Read-only: the probe runs the command. t1's `when` holds only on the kept, now stale, facts
const RO = (extra: string, cmd = "touch DIR/ran") =>
  `    - name: t1\n      command: "${cmd}"\n      changed_when: false\n      check_mode: false\n${extra}`;

describe("with kept facts that went stale, nothing goes with the facts command that fresh facts would not run or show", () => {
  it.each([
    ["a read-only task whose when reads a fact: not run", 1, RO("      when: ansible_hostname == 'elsewhere'\n")],
    [
      "a read-only task whose args read a fact: run with the fresh one",
      2,
      RO("", "touch DIR/ran-{{ ansible_hostname }}"),
    ],
    [
      "a read-only task whose var renders a fact",
      2,
      RO('      vars: { h: "{{ ansible_hostname }}" }\n', "touch DIR/ran-{{ h }}"),
    ],
    [
      "a read-only task after a registered result, judged by a fact (the go role's last task): still one exec",
      1,
      ro("t0", "      register: r0\n") +
        RO("      register: v\n      failed_when: v.rc != 0 or facts.arch == ''\n", "echo t1"),
    ],
    [
      "a no_log task's probe is not shown with -v",
      2,
      `    - name: t1\n      command: { cmd: "echo x", creates: "DIR/hidden-tok" }\n      no_log: true\n`,
    ],
    [
      "a no_log task the fresh facts skip: its probe is not recorded with the next",
      2,
      `    - name: t1\n      command: { cmd: "echo x", creates: "DIR/hidden-tok" }\n      when: ansible_hostname == 'elsewhere'\n      no_log: true\n    - name: t2\n      command: { cmd: "echo x", creates: "DIR" }\n`,
    ],
  ])("%s: %i execs under --check", async (_shape, execs, tasks) => {
    const { dir, run } = setup(`\n- hosts: g\n  tasks:\n${tasks}`, ["h1"]);
    await run();
    const kept = JSON.parse(readFileSync(cacheOf(dir, "h1"), "utf8"));
    writeFileSync(cacheOf(dir, "h1"), JSON.stringify({ ...kept, facts: { ...kept.facts, hostname: "elsewhere" } }));
    const r = await run({ check: true, verbose: true });
    expect(r.result.stats.execs).toBe(execs);
    expect(r.results.filter((x) => x.status === "failed")).toEqual([]);
    expect(existsSync(join(dir, "ran"))).toBe(false);
    expect(existsSync(join(dir, "ran-elsewhere"))).toBe(false);
    const shown = JSON.stringify([r.events, records(dir, "h1", r.result.runId)]);
    expect(shown).not.toContain("hidden-tok");
  });
});

// Each exec of a run with gather_facts off, as the tasks whose `echo` it carries.
async function execsOf(tasks: string): Promise<string[][]> {
  const { run } = setup(`\n- hosts: g\n  gather_facts: false\n  tasks:\n${tasks}`, ["h1"]);
  const r = await run({ verbose: true });
  const failed = r.results.filter((x) => x.status === "failed");
  expect(failed).toEqual([]);
  return r.events
    .filter((e): e is Extract<RunEvent, { type: "command" }> => e.type === "command")
    .map((e) => [...e.command.script.matchAll(/echo (t\d)/g)].map((m) => m[1]!));
}

const ro = (name: string, extra = "") =>
  `    - name: ${name}\n      command: "echo ${name}"\n      changed_when: false\n      check_mode: false\n${extra}`;

// t0 registers r outside any batch (it changes the host): a value that is there, and stale, when later batches are collected
const T0 = `    - name: t0\n      command: "echo t0"\n      register: r\n`;

describe("what a probe batch collects", () => {
  it.each([
    ["read-only commands, no register", ro("t1") + ro("t2") + ro("t3"), [["t1", "t2", "t3"]]],
    [
      "a when on a var registered before the batch and again in it: stops before it",
      T0 + ro("t1", "      register: r\n") + ro("t2", "      when: r.stdout == 't0'\n") + ro("t3"),
      [["t0"], ["t1"], ["t3"]],
    ],
    [
      "`is not defined` on a var an earlier task of the batch registers",
      ro("t1", "      register: r1\n") + ro("t2", "      when: r1 is not defined\n"),
      [["t1"]],
    ],
    [
      "args that read it",
      T0 +
        ro("t1", "      register: r\n") +
        `    - name: t2\n      command: "echo t2 {{ r.stdout }}"\n      changed_when: false\n      check_mode: false\n`,
      [["t0"], ["t1"], ["t2"]],
    ],
    [
      "a var that reads it, through a template",
      T0 +
        ro("t1", "      register: r\n") +
        ro("t2", "      vars: { fresh: \"{{ r.stdout == 't0' }}\" }\n      when: fresh\n"),
      [["t0"], ["t1"]],
    ],
    [
      "a loop over it",
      T0 +
        ro("t1", "      register: r\n") +
        `    - name: t2\n      command: "echo t2 {{ item }}"\n      loop: "{{ r.stdout_lines }}"\n      changed_when: false\n      check_mode: false\n`,
      [["t0"], ["t1"], ["t2"]],
    ],
    [
      "a var registered before the batch only: known, collected",
      T0 + ro("t1", "      when: r.stdout == 't0'\n") + ro("t2"),
      [["t0"], ["t1", "t2"]],
    ],
    [
      "a when on vars known at batch time",
      ro("t1", "      register: r1\n") +
        ro("t2", "      when: n == 'h1'\n") +
        ro("t3", "      when: n != 'h1'\n") +
        ro("t4"),
      [["t1", "t2", "t4"]],
    ],
    [
      "a register read only by failed_when (judged at its turn)",
      ro("t1", "      register: r1\n") + ro("t2", "      failed_when: r1.rc != 0\n"),
      [["t1", "t2"]],
    ],
    [
      "its own register, read by failed_when",
      ro("t1", "      register: r1\n      failed_when: \"'t1' not in r1.stdout\"\n") + ro("t2"),
      [["t1", "t2"]],
    ],
  ])("%s", async (_shape, tasks, batches) => {
    expect(await execsOf(tasks)).toEqual(batches);
  });
});
