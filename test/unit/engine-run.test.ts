// The engine end to end on `connection: local` hosts: real sh, no containers, every rule of a run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAudit } from "../../src/audit/log.js";
import { MASK, secretForms } from "../../src/audit/redact.js";
import { quote } from "../../src/transport/quote.js";
import { verifyLog } from "../../src/audit/verify.js";
import { setup } from "./engine-local.js";

describe("a run on local hosts", () => {
  it("converges, then a second run is one exec per host (facts and probes together), and --check changes nothing", async () => {
    const { dir, run } = setup(`
- hosts: g
  tasks:
    - name: make
      command: { cmd: "mkdir -p DIR/{{ n }} && echo {{ n }} > DIR/{{ n }}/f", creates: "DIR/{{ n }}/f" }
      notify: announce
    - name: read
      command: "cat DIR/{{ n }}/f"
      changed_when: false
      check_mode: false
      register: got
      failed_when: "n not in got.stdout"
  handlers:
    - name: announce
      command: "touch DIR/{{ n }}/announced"
`);
    const check = await run({ check: true });
    expect(check.of("h1", "make")).toMatchObject({
      status: "changed",
      msg: expect.stringMatching(/^would run: mkdir/),
    });
    expect(check.of("h1", "read")).toMatchObject({
      status: "skipped",
      msg: expect.stringMatching(/^not judged under --check/),
    });
    expect(existsSync(join(dir, "h1"))).toBe(false);
    expect(check.result.stats.execs).toBe(4);

    const first = await run();
    expect(first.result.recap.h1).toMatchObject({ changed: 2, failed: 0 });
    expect(first.of("h2", "read")).toMatchObject({ status: "ok", msg: "h2" });
    expect(existsSync(join(dir, "h1/announced"))).toBe(true);

    const second = await run();
    expect(second.result.recap.h1).toMatchObject({ ok: 3, changed: 0 });
    expect(second.result.stats).toMatchObject({ connections: 2, execs: 2 });
  });

  it("a failed host stops its own tasks; the others go on; ignore_errors counts as ignored", async () => {
    const { run } = setup(`
- hosts: g
  gather_facts: false
  tasks:
    - command: "test {{ n }} = h1"
    - name: after
      command: "true"
    - name: tolerated
      command: "false"
      ignore_errors: true
`);
    const r = await run();
    expect(r.result.recap.h1).toMatchObject({ failed: 0, ignored: 1, changed: 2 });
    expect(r.result.recap.h2).toMatchObject({ failed: 1, changed: 0 });
    expect(r.of("h2", "after")).toBeUndefined();
    expect(r.of("h2", "command")).toMatchObject({ status: "failed", msg: "command exited 1" });
  });

  it.each([
    [
      "an undefined variable names it, the task and its file:line",
      `    - name: uses x\n      command: "echo {{ nope.deeper }}"\n`,
      /^undefined variable 'nope' in task 'uses x' \(.*site\.yaml:5:7\)$/,
    ],
    [
      "module args are checked after templating",
      `    - name: bad args\n      download: { url: "{{ 'ftp://x' }}", dest: /x, checksum: "sha256:00" }\n`,
      /^download: 'url' must match pattern/,
    ],
  ])("%s", async (_n, task, msg) => {
    const { run } = setup(`\n- hosts: g\n  gather_facts: false\n  tasks:\n${task}`, ["h1"]);
    const r = await run();
    expect(r.results[0]).toMatchObject({ status: "failed", msg: expect.stringMatching(msg) });
  });

  it("loops register every item; tags and -e apply", async () => {
    const { dir, run } = setup(
      `
- hosts: g
  gather_facts: false
  tasks:
    - name: each
      command: { cmd: "echo {{ item }} >> DIR/{{ n }}-items", creates: "DIR/{{ n }}-{{ item }}" }
      loop: "{{ items }}"
      register: out
      tags: [loop]
    - name: count
      command: "echo {{ out.results | length }}"
      changed_when: false
      check_mode: false
      tags: [loop]
    - name: untagged
      command: "touch DIR/untagged"
`,
      ["h1"],
    );
    const r = await run({ tags: ["loop"], extraVars: { items: ["a", "b", "c"] } });
    expect(r.results.filter((x) => x.task === "each").map((x) => x.item)).toEqual(["a", "b", "c"]);
    expect(r.of("h1", "count")).toMatchObject({ msg: "3" });
    expect(readFileSync(join(dir, "h1-items"), "utf8")).toBe("a\nb\nc\n");
    expect(existsSync(join(dir, "untagged"))).toBe(false);
  });

  it("the audit log has run start, one record per task, run end; secrets and no_log output never reach it", async () => {
    const { dir, run } = setup(
      `
- hosts: g
  gather_facts: false
  tasks:
    - name: uses the token
      command: "echo {{ secret_token }}"
    - name: hidden
      command: "echo very-private-output"
      no_log: true
`,
      ["h1"],
    );
    const r = await run();
    const log = readFileSync(join(dir, "audit/h1.jsonl"), "utf8");
    expect(log).not.toContain("tok-9876543");
    expect(log).not.toContain("very-private-output");
    const records = readAudit(join(dir, "audit/h1.jsonl"));
    expect(records.map((x) => x.type)).toEqual(["genesis", "run_start", "task", "task", "run_end"]);
    // the run reports the chain head its run_end record ends on, and the chain holds
    expect(verifyLog(join(dir, "audit/h1.jsonl"))).toMatchObject({ records: 5, head: r.result.auditHeads.h1 });
    expect(records[4]!.hash).toBe(r.result.auditHeads.h1);
    expect(records[1]).toMatchObject({
      run_id: r.result.runId,
      check: false,
      playbook_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(r.of("h1", "hidden")).toMatchObject({ msg: "(output hidden: no_log)" });
  });

  it("secret-named vars of every layer, rendered, and no_log output reach neither the audit log nor -v output, in any form", async () => {
    // one secret per layer (the inventory's is secret_token: tok-9876543); some hold quotes
    const secrets: Record<string, string> = {
      secret_token: "tok-9876543",
      def_password: "dflt-pw-1111",
      role_secret: "rolev'2222",
      entry_token: "entry-3333",
      param_api_key: "param-4444",
      play_password: "it's-play-5555",
      vf_secret: "vfile-6666",
      task_token: "task-7777",
      extra_password: "extra-8888",
      db_password: "tmpl-9999-db",
      API_TOKEN: "envval-1212",
    };
    // no_log's output and environment; a value an early task prints that a later task's var names secret
    const hidden = ["nolog-out-1313", "nolog-env-1414", "later-1515"];
    const { dir, run } = setup(
      `
- hosts: g
  gather_facts: false
  vars:
    play_password: "it's-play-5555"
    base: tmpl-9999
    db_password: "{{ base }}-db"
    plain: envval-1212
  vars_files: [vf.yaml]
  roles:
    - role: r
      vars: { entry_token: entry-3333 }
      param_api_key: param-4444
`,
      ["h1"],
    );
    const files: Record<string, string> = {
      "vf.yaml": "vf_secret: vfile-6666\n",
      "roles/r/defaults/main.yaml": "def_password: dflt-pw-1111\n",
      "roles/r/vars/main.yaml": `role_secret: "rolev'2222"\n`,
      "roles/r/tasks/main.yaml": `
- name: early
  command: "echo later-1515"
- name: every layer
  command:
    argv: [sh, -c, 'printf "%s\\n" "$@" "$API_TOKEN" | tee -a ${dir}/seen', x, "{{ secret_token }}", "{{ def_password }}", "{{ role_secret }}", "{{ entry_token }}", "{{ param_api_key }}", "{{ vf_secret }}", "{{ task_token }}", "{{ extra_password }}", "{{ db_password }}"]
  environment: { API_TOKEN: "{{ plain }}" }
  vars: { task_token: task-7777 }
- name: stdin
  command: { cmd: "cat >> ${dir}/seen", stdin: "{{ play_password }}" }
- name: a file's content travels in base64
  env-profile: { name: go, files: ["${dir}/profile"], env: { API_TOKEN: "{{ secret_token }}", ROLE_KEY: "{{ role_secret }}" } }
- name: stderr
  command: "echo {{ vf_secret }} >&2; exit 3"
  ignore_errors: true
- name: read-only, its probe batches the next
  command: "true"
  changed_when: false
  check_mode: false
- name: hidden
  command: "echo nolog-out-1313 $HIDDEN"
  environment: { HIDDEN: nolog-env-1414 }
  changed_when: false
  check_mode: false
  no_log: true
- name: late
  command: "true"
  vars: { late_token: later-1515 }
`,
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = await run({ verbose: true, extraVars: { extra_password: "extra-8888" } });
    // every secret did reach the host
    const seen = readFileSync(join(dir, "seen"), "utf8").trim().split("\n");
    expect(seen.sort()).toEqual(Object.values(secrets).sort());
    expect(readFileSync(join(dir, "profile"), "utf8")).toContain("export API_TOKEN=tok-9876543");
    expect(r.result.recap.h1).toMatchObject({ failed: 0, ignored: 1 });
    expect(r.events.some((e) => e.type === "command" && e.command.script === "(no_log)")).toBe(true);

    const path = join(dir, "audit/h1.jsonl");
    const text = readFileSync(path, "utf8");
    expect(text).toContain(MASK);
    // the log's JSON text, each string of its records, and the run's events as shown
    const strings = (v: unknown): string[] =>
      typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(strings) : [];
    const haystacks = [text, ...strings(readAudit(path)), ...strings(r.events)];
    // and every base64 run in them, decoded (env-profile writes a file's content so)
    const decoded = haystacks.flatMap((h) =>
      (h.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []).map((b) => Buffer.from(b, "base64").toString("latin1")),
    );
    expect(haystacks.some((h) => h.includes("| base64 -d"))).toBe(true);
    haystacks.push(...decoded);
    for (const value of [...Object.values(secrets), ...hidden]) {
      for (const form of new Set([...secretForms(value), quote(value)])) {
        expect(
          haystacks.filter((h) => h.includes(form)),
          `${form} leaked`,
        ).toEqual([]);
      }
    }
  });

  it("a command's output with template syntax stays data in later tasks: no failure, no var read out", async () => {
    const { dir, run } = setup(
      `
- hosts: g
  gather_facts: false
  tasks:
    - name: go template output
      command: "cat DIR/in.txt"
      register: out
      changed_when: false
      check_mode: false
    - name: use it
      command: "printf '%s' '{{ out.stdout }}' > DIR/{{ n }}.txt"
`,
      ["h1"],
    );
    writeFileSync(join(dir, "in.txt"), "{{ .Name }} {{ secret_token }}");
    const r = await run();
    expect(r.of("h1", "go template output")).toMatchObject({ status: "ok" });
    expect(r.of("h1", "use it")).toMatchObject({ status: "changed" });
    expect(readFileSync(join(dir, "h1.txt"), "utf8")).toBe("{{ .Name }} {{ secret_token }}");
  });

  it("a broken var the run never reads does not stop it (connection vars are read, not all rendered)", async () => {
    const { dir, run } = setup(
      '\n- hosts: g\n  gather_facts: false\n  vars: { unused: "{{ nope }}" }\n  tasks:\n    - command: "touch DIR/ran"\n',
      ["h1"],
    );
    const r = await run({ extraVars: { also_unused: "{{ missing.deeper }}" } });
    expect(r.result.recap.h1).toMatchObject({ changed: 1, failed: 0, unreachable: 0 });
    expect(existsSync(join(dir, "ran"))).toBe(true);
  });

  it("a condition written as a template warns once, as the run's first event, with where it is", async () => {
    const { run } = setup(
      '- hosts: g\n  gather_facts: false\n  tasks:\n    - command: "true"\n      when: "{{ n == \'h1\' }}"\n',
      ["h1", "h2"],
    );
    const r = await run();
    expect(r.events[0]).toEqual({
      type: "warning",
      text: expect.stringMatching(/site\.yaml:5:13: condition '\{\{ n == 'h1' \}\}' is written as a template/),
    });
    expect(r.events.filter((e) => e.type === "warning")).toHaveLength(1);
    expect(r.result.recap).toMatchObject({ h1: { changed: 1 }, h2: { skipped: 1 } });
  });

  it("serial batches stop the rollout when a whole batch fails", async () => {
    const { run } = setup(
      `
- hosts: g
  gather_facts: false
  serial: 1
  tasks:
    - command: "false"
`,
      ["h1", "h2", "h3"],
    );
    const r = await run();
    // only h1 ran; the hosts it stopped stay in the recap, with nothing counted (issue 20 #10)
    expect(r.result.recap).toEqual({
      h1: expect.objectContaining({ failed: 1 }),
      h2: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, ignored: 0 },
      h3: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, ignored: 0 },
    });
  });

  it("tells the renderer each batch's hosts and how many run at once, after the batch before is through", async () => {
    const { run } = setup(
      `
- hosts: g
  gather_facts: false
  serial: [1, "100%"]
  tasks:
    - command: "true"
`,
      ["h1", "h2", "h3"],
    );
    const r = await run({ forks: 1 });
    const batches = r.events.flatMap((e, i) =>
      e.type === "batch_start" ? [{ at: i, hosts: e.hosts, forks: e.forks }] : [],
    );
    expect(batches.map(({ hosts, forks }) => ({ hosts, forks }))).toEqual([
      { hosts: ["h1"], forks: 1 },
      { hosts: ["h2", "h3"], forks: 1 },
    ]);
    expect(batches[1]!.at).toBeGreaterThan(r.events.findIndex((e) => e.type === "host_done" && e.host === "h1"));
  });

  it("tells the renderer each play's task order, each result's place in it, and when a host is through", async () => {
    const { run } = setup(`
- hosts: g
  tasks:
    - name: first
      command: "true"
      notify: announce
    - name: only when asked
      command: "true"
      tags: [never, extra]
    - name: loop
      command: "echo {{ item }}"
      loop: [a, b]
  handlers:
    - name: unused
      command: "true"
    - name: announce
      command: "true"
`);
    const r = await run();
    expect(r.events.find((e) => e.type === "play_start")).toMatchObject({
      hosts: ["h1", "h2"],
      tasks: ["Gathering Facts", "first", "loop", "unused", "announce"],
    });
    const h1 = r.results.filter((x) => x.host === "h1").map((x) => [x.task, x.task_index]);
    expect(h1).toEqual([
      ["Gathering Facts", 0],
      ["first", 1],
      ["loop", 2],
      ["loop", 2],
      ["announce", 4],
    ]);
    const starts = r.events.flatMap((e) => (e.type === "task_start" && e.host === "h1" ? [e.task_index] : []));
    expect(starts).toEqual([1, 2, 2, 4]);
    // the host is through after its last result
    const at = (pred: (e: (typeof r.events)[number]) => boolean) => r.events.findIndex(pred);
    const done = at((e) => e.type === "host_done" && e.host === "h1");
    expect(done).toBeGreaterThan(
      at((e) => e.type === "task_result" && e.result.host === "h1" && e.result.task === "announce"),
    );
    expect(r.events.filter((e) => e.type === "host_done")).toHaveLength(2);
  });
});
