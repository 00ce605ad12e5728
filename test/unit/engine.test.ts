import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { batchScript, newMarker, splitBatch } from "../../src/engine/batch.js";
import { Executor } from "../../src/engine/exec.js";
import { selectHosts } from "../../src/load/select.js";
import { batches, overFailLimit } from "../../src/engine/serial.js";
import { selectTasks } from "../../src/engine/tags.js";
import { EXIT, exitForDrift, exitForError, exitForHosts, exitForRecap } from "../../src/cli/exit.js";
import type { DriftReport, HostDriftState } from "../../src/commands/drift.js";
import { InputError, InterruptedError, LockHeldError, TaskError, UnreachableError } from "../../src/errors.js";
import { emptyRecap } from "../../src/engine/types.js";
import type { Inventory, Task } from "../../src/load/model.js";
import { diffLines } from "../../src/cli/diff.js";
import { probeRunsTask } from "../../src/engine/capabilities.js";
import { CheckMode } from "../../src/engine/check.js";
import { maxAttempts } from "../../src/engine/retry.js";
import { RunOnce } from "../../src/engine/run-once.js";
import { loadModule } from "../../src/modules/index.js";

const inv: Inventory = {
  file: "hosts.yaml",
  hosts: new Map(["a1", "a2", "a3", "x1", "ctl"].map((h) => [h, { name: h, vars: {}, groups: [] }])),
  groups: new Map([
    ["all", { name: "all", hosts: ["ctl"], children: ["arm64", "amd64"], vars: {} }],
    ["arm64", { name: "arm64", hosts: ["a1", "a2", "a3"], children: ["canary"], vars: {} }],
    ["canary", { name: "canary", hosts: ["a1"], children: [], vars: {} }],
    ["amd64", { name: "amd64", hosts: ["x1"], children: [], vars: {} }],
  ]),
};

describe("host patterns", () => {
  it.each([
    ["all", ["a1", "a2", "a3", "x1", "ctl"]],
    ["*", ["a1", "a2", "a3", "x1", "ctl"]],
    ["arm64", ["a1", "a2", "a3"]],
    ["arm64:amd64", ["a1", "a2", "a3", "x1"]],
    ["amd64,arm64", ["a1", "a2", "a3", "x1"]],
    ["arm64:&canary", ["a1"]],
    ["arm64:!canary", ["a2", "a3"]],
    ["all:!arm64", ["x1", "ctl"]],
    ["!canary", ["a2", "a3", "x1", "ctl"]],
    // globs match group names too, as in Ansible: a* takes in all, amd64 and arm64
    ["a*", ["a1", "a2", "a3", "x1", "ctl"]],
    ["x*", ["x1"]],
    ["a?", ["a1", "a2", "a3"]],
    ["x1", ["x1"]],
    ["nosuch", []],
  ])("%s → %j", (pattern, hosts) => {
    expect(selectHosts(inv, pattern)).toEqual(hosts);
  });
});

