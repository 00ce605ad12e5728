import { Ajv } from "ajv";
import {
  AJV_OPTIONS,
  ENVIRONMENT,
  loadPrecompiled,
  PRECOMPILED_CODE_CACHE,
  schemaSources,
  schemasHash,
  TASK_LIST,
} from "../../src/load/schema.js";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseInventory } from "../../src/load/inventory.js";
import { validateFiles } from "../../src/load/index.js";
import { parsePlaybook } from "../../src/load/playbook.js";
import { parseExtraVars } from "../../src/load/vars.js";
import { moduleSchemaNames } from "../../src/load/schema.js";
import { YamlFile } from "../../src/load/yaml.js";
import { moduleNames } from "../../src/modules/index.js";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectLinear } from "./linear-cost.js";

function playbookError(text: string): string {
  try {
    parsePlaybook(YamlFile.parse("site.yaml", text));
  } catch (e) {
    if (e instanceof InputError) return e.oneLine();
    throw e;
  }
  throw new Error("expected an InputError");
}

const ok = `- name: Go
  hosts: arm64
  become: true
  vars: { go_version: "1.22.12" }
  tasks:
    - name: build
      command:
        cmd: make
        creates: /opt/app
      when: facts.goarch == 'arm64'
      notify: restart
  handlers:
    - name: restart
      command: systemctl restart app
`;

