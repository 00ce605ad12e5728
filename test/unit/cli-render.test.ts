// Human output: one TASK header per task per play, in playbook order, from events in any order;
// failures at once; live lines only on a terminal.
import { afterEach, describe, expect, it } from "vitest";
import type { HostStatus, RunEvent } from "../../src/engine/types.js";
import { Chalk } from "chalk";
import { driftLines } from "../../src/cli/drift.js";
import { createRenderer } from "../../src/cli/render.js";

const TASKS = ["Gathering Facts", "download", "install"];
const PLAY = "site";

type Step = RunEvent | "|";
const start = (hosts: string[], play = PLAY, tasks = TASKS): RunEvent => ({
  type: "play_start",
  play,
  hosts,
  check: false,
  tasks,
});
const on = (host: string, i: number, play = PLAY): RunEvent => ({
  type: "task_start",
  host,
  play,
  task: TASKS[i]!,
  task_index: i,
});
const res = (
  host: string,
  i: number,
  status: HostStatus = "ok",
  extra: { msg?: string; item?: string; task?: string; play?: string } = {},
): RunEvent => ({
  type: "task_result",
  result: {
    host,
    play: extra.play ?? PLAY,
    task: extra.task ?? TASKS[i]!,
    module: "m",
    status,
    changed: status === "changed",
    msg: extra.msg ?? "",
    duration_ms: 1,
    task_index: i,
    ...(extra.item ? { item: extra.item } : {}),
  },
});
const done = (host: string, play = PLAY): RunEvent => ({ type: "host_done", host, play });
const batch = (hosts: string[], forks = hosts.length): RunEvent => ({ type: "batch_start", play: PLAY, hosts, forks });
const recap = (...hosts: string[]): RunEvent => ({
  type: "recap",
  recap: Object.fromEntries(
    hosts.map((h) => [h, { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, ignored: 0 }]),
  ),
});
/** A host through the whole play: each task started, then its result. */
const through = (host: string, statuses: HostStatus[] = ["ok", "ok", "ok"]): RunEvent[] => [
  res(host, 0, statuses[0]),
  ...statuses.slice(1).flatMap((s, i) => [on(host, i + 1), res(host, i + 1, s)]),
  done(host),
];

