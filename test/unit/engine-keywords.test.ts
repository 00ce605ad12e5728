// Task keywords and check mode on `connection: local` hosts (real sh), as Ansible defines them.
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAudit } from "../../src/audit/log.js";
import { InputError, UnreachableError } from "../../src/errors.js";
import { LocalTransport } from "../../src/transport/local.js";
import type { ExecOptions, Transport } from "../../src/transport/transport.js";
import { runPlaybook } from "../../src/engine/run.js";
import type { RunEvent, TaskResult } from "../../src/engine/types.js";
import type { Inventory, Playbook, Task } from "../../src/load/model.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import { setup } from "./engine-local.js";

const one = (tasks: string, vars = "") => `\n- hosts: g\n  gather_facts: false\n${vars}  tasks:\n${tasks}`;

describe("check mode, per task as in Ansible", () => {
  // the task touches DIR/t: did it run?
  it.each([
    ["--check", "changed_when: false", true, false, "skipped"],
    ["--check", "check_mode: false", true, true, "changed"],
    ["--check", "changed_when: false\n      check_mode: false", true, true, "ok"],
    ["a real run", "check_mode: true", false, false, "changed"],
    ["a real run", "changed_when: false", false, true, "ok"],
  ])("under %s, a command with %s runs: %s", async (_mode, keywords, check, runs, status) => {
    const { dir, run } = setup(one(`    - name: t\n      command: "touch DIR/t"\n      ${keywords}\n`), ["h1"]);
    const r = await run({ check });
    expect(existsSync(join(dir, "t"))).toBe(runs);
    expect(r.of("h1", "t")).toMatchObject({ status });
  });

  it("a read-only command (changed_when: false + check_mode: false) runs inside the batched probe exec", async () => {
    const { run } = setup(
      one(
        `    - name: a\n      command: "echo one"\n      changed_when: false\n      check_mode: false\n    - name: b\n      command: "echo two"\n      changed_when: false\n      check_mode: false\n`,
      ),
      ["h1"],
    );
    const r = await run({ check: true });
    expect(r.of("h1", "b")).toMatchObject({ status: "ok", msg: "two" });
    expect(r.result.stats.execs).toBe(1);
  });

  // issue 20 #4: cross-build.yaml's copy, judged from a build result --check never had
  it("a when that reads a result --check only guessed is not judged, on a host that has the file and on one that lacks it", async () => {
    const { dir, run } = setup(
      one(
        `    - name: built
      command: "echo abc"
      changed_when: false
      register: built
    - name: current
      command: "cat DIR/{{ n }} 2>/dev/null || true"
      changed_when: false
      check_mode: false
      register: current
    - name: copy
      command: "touch DIR/copied-{{ n }}"
      when: "(built.stdout | default('')) != current.stdout"
      register: copy
    - name: after copy
      command: "touch DIR/after-{{ n }}"
      when: copy is changed
`,
      ),
    );
    writeFileSync(join(dir, "h1"), "abc\n");
    const checked = await run({ check: true });
    for (const host of ["h1", "h2"]) {
      expect(checked.of(host, "copy")).toMatchObject({
        status: "skipped",
        msg: "not judged under --check: when reads built, which only a real run knows",
      });
      expect(checked.of(host, "after copy")?.msg).toMatch(/^not judged under --check: when reads copy/);
    }
    // the real run does what --check would not judge: h2 lacks the file
    const real = await run();
    expect(real.of("h1", "copy")).toMatchObject({ status: "skipped" });
    expect(real.of("h2", "copy")).toMatchObject({ status: "changed" });
  });

  it("read_only is not a playbook key: the command schema refuses it at file:line:col", () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-kw-"));
    writeFileSync(
      join(dir, "p.yaml"),
      "- hosts: g\n  tasks:\n    - command: { cmd: 'touch /tmp/x', read_only: true }\n",
    );
    expect(() => loadPlaybook(join(dir, "p.yaml"))).toThrow(InputError);
    expect(() => loadPlaybook(join(dir, "p.yaml"))).toThrow(/unknown key 'read_only'/);
    try {
      loadPlaybook(join(dir, "p.yaml"));
    } catch (e) {
      expect((e as InputError).where).toMatchObject({ line: 3, col: 39 });
    }
  });
});

