// Bad inventories: each is one line naming the place (file:line:col) and what to do, and nothing is
// contacted. Each row writes its files into a fresh directory and loads its `-i` sources.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { dispatch } from "../../src/cli/table.js";
import { InputError } from "../../src/errors.js";
import { loadInventory } from "../../src/load/inventory.js";

const root = mkdtempSync(join(tmpdir(), "armgo-inv-errors-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** Writes `files` (path → text; a text starting with #! is made executable) into a new directory. */
function tree(files: Record<string, string>): string {
  const dir = join(root, String(n++));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
    if (text.startsWith("#!")) chmodSync(join(dir, p), 0o755);
  }
  return dir;
}

interface Row {
  name: string;
  files: Record<string, string>;
  sources: string[];
  playbookDir?: string;
  /** The error's one line; `DIR` stands for the row's directory. */
  error: RegExp | ((dir: string) => RegExp);
  scriptTimeoutMs?: number;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const ROWS: Row[] = [
  {
    name: "a group loop by name in INI (a → b → a)",
    files: { "hosts.ini": "[a:children]\nb\n[b:children]\na\n[b]\nh1\n" },
    sources: ["hosts.ini"],
    error: /hosts\.ini:4:1: adding group 'a' as a child of 'b' makes a loop of groups$/,
  },
  {
    name: "a group loop by name in YAML (a → b → a)",
    files: {
      "hosts.yml":
        "all:\n  children:\n    a:\n      children:\n        b:\n    b:\n      hosts: { h1: }\n      children:\n        a:\n",
    },
    sources: ["hosts.yml"],
    error: /hosts\.yml:9:9: adding group 'a' as a child of 'b' makes a loop of groups$/,
  },
  {
    name: "a group loop by name across two -i sources",
    files: { "a.ini": "[a:children]\nb\n[b]\nh1\n", "b.yml": "b:\n  children:\n    a: {}\n" },
    sources: ["a.ini", "b.yml"],
    error: /b\.yml:3:5: adding group 'a' as a child of 'b' makes a loop of groups$/,
  },
  {
    name: "a group that holds itself through a YAML alias",
    files: { "hosts.yml": "all:\n  children:\n    a: &g\n      hosts: { h1: }\n      children:\n        b: *g\n" },
    sources: ["hosts.yml"],
    error: /hosts\.yml:6:12: YAML: alias \*g is inside the node its anchor names, a loop — write the value out/,
  },
  {
    name: "a refused connection value in an INI host line",
    files: { "hosts.ini": "[win]\nw1 ansible_connection=winrm\n" },
    sources: ["hosts.ini"],
    error: (d) => new RegExp(`^${esc(d)}/hosts\\.ini:2:23: 'ansible_connection' must be one of: ssh, local, smart$`),
  },
  {
    name: "a refused become method in group_vars/all.yml",
    files: {
      "hosts.ini": "[web]\nw1\n",
      "group_vars/all.yml": "---\nansible_become: true\nansible_become_method: su\n",
    },
    sources: ["hosts.ini"],
    error: (d) => new RegExp(`^${esc(d)}/group_vars/all\\.yml:3:24: 'ansible_become_method' must be one of: sudo$`),
  },
  {
    name: "a refused connection var in a YAML group's vars",
    files: { "hosts.yml": "web:\n  hosts:\n    w1:\n  vars:\n    ansible_shell_executable: /bin/bash\n" },
    sources: ["hosts.yml"],
    error: (d) =>
      new RegExp(
        `^${esc(d)}/hosts\\.yml:5:5: 'ansible_shell_executable' is not supported: armgo runs commands with the host's /bin/sh — remove it`,
      ),
  },
  {
    name: "an alias of an honoured var, refused with the name armgo reads",
    files: { "hosts.ini": "[web]\nw1 ansible_sudo_user=app\n" },
    sources: ["hosts.ini"],
    error:
      /hosts\.ini:2:4: 'ansible_sudo_user' is not supported: armgo reads this as ansible_become_user: use that name/,
  },
  {
    name: "a [g:vars] line with a refused var",
    files: { "hosts.ini": "[web]\nw1\n\n[web:vars]\nansible_ssh_executable=/opt/ssh\n" },
    sources: ["hosts.ini"],
    error: /hosts\.ini:5:1: 'ansible_ssh_executable' is not supported/,
  },
  {
    name: "a password in group_vars",
    files: { "hosts.ini": "[web]\nw1\n", "group_vars/web.yml": "http_port: 80\nansible_become_pass: hunter2\n" },
    sources: ["hosts.ini"],
    error: (d) =>
      new RegExp(
        `^${esc(d)}/group_vars/web\\.yml:2:1: 'ansible_become_pass' in an inventory file is refused.*become_password_env`,
      ),
  },
  {
    name: "a password in host_vars beside the playbook",
    files: { "inv/hosts.ini": "[web]\nw1\n", "pb/host_vars/w1": "ansible_password: hunter2\n" },
    sources: ["inv/hosts.ini"],
    playbookDir: "pb",
    error: (d) =>
      new RegExp(`^${esc(d)}/pb/host_vars/w1:1:1: 'ansible_password' in an inventory file is refused.*password_env`),
  },
  {
    name: "a password inline in INI",
    files: { "hosts.ini": "w1 ansible_ssh_pass=hunter2\n" },
    sources: ["hosts.ini"],
    error: /hosts\.ini:1:4: 'ansible_ssh_pass' in an inventory file is refused/,
  },
  {
    name: "an ansible-vault value in group_vars",
    files: {
      "hosts.ini": "[web]\nw1\n",
      "group_vars/web.yml": "db_pass: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162636465\n",
    },
    sources: ["hosts.ini"],
    error: /group_vars\/web\.yml:1:10: YAML tag !vault is not supported — armgo does not read ansible-vault/,
  },
  {
    name: "an ansible-vault encrypted host_vars file",
    files: { "hosts.ini": "[web]\nw1\n", "host_vars/w1.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n" },
    sources: ["hosts.ini"],
    error: /host_vars\/w1\.yml: this vars file is encrypted with ansible-vault, which armgo does not read/,
  },
  {
    name: "a script that fails: its stderr is in the line",
    files: {
      "inv.sh":
        "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'botocore.exceptions.NoCredentialsError: Unable to locate credentials' >&2\nexit 1\n",
    },
    sources: ["inv.sh"],
    error:
      /inv\.sh: inventory script '.*inv\.sh --list' exited 1: botocore\.exceptions\.NoCredentialsError: Unable to locate credentials$/,
  },
  {
    name: "a script that does not finish in time",
    files: { "slow.sh": "#!/bin/sh\nsleep 5\necho '{}'\n" },
    sources: ["slow.sh"],
    scriptTimeoutMs: 300,
    error: /slow\.sh: inventory script '.*slow\.sh --list' did not finish within 0\.3 s — make it answer faster/,
  },
  {
    name: "a script that prints something other than JSON",
    files: { "bad.sh": "#!/bin/sh\necho 'hello'\n" },
    sources: ["bad.sh"],
    error: /bad\.sh: inventory script '.*bad\.sh --list' did not print JSON/,
  },
  {
    name: "a malformed INI host line",
    files: { "hosts.ini": "# fleet\n[web]\nweb1 http_port 80\n" },
    sources: ["hosts.ini"],
    error: (d) =>
      new RegExp(`^${esc(d)}/hosts\\.ini:3:6: expected key=value after the host, got 'http_port' — write name=value`),
  },
  {
    name: "an unknown section type",
    files: { "hosts.ini": "[web:hostvars]\nw1\n" },
    sources: ["hosts.ini"],
    error: /hosts\.ini:1:1: section \[web:hostvars\] has unknown type 'hostvars'/,
  },
  {
    name: "children naming a group that never comes",
    files: { "hosts.ini": "[prod:children]\nweb\n" },
    sources: ["hosts.ini"],
    error:
      /hosts\.ini:2:1: section \[prod:children\] includes group 'web', which is not defined — add a \[web\] section/,
  },
  {
    name: "a range whose ends differ in width",
    files: { "hosts.ini": "[web]\nweb-[01:100]\n" },
    sources: ["hosts.ini"],
    error: /hosts\.ini:2:1: host 'web-\[01:100\]': host range must specify equal-length begin and end formats/,
  },
  {
    name: "an unclosed quote in a host line",
    files: { "hosts.ini": "[web]\nw1 motd='hello\n" },
    sources: ["hosts.ini"],
    error: /hosts\.ini:2:1: cannot read host line: No closing quotation/,
  },
  {
    name: "a missing source",
    files: {},
    sources: ["nope.ini"],
    error: /nope\.ini: inventory not found — check the -i path/,
  },
];

describe("inventory errors: one line at file:line:col", () => {
  it.each(ROWS)("$name", (row) => {
    const dir = tree(row.files);
    let err: unknown;
    try {
      loadInventory(
        row.sources.map((s) => join(dir, s)),
        {
          ...(row.playbookDir ? { playbookDir: join(dir, row.playbookDir) } : {}),
          ...(row.scriptTimeoutMs ? { scriptTimeoutMs: row.scriptTimeoutMs } : {}),
        },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const line = (err as InputError).oneLine();
    expect(line).not.toContain("\n");
    expect(line).toMatch(typeof row.error === "function" ? row.error(dir) : row.error);
  });
});

describe("inventory warnings and several -i on the command line", () => {
  it("an ignored var is one warning line, however many hosts have it", () => {
    const dir = tree({
      "hosts.ini":
        "[web]\nw[1:3] ansible_python_interpreter=/usr/bin/python3\n\n[web:vars]\nansible_ssh_pipelining=True\n",
    });
    const inv = loadInventory(join(dir, "hosts.ini"));
    expect(inv.warnings).toEqual([
      "inventory var 'ansible_python_interpreter' is ignored: armgo runs no Python on hosts",
      "inventory var 'ansible_ssh_pipelining' is ignored: armgo always sends its commands over one connection",
    ]);
    expect(inv.hosts.get("w2")!.vars.ansible_python_interpreter).toBe("/usr/bin/python3");
  });

  it("keeps where each merged var was written", () => {
    const dir = tree({ "hosts.ini": "[web]\nw1 a=1\n", "group_vars/web.yml": "a: 2\nb: 3\n" });
    const inv = loadInventory(join(dir, "hosts.ini"));
    expect(inv.hosts.get("w1")!.vars).toEqual({ a: 1, b: 3 });
    expect(inv.hosts.get("w1")!.origins).toEqual({
      a: { file: join(dir, "hosts.ini"), line: 2, col: 4 },
      b: { file: join(dir, "group_vars/web.yml"), line: 2, col: 1 },
    });
  });

  it("armgo inventory -i A -i B --list merges both and prints each warning once on stderr", async () => {
    const dir = tree({
      "a.ini": "[web]\nw1 ansible_python_interpreter=auto\n",
      "b.yml": "web:\n  hosts:\n    w2: { ansible_python_interpreter: auto }\n",
    });
    const out: string[] = [];
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const code = await dispatch(["inventory", "-i", join(dir, "a.ini"), "-i", join(dir, "b.yml"), "--list"], (t) =>
        out.push(t),
      );
      expect(code).toBe(0);
      const warned = stderr.mock.calls.map((c) => String(c[0])).filter((s) => s.includes("ansible_python_interpreter"));
      expect(warned).toEqual([
        "[WARNING]: inventory var 'ansible_python_interpreter' is ignored: armgo runs no Python on hosts\n",
      ]);
    } finally {
      stderr.mockRestore();
    }
    const list = JSON.parse(out.join("\n")) as Record<string, { hosts?: string[] }>;
    expect(list.web!.hosts).toEqual(["w1", "w2"]);
  });

  it("armgo inventory --list masks secret-named vars and their values wherever they appear", async () => {
    const dir = tree({
      "hosts.yml":
        "web:\n  vars: { api_token: tok-inv-4242, db: { password: pw-inv-4343 } }\n  hosts:\n    w1: { url: 'https://x:tok-inv-4242@h' }\n",
    });
    const out: string[] = [];
    expect(await dispatch(["inventory", "-i", join(dir, "hosts.yml"), "--list"], (t) => out.push(t))).toBe(0);
    const text = out.join("\n");
    expect(text).not.toMatch(/tok-inv-4242|pw-inv-4343/);
    const list = JSON.parse(text) as { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    expect(list._meta.hostvars.w1).toEqual({
      api_token: "********",
      db: { password: "********" },
      url: "https://x:********@h",
    });
  });
});