class Sink {
  text = "";
  isTTY = false;
  columns = 100;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** Feed the steps; "|" marks in the output how far it had got at that point. Banners lose their stars. */
function render(steps: Step[], verbose = false): string {
  const out = new Sink();
  const r = createRenderer({ json: false, diff: false, verbose, out, err: new Sink(), live: false });
  for (const s of steps) {
    if (s === "|") out.write("|\n");
    else r(s);
  }
  return out.text.replace(/ \*{3,}$/gm, "").trim();
}

const RECAP = (hosts: string) => `PLAY RECAP\n${hosts}`;
/** Each task's header (after a blank line), then an ok line per host. */
const allOk = (tasks: string[], hosts: string[]) =>
  tasks.map((t) => `\nTASK [${t}]\n${hosts.map((h) => `ok: [${h}]`).join("\n")}`).join("\n");

describe("grouped output (not a terminal)", () => {
  it.each<[string, Step[], string]>([
    [
      "two hosts interleaved: each header once, each line under its task, in playbook order",
      [
        start(["h1", "h2"]),
        res("h1", 0),
        on("h1", 1),
        res("h1", 1, "changed"),
        on("h1", 2),
        res("h2", 0),
        res("h1", 2),
        done("h1"),
        on("h2", 1),
        res("h2", 1),
        on("h2", 2),
        res("h2", 2),
        done("h2"),
        recap("h1", "h2"),
      ],
      `PLAY [${PLAY}]

TASK [Gathering Facts]
ok: [h1]
ok: [h2]

TASK [download]
changed: [h1]
ok: [h2]

TASK [install]
ok: [h1]
ok: [h2]

${RECAP("h1 : ok=1  changed=0  unreachable=0  failed=0  skipped=0  ignored=0\nh2 : ok=1  changed=0  unreachable=0  failed=0  skipped=0  ignored=0")}

CHANGES
download: 1 changed`,
    ],
    [
      "a task is shown once every host has passed it, not before",
      [
        start(["h1", "h2"]),
        ...through("h1"),
        "|",
        res("h2", 0),
        "|",
        on("h2", 1),
        "|",
        res("h2", 1),
        on("h2", 2),
        res("h2", 2),
        done("h2"),
      ],
      `PLAY [${PLAY}]
|
|

TASK [Gathering Facts]
ok: [h1]
ok: [h2]
|
${allOk(["download", "install"], ["h1", "h2"])}`,
    ],
    [
      "a failure is shown at once, under its header, with the tasks before it as far as they got; later lines come under CONTINUED",
      [
        start(["h1", "h2", "h3"]),
        res("h1", 0),
        on("h1", 1),
        res("h1", 1, "failed", { msg: "sha256 mismatch" }),
        done("h1"),
        "|",
        res("h2", 0),
        res("h3", 0),
        on("h2", 1),
        on("h3", 1),
        res("h2", 1),
        "|",
        res("h3", 1),
        on("h2", 2),
        on("h3", 2),
        res("h3", 2),
        res("h2", 2),
        done("h2"),
        done("h3"),
      ],
      `PLAY [${PLAY}]

TASK [Gathering Facts]
ok: [h1]

TASK [download]
fatal: [h1]: FAILED! sha256 mismatch
|

CONTINUED [Gathering Facts]
ok: [h2]
ok: [h3]
|

CONTINUED [download]
ok: [h2]
ok: [h3]

TASK [install]
ok: [h3]
ok: [h2]`,
    ],
    [
      "a failure on a later task heads the tasks before it even when they hold nothing yet",
      [
        start(["h1", "h2"]),
        res("h2", 0),
        on("h2", 1),
        res("h2", 1),
        on("h2", 2),
        res("h2", 2, "failed", { msg: "boom" }),
        done("h2"),
        "|",
        res("h1", 0),
        on("h1", 1),
        res("h1", 1),
        on("h1", 2),
        res("h1", 2),
        done("h1"),
      ],
      `PLAY [${PLAY}]

TASK [Gathering Facts]
ok: [h2]

TASK [download]
ok: [h2]

TASK [install]
fatal: [h2]: FAILED! boom
|

CONTINUED [Gathering Facts]
ok: [h1]

CONTINUED [download]
ok: [h1]

CONTINUED [install]
ok: [h1]`,
    ],
    [
      "a second failure in a task already passed by the output is shown at once with what that task held",
      [
        start(["h1", "h2", "h3"]),
        res("h1", 0),
        on("h1", 1),
        on("h1", 2),
        res("h1", 2, "failed", { msg: "first" }),
        done("h1"),
        res("h2", 0),
        "|",
        res("h3", 0, "unreachable", { task: "connect", msg: "refused" }),
        done("h3"),
        "|",
        on("h2", 1),
        on("h2", 2),
        res("h2", 2),
        done("h2"),
      ],
      `PLAY [${PLAY}]

TASK [Gathering Facts]
ok: [h1]

TASK [download]

TASK [install]
fatal: [h1]: FAILED! first
|

CONTINUED [Gathering Facts]
ok: [h2]
fatal: [h3]: UNREACHABLE! refused
|

CONTINUED [install]
ok: [h2]`,
    ],
    [
      "unreachable hosts at the start show at once under the first task; the others' lines follow under it",
      [
        start(["h1", "h2", "h3"]),
        res("h3", 0, "unreachable", { task: "connect", msg: "refused" }),
        done("h3"),
        "|",
        res("h1", 0),
        res("h2", 0),
        "|",
        on("h1", 1),
        on("h2", 1),
        res("h1", 1),
        res("h2", 1),
        done("h1"),
        done("h2"),
      ],
      `PLAY [${PLAY}]

TASK [Gathering Facts]
fatal: [h3]: UNREACHABLE! refused
|
ok: [h1]
ok: [h2]
|

TASK [download]
ok: [h1]
ok: [h2]`,
    ],
    [
      "a started host that has not reported yet holds the tasks; a play that ends early prints what it holds",
      [start(["h1", "h2", "h3"]), ...through("h1"), ...through("h2"), "|", recap("h1", "h2")],
      `PLAY [${PLAY}]
|
${allOk(TASKS, ["h1", "h2"])}

${RECAP("h1 : ok=1  changed=0  unreachable=0  failed=0  skipped=0  ignored=0\nh2 : ok=1  changed=0  unreachable=0  failed=0  skipped=0  ignored=0")}

CHANGES
nothing changed, nothing failed`,
    ],
    [
      "serial [1, 100%]: the canary's lines print as it passes each task; each batch has its own PLAY and TASK headers",
      [
        start(["h1", "h2", "h3"]),
        batch(["h1"]),
        res("h1", 0),
        "|",
        on("h1", 1),
        "|",
        res("h1", 1, "changed"),
        on("h1", 2),
        res("h1", 2),
        done("h1"),
        "|",
        batch(["h2", "h3"]),
        ...through("h2"),
        "|",
        ...through("h3"),
      ],
      `PLAY [${PLAY}]
|

TASK [Gathering Facts]
ok: [h1]
|

TASK [download]
changed: [h1]

TASK [install]
ok: [h1]
|

PLAY [${PLAY}]
|
${allOk(TASKS, ["h2", "h3"])}`,
    ],
    [
      "forks 2 of 3 hosts: a host waiting for a fork holds nothing back; its lines for tasks already printed come under CONTINUED",
      [
        start(["h1", "h2", "h3"]),
        batch(["h1", "h2", "h3"], 2),
        res("h1", 0),
        res("h2", 0),
        on("h1", 1),
        on("h2", 1),
        "|",
        res("h1", 1),
        res("h2", 1),
        on("h1", 2),
        on("h2", 2),
        res("h1", 2),
        done("h1"),
        "|",
        res("h3", 0),
        res("h2", 2),
        done("h2"),
        "|",
        on("h3", 1),
        res("h3", 1),
        on("h3", 2),
        "|",
        res("h3", 2),
        done("h3"),
      ],
      `PLAY [${PLAY}]

TASK [Gathering Facts]
ok: [h1]
ok: [h2]
|

TASK [download]
ok: [h1]
ok: [h2]
|
|

CONTINUED [Gathering Facts]
ok: [h3]

CONTINUED [download]
ok: [h3]
|

TASK [install]
ok: [h1]
ok: [h2]
ok: [h3]`,
    ],
    [
      "loop items and two plays: headers once per play",
      [
        start(["h1", "h2"]),
        res("h1", 0),
        res("h2", 0),
        on("h1", 1),
        res("h1", 1, "changed", { item: "a" }),
        on("h2", 1),
        res("h2", 1, "ok", { item: "a" }),
        res("h1", 1, "ok", { item: "b" }),
        done("h1"),
        res("h2", 1, "changed", { item: "b" }),
        done("h2"),
        start(["h2"], "second"),
        res("h2", 0, "failed", { play: "second", msg: "no" }),
        done("h2", "second"),
        recap("h1", "h2"),
      ],
      `PLAY [${PLAY}]

TASK [Gathering Facts]
ok: [h1]
ok: [h2]

TASK [download]
changed: [h1] => (item=a)
ok: [h2] => (item=a)
ok: [h1] => (item=b)
changed: [h2] => (item=b)

PLAY [second]

TASK [Gathering Facts]
fatal: [h2]: FAILED! no

${RECAP("h1 : ok=1  changed=0  unreachable=0  failed=0  skipped=0  ignored=0\nh2 : ok=1  changed=0  unreachable=0  failed=0  skipped=0  ignored=0")}

CHANGES
site / download: 2 changed
second / Gathering Facts: 1 failed: h2`,
    ],
  ])("%s", (_name, steps, want) => {
    expect(render(steps)).toBe(want);
  });

  it("-v: a host's commands go under the task it is on", () => {
    const cmd = (host: string): RunEvent => ({
      type: "command",
      command: { host, script: "echo hi", code: 0, stdout: "hi\n", stderr: "", duration_ms: 2 },
    });
    const text = render(
      [
        start(["h1", "h2"]),
        res("h1", 0),
        on("h1", 1),
        cmd("h1"),
        res("h1", 1),
        done("h1"),
        res("h2", 0),
        on("h2", 1),
        cmd("h2"),
        res("h2", 1),
        done("h2"),
      ],
      true,
    );
    expect(text.split("\n").slice(6)).toEqual([
      "TASK [download]",
      "<h1> exit 0 in 2 ms: echo hi",
      "    hi",
      "ok: [h1]",
      "<h2> exit 0 in 2 ms: echo hi",
      "    hi",
      "ok: [h2]",
    ]);
  });

  it("every task's header appears once at 200 hosts whatever the order of their results", () => {
    const hosts = Array.from({ length: 200 }, (_, i) => `h${i}`);
    const queues = hosts.map((h) => through(h, ["ok", "changed", "ok"]));
    const steps: Step[] = [start(hosts)];
    // a fixed, uneven interleaving: host i advances every (i % 7 + 1)-th round
    for (let round = 0; queues.some((q) => q.length); round++)
      for (const [i, q] of queues.entries()) if (round % ((i % 7) + 1) === 0 && q.length) steps.push(q.shift()!);
    const text = render(steps);
    expect(text.match(/^TASK \[.*$/gm)).toEqual(TASKS.map((t) => `TASK [${t}]`));
    expect(text).not.toContain("CONTINUED");
    const blocks = text.split(/^TASK /m).slice(1);
    for (const [i, b] of blocks.entries())
      expect(b.split("\n").filter((l) => l.startsWith(i === 1 ? "changed: [" : "ok: ["))).toHaveLength(200);
  });
});

describe("live lines (a terminal)", () => {
  const saved = process.env.NO_COLOR;
  afterEach(() => {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  });

  const tty = () => Object.assign(new Sink(), { isTTY: true, columns: 200 });
  const progress = (host: string, text: string): RunEvent => ({ type: "progress", host, task: "download", text });

  function liveRun(err: Sink, clock: { t: number }) {
    const out = new Sink();
    const r = createRenderer({ json: false, diff: false, verbose: false, out, err, now: () => clock.t });
    return { out, r };
  }

  /** The block as a terminal shows it after the last redraw. */
  const lastBlock = (err: Sink) => err.text.split(/\r(?:\x1b\[\d+A)?\x1b\[J/).pop()!;

  it("a line per running task: hosts done, changed, failed, running, waiting; bytes and rate of transfers", () => {
    delete process.env.NO_COLOR;
    const err = tty();
    const clock = { t: 0 };
    const { out, r } = liveRun(err, clock);
    r(start(["h1", "h2", "h3"]));
    for (const h of ["h1", "h2"]) [res(h, 0), on(h, 1)].forEach(r);
    r(res("h2", 1, "failed", { msg: "x" }));
    r(done("h2"));
    r(progress("h1", "download 1000000/5000000 bytes"));
    clock.t = 2000;
    r(progress("h1", "download 5000000/5000000 bytes"));
    expect(lastBlock(err)).toBe(
      "[2/3] download: 1/3 done, 0 changed, 1 failed, 1 running, 1 waiting · 5.0 MB at 2.0 MB/s",
    );
    clock.t = 2050;
    r(progress("h1", "until not met, retrying (2 left)"));
    // progress redraws at most every 100 ms
    expect(lastBlock(err)).toBe(
      "[2/3] download: 1/3 done, 0 changed, 1 failed, 1 running, 1 waiting · 5.0 MB at 2.0 MB/s",
    );
    clock.t = 2150;
    r(progress("h1", "until not met, retrying (1 left)"));
    expect(lastBlock(err)).toBe(
      "[2/3] download: 1/3 done, 0 changed, 1 failed, 1 running, 1 waiting · 5.0 MB at 1.9 MB/s · h1: until not met, retrying (1 left)",
    );
    clock.t = 2200;
    [on("h1", 2), on("h3", 1), progress("h3", "upload 2000/4000 bytes")].forEach(r);
    expect(lastBlock(err).split("\n")).toEqual([
      "[2/3] download: 2/3 done, 0 changed, 1 failed, 1 running, 0 waiting · 5.0 MB at 1.8 MB/s",
      "[3/3] install: 1/3 done, 0 changed, 0 failed, 1 running, 1 waiting",
    ]);
    // the output itself has no live lines, and the block is erased before each output line
    expect(out.text).not.toMatch(/running|\x1b/);
    expect(err.text).toMatch(/\r\x1b\[1A\x1b\[J/);
    r(recap("h1"));
    expect(lastBlock(err)).toBe("");
  });

  it.each<[string, () => Sink, string | undefined]>([
    ["not a terminal", () => new Sink(), undefined],
    ["NO_COLOR set", tty, "1"],
  ])("none when %s", (_name, make, noColor) => {
    if (noColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = noColor;
    const err = make();
    const { out, r } = liveRun(err, { t: 0 });
    for (const e of [
      start(["h1"]),
      res("h1", 0),
      on("h1", 1),
      progress("h1", "download 10/20 bytes"),
      res("h1", 1),
      done("h1"),
    ])
      r(e);
    expect(err.text).toBe("");
    expect(out.text).toContain("TASK [download]");
  });

  it("--json: the same events as before, no live lines", () => {
    delete process.env.NO_COLOR;
    const out = new Sink();
    const err = tty();
    const r = createRenderer({ json: true, diff: false, verbose: false, out, err });
    for (const e of [start(["h1"]), res("h1", 0), progress("h1", "download 10/20 bytes"), done("h1")]) r(e);
    expect(
      out.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).type),
    ).toEqual(["play_start", "task_result", "host_done"]);
    expect(err.text).toBe("");
  });

  it.each([
    { name: "text", json: false },
    { name: "--json", json: true },
  ])("$name: a load warning goes to stderr as Ansible prints it, nothing of it to stdout", ({ json }) => {
    const [out, err] = [new Sink(), new Sink()];
    const r = createRenderer({ json, diff: false, verbose: false, out, err, live: false });
    r({ type: "warning", text: "site.yaml:9:13: condition '{{ x }}' is written as a template" });
    expect(err.text).toBe("[WARNING]: site.yaml:9:13: condition '{{ x }}' is written as a template\n");
    expect(out.text).toBe("");
  });
});

describe("DRIFT RECAP", () => {
  it("a fixed task's line says what was done, not what would be; a drifted one keeps 'would'", () => {
    const task = { play: "p", task: "install", msg: "would switch /usr/local/go to go1.22.12" };
    const lines = driftLines(
      {
        hosts: {
          h1: { state: "fixed", drifted: [task], remaining: [] },
          h2: { state: "drifted", drifted: [task], remaining: [task] },
        },
        runIds: [],
        auditHeads: {},
        interrupted: false,
      },
      false,
      new Chalk({ level: 0 }),
    );
    expect(lines).toContain("fixed: [h1] install: switch /usr/local/go to go1.22.12");
    expect(lines).toContain("drifted: [h2] install: would switch /usr/local/go to go1.22.12");
    expect(lines.join("\n")).not.toMatch(/fixed: .*would/);
  });
});