describe("playbook loading", () => {
  it("loads a valid playbook into the typed model", () => {
    const pb = parsePlaybook(YamlFile.parse("site.yaml", ok));
    const play = pb.plays[0]!;
    expect(play).toMatchObject({ name: "Go", hosts: "arm64", become: true, gather_facts: true, serial: [] });
    expect(play.tasks[0]).toMatchObject({
      name: "build",
      module: "command",
      notify: ["restart"],
      where: { file: "site.yaml", line: 6, col: 7 },
    });
    expect(play.handlers[0]!.args).toBe("systemctl restart app");
    expect(pb.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["YAML syntax", "- hosts: a\n  tasks: [\n", /^site\.yaml:\d+:\d+: YAML: /],
    ["duplicate key", "- hosts: a\n  hosts: b\n", /^site\.yaml:2:3: YAML: Map keys must be unique/],
    [
      "an alias inside its own anchor (a loop as data)",
      "- hosts: a\n  vars: &v\n    again: *v\n",
      /^site\.yaml:3:12: YAML: alias \*v is inside the node its anchor names, a loop — write the value out/,
    ],
    [
      "a play that holds itself through an alias",
      "- &p\n  hosts: a\n  tasks:\n    - command: ls\n      vars: { p: [*p] }\n",
      /^site\.yaml:5:19: YAML: alias \*p is inside the node its anchor names, a loop/,
    ],
    [
      "unknown module with suggestion",
      "- hosts: a\n  tasks:\n    - downlaod: { url: x }\n",
      /^site\.yaml:3:7: unknown module 'downlaod' — did you mean 'download'\?/,
    ],
    [
      "misspelt keyword",
      "- hosts: a\n  tasks:\n    - command: ls\n      whne: x\n",
      /^site\.yaml:4:7: unknown module 'whne' — did you mean 'when'\?/,
    ],
    ["unknown play key", "- hosts: a\n  taks: []\n", /^site\.yaml:2:3: unknown key 'taks' — did you mean 'tasks'\?/],
    [
      "a play's vars saying how to reach a host (armgo reads that from the inventory only)",
      "- hosts: a\n  vars:\n    ansible_ssh_common_args: -J bastion\n",
      /^site\.yaml:3:5: 'ansible_ssh_common_args' in a play's vars is not read: armgo takes how to reach a host from the inventory and -e — set it in the inventory/,
    ],
    [
      "a play's vars naming a connection armgo does not speak",
      "- hosts: a\n  vars: { ansible_connection: docker }\n",
      /^site\.yaml:2:11: 'ansible_connection' in a play's vars is not read/,
    ],
    ["missing hosts", "- name: x\n  tasks: []\n", /^site\.yaml:1:3: '0' is missing required key 'hosts'/],
    ["wrong type", "- hosts: a\n  gather_facts: maybe\n", /^site\.yaml:2:17: 'gather_facts' must be boolean/],
    ["no module", "- hosts: a\n  tasks:\n    - name: nothing\n", /^site\.yaml:3:7: task has no module/],
    [
      "two modules",
      "- hosts: a\n  tasks:\n    - command: ls\n      checksum: { path: /x, checksum: 'sha256:00' }\n",
      /^site\.yaml:3:7: task names 2 modules/,
    ],
    [
      "two rival args",
      "- hosts: a\n  tasks:\n    - command: { cmd: ls, argv: [ls] }\n",
      /^site\.yaml:3:16: 'command' takes only one of cmd, argv: keep one$/,
    ],
    [
      "module arg type",
      "- hosts: a\n  tasks:\n    - command: { cmd: 42 }\n",
      /^site\.yaml:3:23: 'cmd' must be string$/,
    ],
    ["bad when", "- hosts: a\n  tasks:\n    - command: ls\n      when: a ==\n", /^site\.yaml:4:13: bad expression: /],
    [
      "bad template in args",
      '- hosts: a\n  tasks:\n    - command: "echo {{ a ( }}"\n',
      /^site\.yaml:3:16: bad expression: /,
    ],
    [
      "notify unknown handler",
      "- hosts: a\n  tasks:\n    - command: ls\n      notify: restrat\n  handlers:\n    - name: restart\n      command: ls\n",
      /^site\.yaml:3:7: notify names handler 'restrat'.*did you mean 'restart'\?/,
    ],
    [
      "bad serial",
      "- hosts: a\n  serial: lots\n  tasks: []\n",
      /^site\.yaml:2:11: serial 'lots' must be a number or a percentage/,
    ],
    [
      "alternatives read as one line",
      "- hosts: a\n  tasks:\n    - command: { chdir: /x }\n",
      /^site\.yaml:3:16: 'command' needs cmd, or argv$/,
    ],
    [
      "register name",
      "- hosts: a\n  tasks:\n    - command: ls\n      register: 'a b'\n",
      /^site\.yaml:4:17: 'register' must match pattern/,
    ],
  ])("%s → one clear line at file:line:col", (_name, text, expected) => {
    expect(playbookError(text)).toMatch(expected);
  });

  it("leaves templated values to run time", () => {
    const pb = parsePlaybook(
      YamlFile.parse(
        "t.yaml",
        "- hosts: a\n  tasks:\n    - download: { url: 'http://127.0.0.1/go.tgz', dest: /x, checksum: 'sha256:{{ h }}', retries: '{{ n }}' }\n",
      ),
    );
    expect(pb.plays[0]!.tasks[0]!.module).toBe("download");
  });

  it("reports every schema error at once, one line each", () => {
    const lines = playbookError("- hosts: a\n  gather_facts: 1\n  become: []\n").split("\n");
    expect(lines).toHaveLength(2);
  });

  it("reports every problem past the schema, each at its file:line:col, in the file's order (issue 20 #10)", () => {
    const text = [
      "- hosts: a",
      "  serial: lots",
      "  tasks:",
      "    - command: make",
      "      when: x ==",
      "    - name: no module",
      "      when: y",
      "    - command: make",
      "      changed_when: ((",
      "      failed_when: 1 +",
      "    - import_tasks: missing.yaml",
      "- hosts: b",
      "  tasks: [{ command: ls, notify: gone }]",
    ].join("\n");
    expect(playbookError(text).split("\n")).toEqual([
      expect.stringMatching(/^site\.yaml:5:13: bad expression: /),
      expect.stringMatching(/^site\.yaml:6:7: task has no module/),
      expect.stringMatching(/^site\.yaml:9:21: bad expression: /),
      expect.stringMatching(/^site\.yaml:10:20: bad expression: /),
      expect.stringMatching(/^site\.yaml:11:21: import_tasks: missing\.yaml does not exist/),
      expect.stringMatching(/^site\.yaml:2:11: serial 'lots' must be a number/),
      expect.stringMatching(/^site\.yaml:13:11: notify names handler 'gone'/),
    ]);
  });

  it("validate reports the playbook's problems and the inventory's together", () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-validate-"));
    writeFileSync(join(dir, "site.yaml"), "- hosts: a\n  tasks:\n    - command: ls\n      when: x ==\n");
    writeFileSync(join(dir, "hosts.yaml"), "all:\n  hosts:\n    h1: [1]\n");
    let lines: string[] = [];
    try {
      validateFiles(join(dir, "site.yaml"), [join(dir, "hosts.yaml")]);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      lines = e.oneLine().split("\n");
    }
    expect(lines).toEqual([
      expect.stringMatching(/site\.yaml:4:13: bad expression: /),
      expect.stringMatching(/hosts\.yaml:3:/),
    ]);
  });

  it("every registered module has a schema, and the playbook schema lists them all", () => {
    const schema = JSON.parse(readFileSync("schemas/playbook.json", "utf8"));
    const listed = Object.keys(schema.definitions.task.properties).filter((k) => moduleSchemaNames().includes(k));
    expect(new Set(moduleSchemaNames())).toEqual(new Set(moduleNames));
    expect(new Set(listed)).toEqual(new Set(moduleNames));
  });
});