describe("values stay data", () => {
  const payload = "line one\nARMGO_STDIN_EOF\ntouch DIR/pwned\n'; touch DIR/pwned2; '";
  it.each([
    ["run by apply", ""],
    ["run inside the batched probe", "\n      changed_when: false\n      check_mode: false"],
  ])("hostile stdin is fed to the command, never run (%s)", async (_how, keywords) => {
    const { dir, run } = setup(
      one(`    - name: s\n      command: { cmd: "cat > DIR/got", stdin: "{{ payload }}" }${keywords}\n`),
      ["h1"],
    );
    const r = await run({ extraVars: { payload: payload.replaceAll("DIR", dir) } });
    expect(r.of("h1", "s")?.status).not.toBe("failed");
    expect(existsSync(join(dir, "pwned"))).toBe(false);
    expect(existsSync(join(dir, "pwned2"))).toBe(false);
    expect(readFileSync(join(dir, "got"), "utf8")).toBe(payload.replaceAll("DIR", dir) + "\n");
  });

  it("hostile env and environment values stay data", async () => {
    const { dir, run } = setup(
      one(`    - name: e
      command: { cmd: 'printf "%s|%s" "$A" "$B" > DIR/env', env: { A: "$(touch DIR/pwned)" } }
      environment: { B: "{{ evil }}" }
`),
      ["h1"],
    );
    await run({ extraVars: { evil: "`touch " + dir + "/pwned2`;x" } });
    expect(readFileSync(join(dir, "env"), "utf8")).toBe(`$(touch ${dir}/pwned)|\`touch ${dir}/pwned2\`;x`);
    expect(existsSync(join(dir, "pwned"))).toBe(false);
    expect(existsSync(join(dir, "pwned2"))).toBe(false);
  });

  it.each([
    ["command env", "    - command: { cmd: env, env: { 'X=1; touch /tmp/pwned; Y': 1 } }\n", 4, 35],
    ["task environment", "    - command: env\n      environment: { 'X=1; touch /tmp/pwned; Y': 1 }\n", 5, 22],
    ["task vars", "    - command: env\n      vars: { 'not a name': 1 }\n", 5, 15],
  ])("a %s name that is not an identifier is refused at load, at the key", (_what, task, line, col) => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-kw-"));
    writeFileSync(join(dir, "p.yaml"), `- hosts: g\n  gather_facts: false\n  tasks:\n${task}`);
    let err: unknown;
    try {
      loadPlaybook(join(dir, "p.yaml"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).where).toMatchObject({ line, col });
    expect((err as InputError).message).toMatch(/^key '.*' in '(env|environment|vars)' must match pattern/);
  });

  it("an environment templated into a mapping is checked once rendered", async () => {
    const { dir, run } = setup(
      one(`    - name: e\n      command: "touch DIR/ran"\n      environment: "{{ envs }}"\n`),
      ["h1"],
    );
    const r = await run({ extraVars: { envs: { "X;touch": "1" } } });
    expect(r.of("h1", "e")).toMatchObject({
      status: "failed",
      msg: expect.stringMatching(/^key 'X;touch' in 'environment' must match pattern/),
    });
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });
});

