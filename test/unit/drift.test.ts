// armgo drift on `connection: local` hosts: real sh, real files; what drifted, fixing it, the records.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAudit } from "../../src/audit/log.js";
import { verifyLog } from "../../src/audit/verify.js";
import { drift } from "../../src/commands/drift.js";
import { runPlaybook } from "../../src/engine/run.js";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "armgo-drift-"));
  writeFileSync(
    join(dir, "site.yaml"),
    `
- hosts: all
  gather_facts: false
  tasks:
    - name: config file
      command: { cmd: "mkdir -p ${dir}/{{ inventory_hostname }} && echo v1 > ${dir}/{{ inventory_hostname }}/conf", creates: "${dir}/{{ inventory_hostname }}/conf" }
    - name: marker
      command: { cmd: "touch ${dir}/{{ inventory_hostname }}/marker", creates: "${dir}/{{ inventory_hostname }}/marker" }
`,
  );
  writeFileSync(
    join(dir, "hosts.yaml"),
    "all:\n  vars: { connection: local }\n  hosts:\n    h1: {}\n    h2: {}\n    h3: {}\n",
  );
  const opts = { playbook: join(dir, "site.yaml"), inventory: join(dir, "hosts.yaml"), auditDir: join(dir, "audit") };
  return { dir, opts };
}

describe("armgo drift", () => {
  it("names exactly the drifted hosts and tasks, --fix restores them, the next check is in sync; audit and metrics agree", async () => {
    const { dir, opts } = setup();
    await runPlaybook(opts);
    expect((await drift(opts)).hosts).toMatchObject({
      h1: { state: "in_sync" },
      h2: { state: "in_sync" },
      h3: { state: "in_sync" },
    });

    rmSync(join(dir, "h1/marker"));
    rmSync(join(dir, "h3"), { recursive: true });
    const found = await drift({ ...opts, metrics: join(dir, "armgo.prom") });
    expect(found.runIds).toHaveLength(1);
    expect(
      Object.fromEntries(Object.entries(found.hosts).map(([h, d]) => [h, [d.state, d.drifted.map((t) => t.task)]])),
    ).toEqual({
      h1: ["drifted", ["marker"]],
      h2: ["in_sync", []],
      h3: ["drifted", ["config file", "marker"]],
    });
    // the check changed nothing
    expect(() => readFileSync(join(dir, "h3/conf"))).toThrow();
    expect(readFileSync(join(dir, "armgo.prom"), "utf8")).toContain('armgo_drift_tasks{host="h3"} 2');

    const fixed = await drift({ ...opts, fix: true, metrics: join(dir, "armgo.prom") });
    expect(fixed.runIds).toHaveLength(3);
    expect(Object.fromEntries(Object.entries(fixed.hosts).map(([h, d]) => [h, [d.state, d.remaining.length]]))).toEqual(
      {
        h1: ["fixed", 0],
        h2: ["in_sync", 0],
        h3: ["fixed", 0],
      },
    );
    expect(readFileSync(join(dir, "h3/conf"), "utf8")).toBe("v1\n");
    expect(readFileSync(join(dir, "armgo.prom"), "utf8")).toContain('armgo_drift_tasks{host="h3"} 0');
    expect(Object.values((await drift(opts)).hosts).map((d) => d.state)).toEqual(["in_sync", "in_sync", "in_sync"]);

    const records = readAudit(join(dir, "audit/h3.jsonl")).filter((r) => r.type === "drift");
    expect(records.map((r) => (r.type === "drift" ? [r.state, r.drifted, r.remaining, r.fix] : []))).toEqual([
      ["in_sync", [], [], false],
      ["drifted", ["config file", "marker"], ["config file", "marker"], false],
      ["fixed", ["config file", "marker"], [], true],
      ["in_sync", [], [], false],
    ]);
    expect(verifyLog(join(dir, "audit/h3.jsonl")).bad).toBeUndefined();
  });

  it("a host whose task fails is 'failed' with the task named, not fixed", async () => {
    const { opts } = setup();
    writeFileSync(
      opts.playbook,
      readFileSync(opts.playbook, "utf8") +
        `    - name: broken on h2\n      command: "test {{ inventory_hostname }} != h2"\n      changed_when: false\n      check_mode: false\n`,
    );
    await runPlaybook(opts).catch(() => undefined);
    const r = await drift({ ...opts, fix: true });
    expect(r.hosts.h2).toMatchObject({ state: "failed", error: expect.stringMatching(/^broken on h2: /) });
  });
});
