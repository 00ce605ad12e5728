// ansible-core as the oracle for the task keywords: the same playbook run by ansible-playbook and by
// armgo on two `connection: local` hosts; each task writes what it saw to files, compared one by one.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ansiblePlaybook } from "./ansible-oracle.js";
import { setup } from "./engine-local.js";

const counter = (name: string, succeedAt: number) =>
  `sh -c 'n=$(cat DIR/{{ inventory_hostname }}-${name} 2>/dev/null || echo 0); n=$((n+1)); echo $n > DIR/{{ inventory_hostname }}-${name}; test $n -ge ${succeedAt}'`;

const playbook = `
- hosts: all
  gather_facts: false
  vars: { x: play, y: play }
  tasks:
    - command: "${counter("third", 3)}"
      register: third
      until: third.rc == 0
      retries: 5
      delay: 0
    - command: "sh -c 'echo {{ third.attempts }} > DIR/{{ inventory_hostname }}-third-attempts'"
    - command: "${counter("one-retry", 9)}"
      register: one
      until: one.rc == 0
      retries: 1
      delay: 0
      ignore_errors: true
    - command: "${counter("default", 9)}"
      register: dflt
      until: dflt.rc == 0
      delay: 0
      ignore_errors: true
    - command: "sh -c 'echo {{ dflt.attempts }} > DIR/{{ inventory_hostname }}-default-attempts'"
    - command: "sh -c 'echo {{ inventory_hostname }} >> DIR/once; echo {{ inventory_hostname }}'"
      run_once: true
      register: once
    - command: "sh -c 'echo {{ once.stdout }} > DIR/{{ inventory_hostname }}-once-seen'"
    - command: "sh -c 'echo {{ x }} {{ y }} > DIR/{{ inventory_hostname }}-vars'"
      vars: { x: task, y: task }
    - command: "sh -c 'echo \\"$GREET\\" > DIR/{{ inventory_hostname }}-env'"
      environment: { GREET: "hi {{ inventory_hostname }}" }
    - command: "true"
      notify: topic
  handlers:
    - name: by topic
      command: "sh -c 'echo ran > DIR/{{ inventory_hostname }}-handler'"
      listen: topic
`;

const checkPlaybook = `
- hosts: all
  gather_facts: false
  tasks:
    - command: "touch DIR/{{ inventory_hostname }}-changed-when-false"
      changed_when: false
    - command: "touch DIR/{{ inventory_hostname }}-check-mode-false"
      check_mode: false
`;

/** Every file the run wrote, name → content. */
function written(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).filter((f) => !f.endsWith(".yaml") && f !== "audit").map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

async function ansible(text: string, extra: string[]): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "armgo-oracle-"));
  writeFileSync(join(dir, "site.yaml"), text.replaceAll("DIR", dir));
  writeFileSync(join(dir, "hosts.yaml"), "all:\n  hosts:\n    h1: { ansible_connection: local, ansible_python_interpreter: /usr/bin/python3 }\n    h2: { ansible_connection: local, ansible_python_interpreter: /usr/bin/python3 }\n");
  const r = await ansiblePlaybook(["-i", join(dir, "hosts.yaml"), join(dir, "site.yaml"), ...extra], dir);
  if (r.code !== 0) throw new Error(`ansible-playbook failed: ${r.stdout}${r.stderr}`);
  return written(dir);
}

async function armgo(text: string, opts: { check?: boolean; extraVars?: Record<string, unknown> }): Promise<Record<string, string>> {
  const { dir, run } = setup(text);
  await run({ ...opts, forks: 1 });
  return written(dir);
}

describe("task keywords against ansible-core", () => {
  let oracle: Record<string, string>;
  let ours: Record<string, string>;
  beforeAll(async () => {
    [oracle, ours] = await Promise.all([ansible(playbook, ["-e", "y=extra"]), armgo(playbook, { extraVars: { y: "extra" } })]);
  });

  // where armgo differs on purpose, the row says so
  const deliberate: Record<string, string> = {
    // ansible-core 2.14 reports `attempts` = retries (3) after running retries + 1 (4) times; armgo counts the attempts made
    "h1-default-attempts": "4\n",
    "h2-default-attempts": "4\n",
  };

  it.each([
    "h1-third", "h1-third-attempts", "h1-one-retry", "h1-default", "h1-default-attempts",
    "once", "h1-once-seen", "h2-once-seen", "h1-vars", "h2-env", "h1-handler", "h2-handler",
  ])("%s", (file) => {
    expect(oracle[file], `ansible-playbook wrote no ${file}`).toBeDefined();
    expect(ours[file]).toBe(deliberate[file] ?? oracle[file]);
  });

  it("the deliberate difference is still ansible-core's behaviour", () => {
    expect(oracle["h1-default-attempts"]).toBe("3\n");
    expect(oracle["h1-default"]).toBe("4\n");
  });

  it("--check: changed_when: false does not run a command, check_mode: false does", async () => {
    const [a, b] = await Promise.all([ansible(checkPlaybook, ["--check"]), armgo(checkPlaybook, { check: true })]);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(Object.keys(a).sort()).toEqual(["h1-check-mode-false", "h2-check-mode-false"]);
  });
});