describe("serial batches", () => {
  const ten = Array.from({ length: 10 }, (_, i) => i);
  it.each<[Array<number | string>, number[]]>([
    [[], [10]],
    [[3], [3, 3, 3, 1]],
    [["50%"], [5, 5]],
    [["25%"], [2, 2, 2, 2, 2]],
    [["1%"], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    [
      [1, "50%", "100%"],
      [1, 5, 4],
    ],
    [
      [2, 3],
      [2, 3, 3, 2],
    ],
  ])("serial %j → batch sizes %j", (serial, sizes) => {
    expect(batches(ten, serial).map((b) => b.length)).toEqual(sizes);
  });

  // counts over every host the play's batches ran so far, not the last batch (docs/rollouts.md)
  it.each([
    [1, 4, undefined, false],
    [1, 4, 25, false],
    [2, 4, 25, true],
    [0, 4, 0, false],
    [1, 4, 0, true],
    [1, 1, 99, true],
    [0, 0, 0, false],
    [1, 3, 40, false],
    [2, 5, 40, false],
    [3, 7, 40, true],
    [1, 10, 10, false],
    [2, 10, 10, true],
  ])("%i failed of %i hosts run so far with max_fail_percentage %s → stop %s", (failed, ran, max, stop) => {
    expect(overFailLimit(failed, ran, max)).toBe(stop);
  });
});

describe("tags", () => {
  const t = (name: string, tags: string[]): Task => ({
    name,
    module: "command",
    args: "",
    where: {},
    tags,
    notify: [],
    ignore_errors: false,
    no_log: false,
  });
  const tasks = [
    t("plain", []),
    t("go", ["go"]),
    t("env", ["env", "go"]),
    t("always", ["always"]),
    t("never", ["never"]),
    t("debug", ["never", "debug"]),
  ];
  it.each<[string[], string[], string[]]>([
    [[], [], ["plain", "go", "env", "always"]],
    [["go"], [], ["go", "env", "always"]],
    [["env"], [], ["env", "always"]],
    [["debug"], [], ["always", "debug"]],
    [[], ["go"], ["plain", "always"]],
    [[], ["always"], ["plain", "go", "env"]],
    [["tagged"], [], ["go", "env", "always"]],
    [["untagged"], [], ["plain", "always"]],
  ])("--tags %j --skip-tags %j → %j", (only, skip, names) => {
    expect(selectTasks(tasks, [], only, skip).map((x) => x.name)).toEqual(names);
  });
});

describe("batched probes", () => {
  it("splits each section's stdout, stderr and exit code, through a real sh", () => {
    const marker = newMarker();
    const sections = [
      { script: "echo a=1; echo warn >&2" },
      { script: "printf 'no newline'" },
      { script: "exit 3" },
      { script: "printf '%s\\n' 'x=$(touch /tmp/never)'; cat" },
      { script: "echo last" },
    ];
    const script = batchScript(sections, marker);
    const stdout = execFileSync("sh", ["-c", script], { encoding: "utf8", input: "stdin must not reach probes" });
    const stderr = execFileSync("sh", ["-c", `{ ${script}\n} 3>&1 1>/dev/null 2>&3`], { encoding: "utf8" });
    const outs = splitBatch(sections.length, marker, stdout, stderr);
    expect(outs.map((o) => o.code)).toEqual([0, 0, 3, 0, 0]);
    expect(outs[0]).toEqual({ stdout: "a=1\n", stderr: "warn\n", code: 0 });
    expect(outs[1]!.stdout).toBe("no newline");
    expect(outs[3]!.stdout).toBe("x=$(touch /tmp/never)\n");
    expect(outs[4]!.stdout).toBe("last\n");
  });

  it("a section cut short reports code -1", () => {
    const m = newMarker();
    expect(splitBatch(2, m, `${m}:0:start\nhalf`, "")).toEqual([
      { stdout: "", stderr: "", code: -1 },
      { stdout: "", stderr: "", code: -1 },
    ]);
  });
});

describe("exit codes", () => {
  const recap = (over: Partial<ReturnType<typeof emptyRecap>>) => ({ ...emptyRecap(), ...over });
  it.each([
    [{ a: recap({ ok: 3 }) }, false, EXIT.ok],
    [{ a: recap({ ok: 3, changed: 2 }) }, false, EXIT.ok],
    [{ a: recap({ ignored: 1 }) }, false, EXIT.ok],
    [{ a: recap({ failed: 1 }), b: recap({ ok: 1 }) }, false, 2],
    [{ a: recap({ unreachable: 1 }) }, false, 4],
    [{ a: recap({ failed: 1 }), b: recap({ unreachable: 1 }) }, false, 4],
    [{ a: recap({ ok: 1 }) }, true, 99],
  ])("recap %j interrupted=%s → %i", (r, interrupted, code) => {
    expect(exitForRecap(r, interrupted)).toBe(code);
  });

  it.each([
    [{}, 0],
    [{ a: { failed: "x" } }, 2],
    [{ a: { failed: "x" }, b: { unreachable: "y" } }, 4],
  ])("facts report %j → %i", (report, code) => {
    expect(exitForHosts(report as Parameters<typeof exitForHosts>[0])).toBe(code);
  });

  it.each([
    [new InputError("bad"), 5],
    [new UnreachableError("gone"), 2],
    [new TaskError("x"), 2],
    [new LockHeldError("held"), 7],
    [new InterruptedError("stop"), 99],
    [new Error("bug"), 1],
  ])("%s → %i", (e, code) => {
    expect(exitForError(e)).toBe(code);
  });

  const drift = (states: HostDriftState[], interrupted = false): DriftReport => ({
    hosts: Object.fromEntries(states.map((state, i) => [`h${i}`, { state, drifted: [], remaining: [] }])),
    runIds: [],
    auditHeads: {},
    interrupted,
  });
  it.each<[HostDriftState[], boolean, number]>([
    [["in_sync", "in_sync"], false, EXIT.ok],
    [["in_sync", "drifted"], false, 3],
    [["fixed", "in_sync"], false, 6],
    [["fixed", "drifted"], false, 3],
    [["drifted", "failed"], false, 2],
    [["failed", "unreachable", "drifted"], false, 4],
    [["in_sync"], true, 99],
  ])("drift %j interrupted=%s → %i", (states, interrupted, code) => {
    expect(exitForDrift(drift(states, interrupted))).toBe(code);
  });

  it("every exit code is distinct", () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
  });
});