describe("task keywords", () => {
  it.each([
    [{}, "task"],
    [{ x: "extra" }, "extra"],
  ])("task vars sit above play vars and below extra vars (-e %j → %s)", async (extraVars, want) => {
    const { run } = setup(
      one(
        `    - name: v\n      command: "echo {{ x }} {{ y }}"\n      vars: { x: task, y: "{{ x }}-y" }\n`,
        "  vars: { x: play }\n",
      ),
      ["h1"],
    );
    const r = await run({ extraVars, check: false });
    expect(r.of("h1", "v")?.data?.stdout).toBe(`${want} ${want}-y`);
  });

  const counter = (file: string, succeedAt: number) =>
    `n=$(cat ${file} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${file}; test $n -ge ${succeedAt}`;

  it.each([
    ["succeeds the third time", 3, "retries: 5", "ok", 3, 3],
    ["runs out (retries + 1 attempts)", 9, "retries: 1", "failed", 2, 2],
    ["defaults to 3 retries", 9, "", "failed", 4, 4],
  ])("until %s", async (_n, succeedAt, retries, status, attempts, runs) => {
    const { dir, run } = setup(
      one(
        `    - name: r\n      command: "${counter("DIR/c", succeedAt)}"\n      register: out\n      until: out.rc == 0\n      ${retries}\n      delay: 0\n    - name: after\n      command: "echo {{ out.attempts }}"\n      ignore_errors: true\n`,
      ),
      ["h1"],
    );
    const r = await run();
    expect(r.of("h1", "r")).toMatchObject({
      status: status === "ok" ? "changed" : "failed",
      data: expect.objectContaining({ attempts }),
    });
    expect(readFileSync(join(dir, "c"), "utf8").trim()).toBe(String(runs));
    if (status === "failed")
      expect(r.of("h1", "r")?.msg).toMatch(/^until 'out.rc == 0' still false after \d attempts: command exited 1/);
  });

  it("run_once runs on the first host of the batch and registers its result on every host", async () => {
    const { dir, run } = setup(
      one(`    - name: once
      command: "sh -c 'echo {{ inventory_hostname }} >> DIR/once; echo {{ inventory_hostname }}'"
      run_once: true
      register: o
    - name: saw
      command: "echo {{ o.stdout }} > DIR/{{ n }}-saw"
`),
      ["h1", "h2", "h3"],
    );
    const r = await run({ forks: 3 });
    expect(readFileSync(join(dir, "once"), "utf8")).toBe("h1\n");
    for (const h of ["h1", "h2", "h3"]) expect(readFileSync(join(dir, `${h}-saw`), "utf8")).toBe("h1\n");
    expect(r.results.filter((x) => x.task === "once").map((x) => x.host)).toEqual(["h1"]);
    expect(r.result.recap.h2).toMatchObject({ changed: 1, failed: 0 });
  });

  // h1 runs the task for the batch: it fails there, or h1 is lost mid-task (its connection drops)
  const onceRows = [
    { name: "failed, on the runner", how: "failed", host: "h1", status: "failed", msg: /^command exited 3/ },
    {
      name: "failed, on the others",
      how: "failed",
      host: "h2",
      status: "failed",
      msg: /^run_once: the task failed on h1, which ran it for the batch: command exited 3/,
    },
    { name: "unreachable, on the runner", how: "unreachable", host: "h1", status: "unreachable", msg: /^h1 lost/ },
    {
      name: "unreachable, on the others",
      how: "unreachable",
      host: "h2",
      status: "failed",
      msg: /^run_once: h1, which ran the task for the batch, was unreachable: h1 lost/,
    },
  ] as const;
  it.each(onceRows)("a run_once task $name: each host says why it stops, and counts it", async (row) => {
    const { dir, run } = setup(
      one(
        `    - name: once\n      command: "sh -c 'exit 3'"\n      run_once: true\n      ignore_errors: ${row.how === "unreachable"}\n    - name: after\n      command: "touch DIR/{{ n }}-after"\n`,
      ),
      ["h1", "h2", "h3"],
    );
    const lose = async (h: string): Promise<Transport> => {
      const t = new LocalTransport(h);
      return Object.assign(Object.create(t) as Transport, {
        exec: (script: string, opts?: ExecOptions) =>
          h === "h1" && script.includes("exit 3")
            ? Promise.reject(new UnreachableError(`${h} lost`))
            : t.exec(script, opts),
      });
    };
    const r = await run({ forks: 3, connect: row.how === "unreachable" ? lose : undefined });
    expect(r.of(row.host, "once")).toMatchObject({ status: row.status, msg: expect.stringMatching(row.msg) });
    // counted as the status says (ignore_errors does not cover a lost runner); no host runs a later task
    expect(r.result.recap[row.host]).toMatchObject({ [row.status]: 1, ignored: 0 });
    for (const h of ["h1", "h2", "h3"]) expect(existsSync(join(dir, `${h}-after`))).toBe(false);
  });

  it.each([
    ["localhost", "localhost"],
    ["another inventory host", "h2"],
  ])("delegate_to %s runs there and registers on the delegating host", async (_n, target) => {
    const { dir, run } = setup(
      one(`    - name: d
      command: "echo {{ inventory_hostname }}"
      delegate_to: ${target}
      changed_when: false
      register: d
      when: n == 'h1'
    - name: saw
      command: "echo {{ d.stdout }}"
      changed_when: false
      when: n == 'h1'
`),
      ["h1", "h2"],
    );
    const r = await run({ verbose: true });
    const commands = r.events.flatMap((e: RunEvent) => (e.type === "command" ? [e.command] : []));
    expect(commands.find((c) => c.script.includes("echo h1") && !c.script.includes("ARMGO-"))?.host).toBe(target);
    expect(r.of("h1", "saw")?.data?.stdout).toBe("h1");
    // the audit log of the delegating host says where each of its commands ran
    const record = readAudit(join(dir, "audit/h1.jsonl")).find((x) => x.type === "task" && x.task === "d");
    expect(record?.type === "task" && record.commands.map((c) => c.host)).toEqual([target]);
  });

  it("delegate_to a host the inventory lacks: refused at load, or fails the task when templated", async () => {
    const fixed = setup(one(`    - name: d\n      command: "true"\n      delegate_to: nowhere\n`), ["h1"]);
    await expect(fixed.run()).rejects.toThrow(
      /^delegate_to 'nowhere' is neither localhost nor a host of .*hosts\.yaml$/,
    );
    await expect(fixed.run()).rejects.toMatchObject({ where: { line: 5, col: 7 } });
    const templated = setup(one(`    - name: d\n      command: "true"\n      delegate_to: "{{ target }}"\n`), ["h1"]);
    const r = await templated.run({ extraVars: { target: "nowhere" } });
    expect(r.of("h1", "d")).toMatchObject({
      status: "failed",
      msg: expect.stringMatching(/^delegate_to 'nowhere' is neither localhost nor a host of/),
    });
  });

  it("handlers run when notified by name or by a topic they listen to, once", async () => {
    const { dir, run } = setup(
      `
- hosts: g
  gather_facts: false
  tasks:
    - command: "true"
      notify: restart stack
    - command: "true"
      notify: [restart stack, h2]
  handlers:
    - name: h1
      command: "echo h1 >> DIR/handlers"
      listen: restart stack
    - name: h2
      command: "echo h2 >> DIR/handlers"
    - name: h3
      command: "echo h3 >> DIR/handlers"
`,
      ["h1"],
    );
    await run();
    expect(readFileSync(join(dir, "handlers"), "utf8")).toBe("h1\nh2\n");
  });

  it("loop_control.label is what the output shows for each item", async () => {
    const { run } = setup(
      one(
        `    - name: l\n      command: "true"\n      loop: [{ name: a, secret: s1 }, { name: b, secret: s2 }]\n      loop_control: { label: "{{ item.name }}" }\n`,
      ),
      ["h1"],
    );
    const r = await run();
    expect(r.results.filter((x) => x.task === "l").map((x) => x.item)).toEqual(["a", "b"]);
  });

  it("a later task whose resolve fails is reported by that task, and fetched once", async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const { run } = setup(
        one(
          `    - name: first\n      command: "echo hi"\n      changed_when: false\n      check_mode: false\n    - name: feed\n      go-release: { version: "1.22", feed: "http://127.0.0.1:${port}/feed.json", base_url: "http://127.0.0.1:${port}" }\n`,
        ),
        ["h1"],
      );
      const r = await run();
      expect(r.of("h1", "first")).toMatchObject({ status: "ok", msg: "hi" });
      expect(r.of("h1", "feed")).toMatchObject({ status: "failed", msg: expect.stringMatching(/HTTP 500/) });
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe("runPlaybook without a playbook file", () => {
  it("runs an in-memory play whose tasks carry a synthetic where", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-mem-"));
    const where = { file: "(rollback)", task: "switch back" };
    const task = (name: string, args: unknown): Task => ({
      name,
      module: "command",
      args,
      where,
      tags: [],
      notify: [],
      ignore_errors: false,
      no_log: false,
    });
    const playbook: Playbook = {
      file: "(rollback)",
      sha256: "0".repeat(64),
      plays: [
        {
          name: "rollback",
          hosts: "all",
          vars: {},
          become: false,
          gather_facts: false,
          serial: [],
          tags: [],
          tasks: [task("switch back", `touch ${dir}/switched`), task("uses a var", "echo {{ nope }}")],
          handlers: [],
          where,
        },
      ],
    };
    const inventory: Inventory = {
      file: "(memory)",
      hosts: new Map([["m1", { name: "m1", vars: { connection: "local" }, groups: ["all"] }]]),
      groups: new Map([["all", { name: "all", hosts: ["m1"], children: [], vars: {} }]]),
    };
    const results: TaskResult[] = [];
    const r = await runPlaybook(
      { auditDir: join(dir, "audit"), onEvent: (e) => e.type === "task_result" && results.push(e.result) },
      { playbook, inventory },
    );
    expect(existsSync(join(dir, "switched"))).toBe(true);
    expect(r.recap.m1).toMatchObject({ changed: 1, failed: 1 });
    expect(results[1]!.msg).toBe("undefined variable 'nope' in task 'uses a var' ((rollback))");
    expect(readFileSync(join(dir, "audit/m1.jsonl"), "utf8")).toContain('"playbook":"(rollback)"');
  });
});