const inventoryText = `all:
  vars: { user: root, port: 22, level: all }
  hosts:
    controller: { connection: local }
  children:
    arm64:
      vars: { level: arm64 }
      hosts:
        a1: { host: 127.0.0.1, port: 2201 }
        a2: { host: 127.0.0.1, port: 2202, level: host }
      children:
        canary:
          vars: { level: canary }
          hosts:
            a1:
    amd64:
      hosts:
        x1: { ansible_host: 10.0.0.1, ansible_user: deploy }
`;

describe("-e @file: bad or huge files", () => {
  const file = (name: string, text: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), "armgo-evars-")), name);
    writeFileSync(path, text);
    return path;
  };

  const oneLine = (arg: string): string => {
    try {
      parseExtraVars([arg]);
    } catch (e) {
      if (e instanceof InputError) return e.oneLine();
      throw e;
    }
    return "no error";
  };

  it("an anchor loop is one line at the alias, not a stack overflow", () => {
    const path = file("loop.yml", "x: &v\n  y: *v\n");
    expect(oneLine(`@${path}`)).toMatch(/loop\.yml:2:6: YAML: alias \*v is inside the node its anchor names/);
  });

  it("a repeated key is still refused at the repeat", () => {
    const path = file("dup.yml", "a: 1\nb: 2\na: 3\n");
    expect(oneLine(`@${path}`)).toMatch(/dup\.yml:3:1: YAML: Map keys must be unique/);
  });

  it("costs linear time in the number of keys (200,000 keys of 10 MB hung: each key was compared with every earlier one)", () => {
    const keys = (n: number): string => {
      const path = file(
        `k${n}.yml`,
        Array.from({ length: n }, (_, i) => `key_${i}: value_${i}_xxxxxxxxxxxxxxxxxxxx\n`).join(""),
      );
      return `@${path}`;
    };
    expectLinear(
      keys,
      (arg) => expect(Object.keys(parseExtraVars([arg]))).toHaveLength(Number(/k(\d+)/.exec(arg)![1])),
      {
        n: 500,
      },
    );
  });
});

describe("-e: connection vars read as the inventory's are, passwords refused", () => {
  const rows = [
    {
      name: "a password",
      items: ["ansible_become_password=x"],
      want: /^-e: 'ansible_become_password' in -e is refused: passwords are read only from the environment — set become_password_env/,
    },
    {
      name: "a connection armgo does not speak",
      items: ["ansible_connection=docker"],
      want: /^-e: 'ansible_connection' must be one of: ssh, local, smart/,
    },
    {
      name: "a refused var",
      items: ["ansible_ssh_executable=/usr/bin/ssh"],
      want: /^-e: 'ansible_ssh_executable' is not supported/,
    },
    { name: "an honoured one passes", items: ["ansible_user=ops", "go_version=1.22.12"], want: undefined },
  ];
  it.each(rows)("$name", ({ items, want }) => {
    let line: string | undefined;
    try {
      parseExtraVars(items);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      line = e.oneLine();
    }
    if (want) expect(line).toMatch(want);
    else expect(line).toBeUndefined();
  });
});

