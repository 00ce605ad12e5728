// Role vars in a run on a `connection: local` host: precedence as Ansible ranks it, role vars the
// whole play sees, and role_path that stays with its role.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPlaybook } from "../../src/engine/run.js";
import type { RunEvent, TaskResult } from "../../src/engine/types.js";

const files: Record<string, string> = {
  "hosts.yaml":
    "all:\n  vars: { connection: local }\n  hosts:\n    h1: { inv: inventory, play: inventory, role: inventory, extra: inventory }\n",
  "roles/r/defaults/main.yaml": "dflt: default\ninv: default\nplay: default\nrole: default\nextra: default\n",
  "roles/r/tasks/main.yaml": `- name: show
  command: "echo {{ dflt }} {{ inv }} {{ play }} {{ role }} {{ extra }} {{ role_path | basename }}"
  changed_when: false
  check_mode: false
  notify: bounce
- name: changes
  command: "true"
  notify: bounce
`,
  "roles/r/handlers/main.yaml": `- name: bounce
  command: "echo {{ role }}"
`,
  "site.yaml": `- hosts: all
  gather_facts: false
  vars: { play: play, role: play, extra: play }
  roles:
    - role: r
      vars: { role: role, extra: role }
  tasks:
    - name: own
      command: "echo {{ dflt }} {{ play }} {{ role }}"
      changed_when: false
      check_mode: false
    - name: no role vars here
      command: "echo {{ role_path }}"
      ignore_errors: true
`,
};

describe("role vars in a run", () => {
  it("default < inventory < play < role entry < extra; defaults and role vars reach the play's tasks, role_path does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-roles-run-"));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const results: TaskResult[] = [];
    const r = await runPlaybook({
      playbook: join(dir, "site.yaml"),
      inventory: join(dir, "hosts.yaml"),
      auditDir: join(dir, "audit"),
      extraVars: { extra: "extra" },
      onEvent: (e: RunEvent) => void (e.type === "task_result" && results.push(e.result)),
    });
    const msg = (task: string) => results.find((x) => x.task === task)?.msg;
    expect(msg("r : show")).toBe("default inventory play role extra r");
    expect(msg("own")).toBe("default play role");
    expect(results.find((x) => x.task === "no role vars here")).toMatchObject({
      status: "failed",
      msg: expect.stringContaining("undefined variable 'role_path'"),
    });
    // the role's handler ran with the role's vars
    expect(results.find((x) => x.task === "bounce")?.data).toMatchObject({ stdout: "role" });
    expect(r.recap.h1).toMatchObject({ failed: 0, ignored: 1 });
  });
});