describe("become when logged in as root", () => {
  const t = { host: "h" } as never;
  it.each<[boolean, boolean | string, boolean | string]>([
    [true, true, false],
    [true, "root", false],
    [true, "postgres", "postgres"],
    [false, true, true],
    [false, "postgres", "postgres"],
    [true, false, false],
  ])("asRoot=%s become=%j → %j", (asRoot, become, want) => {
    expect(new Executor(t, { asRoot, delegated: false, verbose: false, emit: () => undefined }).become(become)).toBe(
      want,
    );
  });
});

describe("--diff lines", () => {
  it("marks removed and added lines around the common ones, each removed line before its replacement", () => {
    expect(diffLines("a\nb\nc\n", "a\nB\nc\nd\n").map((l) => l.op + l.line)).toEqual([" a", "-b", "+B", " c", "+d"]);
    expect(diffLines("x\ny\n", "X\nY\n").map((l) => l.op + l.line)).toEqual(["-x", "-y", "+X", "+Y"]);
    expect(diffLines("", "x\n").map((l) => l.op + l.line)).toEqual(["+x"]);
  });
});

describe("task keyword tables", () => {
  const task = (extra: Partial<Task>): Task => ({
    name: "t",
    module: "command",
    args: "",
    where: {},
    tags: [],
    notify: [],
    ignore_errors: false,
    no_log: false,
    ...extra,
  });

  it.each<[Partial<Task>, number]>([
    [{}, 1],
    [{ retries: 5 }, 1],
    [{ until: "r.rc == 0" }, 4],
    [{ until: "r.rc == 0", retries: 0 }, 1],
    [{ until: "r.rc == 0", retries: 2 }, 3],
  ])("%j → %i attempts at most", (keywords, attempts) => {
    expect(maxAttempts(task(keywords))).toBe(attempts);
  });

  it.each<[boolean, boolean | undefined, boolean]>([
    [false, undefined, false],
    [true, undefined, true],
    [true, false, false],
    [false, true, true],
  ])("--check %s with check_mode %s → in check mode: %s", (run, keyword, check) => {
    expect(new CheckMode(run).of(task({ check_mode: keyword }))).toBe(check);
  });

  it.each<{ name: string; module: string; keywords: Partial<Task>; runs: boolean }>([
    {
      name: "command declared read-only",
      module: "command",
      keywords: { changed_when: false, check_mode: false },
      runs: true,
    },
    { name: "command, changed_when: false alone", module: "command", keywords: { changed_when: false }, runs: false },
    { name: "command, check_mode: false alone", module: "command", keywords: { check_mode: false }, runs: false },
    {
      name: "command, changed_when a condition",
      module: "command",
      keywords: { changed_when: "false", check_mode: false },
      runs: false,
    },
    {
      name: "command in check mode",
      module: "command",
      keywords: { changed_when: false, check_mode: true },
      runs: false,
    },
    {
      name: "a module whose probe can't run its task",
      module: "download",
      keywords: { changed_when: false, check_mode: false },
      runs: false,
    },
  ])("$name: the probe runs the task: $runs", async ({ module, keywords, runs }) => {
    expect(probeRunsTask(await loadModule(module), task(keywords))).toBe(runs);
  });
});

describe("run_once", () => {
  it("the first host of the batch runs the task; the others get its result", async () => {
    const once = new RunOnce<string>(["a", "b", "c"]);
    const key = {};
    const ran: string[] = [];
    const work = (h: string) => async () => (ran.push(h), `from ${h}`);
    // b and c reach the task before a does: they wait for it
    const [b, c] = [once.run(key, "b", work("b")), once.run(key, "c", work("c"))];
    const a = await once.run(key, "a", work("a"));
    expect([a, await b, await c]).toEqual([
      { result: "from a", ranHere: true, by: "a" },
      { result: "from a", ranHere: false, by: "a" },
      { result: "from a", ranHere: false, by: "a" },
    ]);
    expect(ran).toEqual(["a"]);
  });

  it("when the first host leaves before the task, the next one still running takes it", async () => {
    const once = new RunOnce<string>(["a", "b", "c"]);
    const key = {};
    const c = once.run(key, "c", async () => "from c");
    once.leave("a");
    const b = await once.run(key, "b", async () => "from b");
    expect([b, await c]).toEqual([
      { result: "from b", ranHere: true, by: "b" },
      { result: "from b", ranHere: false, by: "b" },
    ]);
  });
});
