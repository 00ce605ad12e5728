// Roles and static imports as Ansible lays them out: files on disk → the tasks, vars and handlers a
// play gets, and one line at the right file:line:col when something is wrong.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import type { Play } from "../../src/load/model.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import { rolesDir } from "../../src/paths.js";

/** Writes the files under a new directory; `site.yaml` is the playbook. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "armgo-roles-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const play = (files: Record<string, string>): { dir: string; plays: Play[] } => {
  const dir = tree(files);
  return { dir, plays: loadPlaybook(join(dir, "site.yaml")).plays };
};

const summary = (p: Play) => ({
  tasks: p.tasks.map((t) => ({
    name: t.name,
    ...(t.when !== undefined ? { when: t.when } : {}),
    ...(t.tags.length ? { tags: t.tags } : {}),
  })),
  handlers: p.handlers.map((h) => h.name),
});

const R = "roles/r";

describe("roles and imports on disk → the play", () => {
  it.each<[string, Record<string, string>, ReturnType<typeof summary>]>([
    [
      "a role's tasks run before the play's, its handlers join the play's",
      {
        "site.yaml":
          "- hosts: all\n  roles: [r]\n  tasks:\n    - name: own\n      command: ls\n      notify: bounce\n  handlers:\n    - name: own handler\n      command: ls\n",
        [`${R}/tasks/main.yaml`]: "- name: a\n  command: ls\n- name: b\n  command: ls\n",
        [`${R}/handlers/main.yaml`]: "- name: bounce\n  command: ls\n",
      },
      { tasks: [{ name: "r : a" }, { name: "r : b" }, { name: "own" }], handlers: ["bounce", "own handler"] },
    ],
    [
      "main.yml works as main.yaml does; roles run in the order listed",
      {
        "site.yaml": "- hosts: all\n  roles: [r, s]\n",
        [`${R}/tasks/main.yml`]: "- command: ls\n",
        "roles/s/tasks/main.yaml": "- name: s1\n  command: ls\n",
        "roles/s/handlers/main.yml": "- name: h\n  command: ls\n",
      },
      { tasks: [{ name: "r : command" }, { name: "s : s1" }], handlers: ["h"] },
    ],
    [
      "when and tags of a roles entry apply to every task of the role, before the task's own",
      {
        "site.yaml": "- hosts: all\n  roles:\n    - { role: r, when: x == 1, tags: [t1] }\n",
        [`${R}/tasks/main.yaml`]: "- name: a\n  command: ls\n  when: y == 2\n  tags: t2\n- name: b\n  command: ls\n",
      },
      {
        tasks: [
          { name: "r : a", when: ["x == 1", "y == 2"], tags: ["t1", "t2"] },
          { name: "r : b", when: ["x == 1"], tags: ["t1"] },
        ],
        handlers: [],
      },
    ],
    [
      "import_tasks: relative to the importing file; when and tags of the import apply to each task",
      {
        "site.yaml":
          "- hosts: all\n  tasks:\n    - import_tasks: inc/a.yaml\n      when: x\n      tags: [imp]\n    - name: last\n      command: ls\n",
        "inc/a.yaml": "- name: a1\n  command: ls\n- import_tasks: b.yaml\n",
        "inc/b.yaml": "- name: b1\n  command: ls\n  when: z\n",
      },
      {
        tasks: [
          { name: "a1", when: ["x"], tags: ["imp"] },
          { name: "b1", when: ["x", "z"], tags: ["imp"] },
          { name: "last" },
        ],
        handlers: [],
      },
    ],
    [
      "import_tasks in a role resolves against the role's tasks/, also from a nested file",
      {
        "site.yaml": "- hosts: all\n  roles: [r]\n",
        [`${R}/tasks/main.yaml`]: "- import_tasks: sub/one.yaml\n",
        [`${R}/tasks/sub/one.yaml`]: "- name: one\n  command: ls\n- import_tasks: two.yaml\n",
        [`${R}/tasks/two.yaml`]: "- name: two\n  command: ls\n",
      },
      { tasks: [{ name: "r : one" }, { name: "r : two" }], handlers: [] },
    ],
    [
      "an empty tasks file and a role with only defaults bring no tasks",
      {
        "site.yaml": "- hosts: all\n  roles: [r, d]\n  tasks:\n    - import_tasks: empty.yaml\n",
        "empty.yaml": "# nothing yet\n",
        [`${R}/tasks/main.yaml`]: "",
        "roles/d/defaults/main.yaml": "a: 1\n",
      },
      { tasks: [], handlers: [] },
    ],
  ])("%s", (_name, files, expected) => {
    expect(summary(play(files).plays[0]!)).toEqual(expected);
  });

  it("an imported playbook's plays follow, with the import's when, tags and vars", () => {
    const { plays } = play({
      "site.yaml":
        "- hosts: a\n  tasks: []\n- import_playbook: more/other.yaml\n  when: go\n  tags: imp\n  vars: { v: from-import, w: 2 }\n",
      "more/other.yaml":
        "- hosts: b\n  vars: { v: own, u: 1 }\n  roles: [q]\n  tasks:\n    - { name: second, command: ls }\n",
      "more/roles/q/tasks/main.yaml": "- { name: q1, command: ls }\n",
    });
    expect(plays.map((p) => p.hosts)).toEqual(["a", "b"]);
    expect(summary(plays[1]!)).toEqual({
      tasks: [
        { name: "q : q1", when: ["go"], tags: ["imp"] },
        { name: "second", when: ["go"], tags: ["imp"] },
      ],
      handlers: [],
    });
    expect(plays[1]!.vars).toEqual({ v: "from-import", u: 1, w: 2 });
  });

  it("role vars: defaults and vars (vars/main.yaml over the entry's) for the play; role_path and params on the role's tasks and handlers only", () => {
    const { dir, plays } = play({
      "site.yaml":
        "- hosts: all\n  roles:\n    - role: r\n      vars: { b: entry, c: entry }\n      p: param\n  tasks:\n    - { name: own, command: ls }\n",
      [`${R}/tasks/main.yaml`]: "- name: a\n  command: ls\n",
      [`${R}/handlers/main.yaml`]: "- name: h\n  command: ls\n",
      [`${R}/defaults/main.yaml`]: "a: default\nb: default\n",
      [`${R}/vars/main.yml`]: "b: role-vars\nd: role-vars\n",
    });
    const p = plays[0]!;
    const roleVars = { b: "role-vars", c: "entry", d: "role-vars" };
    expect(p.defaults).toEqual({ a: "default", b: "default" });
    expect(p.roleVars).toEqual(roleVars);
    for (const t of [p.tasks[0]!, p.handlers[0]!]) {
      expect(t.vars).toEqual({ ...roleVars, role_path: resolve(dir, R) });
      expect(t.params).toEqual({ p: "param" });
    }
    expect(p.tasks[1]!.vars).toBeUndefined();
    expect(p.tasks[1]!.params).toBeUndefined();
  });

  it("later roles' defaults win over earlier ones'; import vars sit below a nearer import's", () => {
    const { plays } = play({
      "site.yaml":
        "- hosts: all\n  roles: [r, s]\n  tasks:\n    - import_tasks: a.yaml\n      vars: { x: outer, y: outer }\n",
      [`${R}/defaults/main.yaml`]: "v: r\nonly_r: 1\n",
      "roles/s/defaults/main.yaml": "v: s\n",
      "a.yaml": "- import_tasks: b.yaml\n  vars: { x: inner }\n",
      "b.yaml": "- { name: t, command: ls }\n",
    });
    expect(plays[0]!.defaults).toEqual({ v: "s", only_r: 1 });
    expect(plays[0]!.tasks[0]!.vars).toEqual({ x: "inner", y: "outer" });
  });

  it("a role not beside the playbook comes from armgo's roles/; a name with '/' is a path", () => {
    const { plays } = play({
      "site.yaml": "- hosts: all\n  roles: [go, lib/mine]\n",
      "lib/mine/tasks/main.yaml": "- { name: m, command: ls }\n",
    });
    const names = plays[0]!.tasks.map((t) => t.name);
    expect(names[0]).toBe("go : resolve the Go release");
    expect(names.at(-1)).toBe("mine : m");
    expect(plays[0]!.tasks[0]!.vars!.role_path).toBe(join(rolesDir, "go"));
    expect(plays[0]!.tasks[0]!.where.file).toBe(join(rolesDir, "go", "tasks", "main.yaml"));
  });

  it("a task from a role or an import keeps its own file:line:col", () => {
    const { dir, plays } = play({
      "site.yaml": "- hosts: all\n  roles: [r]\n  tasks:\n    - import_tasks: inc.yaml\n",
      [`${R}/tasks/main.yaml`]: "# first\n- name: a\n  command: ls\n",
      "inc.yaml": "\n\n  - name: b\n    command: ls\n",
    });
    expect(plays[0]!.tasks.map((t) => t.where)).toEqual([
      { file: join(dir, R, "tasks", "main.yaml"), line: 2, col: 3 },
      { file: join(dir, "inc.yaml"), line: 3, col: 5 },
    ]);
  });
});

function loadError(files: Record<string, string>): { dir: string; line: string } {
  const dir = tree(files);
  try {
    loadPlaybook(join(dir, "site.yaml"));
  } catch (e) {
    if (e instanceof InputError) return { dir, line: e.oneLine() };
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("errors in roles and imports: one line at the file and place they are in", () => {
  it.each<[string, Record<string, string>, string]>([
    [
      "unknown role: the search path and the nearest name",
      { "site.yaml": "- hosts: all\n  roles:\n    - rr\n", [`${R}/tasks/main.yaml`]: "[]\n" },
      `DIR/site.yaml:3:7: role 'rr' not found in DIR/roles, ${rolesDir} — did you mean 'r'?`,
    ],
    [
      "unknown role in a mapping, nothing near: where to put it",
      { "site.yaml": "- hosts: all\n  roles:\n    - { role: zzzzzzzz }\n" },
      `DIR/site.yaml:3:15: role 'zzzzzzzz' not found in DIR/roles, ${rolesDir} — put it in DIR/roles/zzzzzzzz/tasks/main.yaml`,
    ],
    [
      "a shipped role misspelt",
      { "site.yaml": "- hosts: all\n  roles: [og]\n" },
      `DIR/site.yaml:2:11: role 'og' not found in DIR/roles, ${rolesDir} — did you mean 'go'?`,
    ],
    [
      "a role path that is no directory",
      { "site.yaml": "- hosts: all\n  roles: [./nope/r]\n" },
      "DIR/site.yaml:2:11: role './nope/r' not found: no directory DIR/nope/r",
    ],
    [
      "unknown module in a role's tasks",
      {
        "site.yaml": "- hosts: all\n  roles: [r]\n",
        [`${R}/tasks/main.yaml`]: "- name: fetch\n  downlaod: { url: x }\n",
      },
      "DIR/roles/r/tasks/main.yaml:2:3: unknown module 'downlaod' — did you mean 'download'?",
    ],
    [
      "bad expression in an imported file",
      {
        "site.yaml": "- hosts: all\n  tasks:\n    - import_tasks: a.yaml\n",
        "a.yaml": "- command: ls\n  when: x ==\n",
      },
      "DIR/a.yaml:2:9: bad expression: ",
    ],
    [
      "a role's handler notified by no name it has",
      {
        "site.yaml": "- hosts: all\n  roles: [r]\n",
        [`${R}/tasks/main.yaml`]: "- command: ls\n  notify: restrat\n",
        [`${R}/handlers/main.yaml`]: "- name: restart\n  command: ls\n",
      },
      "DIR/roles/r/tasks/main.yaml:1:3: notify names handler 'restrat', which this play does not define — did you mean 'restart'?",
    ],
    [
      "an import of a file that does not exist",
      { "site.yaml": "- hosts: all\n  tasks:\n    - import_tasks: nope.yaml\n" },
      "DIR/site.yaml:3:21: import_tasks: DIR/nope.yaml does not exist — the path is relative to the importing file",
    ],
    [
      "an import cycle names the chain",
      {
        "site.yaml": "- hosts: all\n  tasks:\n    - import_tasks: a.yaml\n",
        "a.yaml": "- import_tasks: b.yaml\n",
        "b.yaml": "- command: ls\n- import_tasks: a.yaml\n",
      },
      "DIR/b.yaml:2:17: import cycle: DIR/a.yaml → DIR/b.yaml → DIR/a.yaml — remove one of these imports",
    ],
    [
      "a playbook that imports itself",
      { "site.yaml": "- import_playbook: ./site.yaml\n" },
      "DIR/site.yaml:1:20: import cycle: DIR/site.yaml → DIR/site.yaml — remove one of these imports",
    ],
    [
      "a misspelt key of a roles entry",
      { "site.yaml": "- hosts: all\n  roles:\n    - { role: r, var: { a: 1 } }\n", [`${R}/tasks/main.yaml`]: "[]\n" },
      "DIR/site.yaml:3:18: unknown key 'var' — did you mean 'vars'?",
    ],
    [
      "a task keyword on a roles entry is not taken for a role param",
      { "site.yaml": "- hosts: all\n  roles:\n    - { role: r, become: true }\n", [`${R}/tasks/main.yaml`]: "[]\n" },
      "DIR/site.yaml:3:18: 'become' on a roles entry: armgo reads only role, vars, tags, when there, and would take it for a role param — set become on the role's tasks or on the play",
    ],
    [
      "a role param must be a var name",
      { "site.yaml": "- hosts: all\n  roles:\n    - { role: r, app-port: 1 }\n", [`${R}/tasks/main.yaml`]: "[]\n" },
      "DIR/site.yaml:3:18: unknown key 'app-port'",
    ],
    [
      "a misspelt key of an import",
      { "site.yaml": "- hosts: all\n  tasks:\n    - import_tasks: a.yaml\n      whn: x\n", "a.yaml": "[]\n" },
      "DIR/site.yaml:4:7: unknown key 'whn' — did you mean 'when'?",
    ],
    [
      "include_tasks is not armgo's: the static import is offered",
      { "site.yaml": "- hosts: all\n  tasks:\n    - include_tasks: a.yaml\n" },
      "DIR/site.yaml:3:7: unknown module 'include_tasks' — did you mean 'import_tasks'?",
    ],
    [
      "a task file that is not a list",
      { "site.yaml": "- hosts: all\n  roles: [r]\n", [`${R}/tasks/main.yaml`]: "name: x\n" },
      "DIR/roles/r/tasks/main.yaml:1:1: the file must be array",
    ],
    [
      "role defaults that are not a mapping",
      { "site.yaml": "- hosts: all\n  roles: [r]\n", [`${R}/defaults/main.yaml`]: "- a\n" },
      "DIR/roles/r/defaults/main.yaml:1:1: defaults/ of a role must hold a mapping of names to values",
    ],
    [
      "role dependencies are refused rather than skipped",
      { "site.yaml": "- hosts: all\n  roles: [r]\n", [`${R}/meta/main.yml`]: "dependencies: [base]\n" },
      "DIR/roles/r/meta/main.yml:1:1: role 'r' has dependencies, which armgo does not resolve — list those roles before it in the play's roles",
    ],
  ])("%s", (_name, files, expected) => {
    const { dir, line } = loadError(files);
    expect(line.startsWith(expected.replaceAll("DIR", dir)), line).toBe(true);
    expect(line.split("\n")).toHaveLength(1);
  });
});