describe("inventory loading", () => {
  const inv = parseInventory(YamlFile.parse("hosts.yaml", inventoryText));

  it.each([
    ["controller", { level: "all", connection: "local" }],
    ["a1", { level: "canary", port: 2201, user: "root" }],
    ["a2", { level: "host", port: 2202 }],
    ["x1", { level: "all", ansible_host: "10.0.0.1", ansible_user: "deploy" }],
  ])("%s gets vars by precedence all < parent < child < host", (host, expected) => {
    expect(inv.hosts.get(host)!.vars).toMatchObject(expected);
  });

  it("knows group membership through children", () => {
    expect(inv.hosts.get("a1")!.groups.sort()).toEqual(["all", "arm64", "canary"]);
  });

  it.each([
    [
      "all:\n  vars:\n    password: hunter2\n",
      /^hosts\.yaml:3:5: 'password' in an inventory file is refused.*password_env/,
    ],
    ["all:\n  hosts:\n    h: { port: 99999 }\n", /^hosts\.yaml:3:16: 'port' must be <= 65535/],
    ["all:\n  childs: {}\n", /^hosts\.yaml:2:3: unknown key 'childs' — did you mean 'children'\?/],
    [
      "plugin: aws_ec2\nregions: [eu-west-1]\n",
      /^hosts\.yaml:1:9: this is the configuration of inventory plugin 'aws_ec2', which armgo does not run/,
    ],
    ["all:\n  hosts:\n    h: { connection: telnet }\n", /'connection' must be one of: ssh, local/],
  ])("rejects %j", (text, expected) => {
    expect(() => parseInventory(YamlFile.parse("hosts.yaml", text))).toThrow(InputError);
    try {
      parseInventory(YamlFile.parse("hosts.yaml", text));
    } catch (e) {
      expect((e as InputError).oneLine()).toMatch(expected);
    }
  });
});

describe("precompiled schemas (the build's dist/schemas.cjs)", () => {
  it("are the current schemas, and judge valid and broken documents exactly as compiling them does", () => {
    const pre = loadPrecompiled(readFileSync(PRECOMPILED_CODE_CACHE)).validators;
    expect(pre.schemasHash).toBe(schemasHash());
    const ajv = new Ajv(AJV_OPTIONS);
    for (const [id, schema] of Object.entries(schemaSources())) ajv.addSchema(schema, id);
    const cases: Array<[string, unknown]> = [
      ["playbook.json", [{ hosts: "all", tasks: [{ command: "true" }] }]],
      ["playbook.json", [{ hosts: "all", tasks: [{ downlaod: { url: 1 } }], bogus: true }]],
      ["playbook.json", [{ hosts: "all", roles: [{ role: "go", vars: 3 }] }]],
      ["inventory.json", { all: { hosts: { h1: { port: "x" } } } }],
      ["modules/extract.json", { src: "/a.tgz" }],
      ["modules/command.json", { cmd: "true", env: { "X=1; touch": "y" } }],
      // the parts validated alone (a role's tasks file, a rendered environment) are precompiled too
      [TASK_LIST, [{ command: "true" }, { downlaod: { url: 1 } }]],
      [ENVIRONMENT, { "NOT A NAME": "x", GOFLAGS: ["list"] }],
    ];
    for (const [id, doc] of cases) {
      const fresh = ajv.getSchema(id)!;
      expect(pre[id]!(doc), `${id} ${JSON.stringify(doc)}`).toBe(fresh(doc));
      expect(pre[id]!.errors ?? null).toEqual(fresh.errors ?? null);
    }
  });
});
