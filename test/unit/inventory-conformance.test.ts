// armgo against ansible-inventory (ansible-core 2.14) on the same inventories: every case's
// `ansible-inventory -i ... --list` and `armgo inventory -i ... --list` must be the same JSON (key
// order aside): the same hosts, the same groups with the same hosts and children in the same order,
// and the same merged vars per host. The oracle runs concurrently (one call takes about a second);
// without ansible-inventory the test fails (scripts/setup.sh installs it).
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { inventoryList } from "../../src/load/index.js";
import { loadInventory } from "../../src/load/inventory.js";

const F = resolve("test/fixtures/inventories");

interface Case {
  name: string;
  /** Each an `-i`, under test/fixtures/inventories. */
  sources: string[];
  /** `--playbook-dir`: group_vars/ and host_vars/ beside a playbook. */
  playbookDir?: string;
}

const CASES: Case[] = [
  {
    name: "INI of the usual team layout (comments, inline vars, children, :vars, host:port, ungrouped)",
    sources: ["ini-team/hosts.ini"],
  },
  {
    name: "INI ranges: numeric with zero padding and a step, alphabetic, several in one name",
    sources: ["ini-ranges/hosts"],
  },
  { name: "INI inline and [g:vars] values typed by literal_eval", sources: ["ini-typed/hosts.ini"] },
  {
    name: "INI sections that name groups declared later; a host leaves ungrouped; IPv6",
    sources: ["ini-order/hosts.ini"],
  },
  { name: "YAML without all: (top-level groups), ranges and ports in host keys", sources: ["yaml-no-all/hosts.yml"] },
  { name: "JSON in the YAML inventory shape", sources: ["json/inventory.json"] },
  { name: "armgo's own YAML shape", sources: ["armgo-yaml/inventory.yaml"] },
  { name: "executable script with _meta.hostvars", sources: ["script-meta/ec2.py"] },
  { name: "executable script without _meta (--host per host)", sources: ["script-host/legacy.sh"] },
  {
    name: "a directory mixing INI, YAML, a script and a subdirectory, with files Ansible skips",
    sources: ["dir-mixed/inv"],
  },
  {
    name: "several -i merged, each with group_vars/ and host_vars/ beside it",
    sources: ["multi/a/hosts.ini", "multi/b/hosts.yaml"],
  },
  {
    name: "kubespray-style INI with group_vars/ directories",
    sources: ["kubespray/inventory/mycluster/inventory.ini"],
  },
  {
    name: "host_vars/ as a file without extension, .json, a directory, .yml before .yaml",
    sources: ["host-vars/hosts.ini"],
  },
  {
    name: "group_vars/ and host_vars/ beside the playbook over the inventory's",
    sources: ["playbook-dir/inventory/hosts.ini"],
    playbookDir: "playbook-dir/playbooks",
  },
  { name: "group depth and ansible_group_priority order group vars", sources: ["priority/hosts.yaml"] },
  {
    name: "YAML 1.1 as PyYAML reads it (yes/on, 0755, 1:20, 1.5e3 vs 1.5e+3, timestamps)",
    sources: ["yaml11/hosts.ini", "yaml11/hosts.yml"],
  },
];

/**
 * Where armgo differs from Ansible on purpose (docs/inventory.md has the same table). None of these
 * shows in the cases above: each is a refusal where Ansible warns and goes on, or a leniency.
 */
export const DIFFERENCES = [
  {
    name: "a source no reader can parse",
    ansible: "warns, goes on without its hosts",
    armgo: "InputError at its file:line:col",
  },
  {
    name: "an unknown key in a YAML group (childs:)",
    ansible: "warns, skips it",
    armgo: "InputError with did-you-mean",
  },
  { name: "a duplicate key in a YAML file", ansible: "warns, the last one wins", armgo: "InputError at the key" },
  {
    name: "plugin configs (plugin: aws_ec2), TOML, vault files, !vault and !unsafe values",
    ansible: "reads them",
    armgo: "refused at file:line:col",
  },
  {
    name: "passwords (ansible_password, ansible_become_pass, ...) in any source",
    ansible: "reads them",
    armgo: "refused: password_env / become_password_env",
  },
  {
    name: "connection vars armgo does not implement (src/load/inventory/connection-vars.ts)",
    ansible: "honours them",
    armgo: "refused at file:line:col, or one warning when harmless",
  },
  { name: "a #! file that fails as a script", ansible: "tries it as YAML and INI next", armgo: "the script's error" },
  {
    name: "a script's empty --host answer",
    ansible: "fails to parse it (a bytes/str slip in 2.14)",
    armgo: "reads it as no vars",
  },
  { name: "Ansible's comma host lists (-i 'a,b,')", ansible: "host_list plugin", armgo: "not read: -i takes paths" },
];

const ENV = {
  ...process.env,
  ANSIBLE_NOCOLOR: "1",
  // a fixture Ansible could not parse must fail here, not pass as an empty inventory
  ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: "1",
  ANSIBLE_INVENTORY_UNPARSED_FAILED: "1",
};

function ansibleInventory(c: Case): Promise<Record<string, unknown>> {
  const args = [
    ...c.sources.flatMap((s) => ["-i", resolve(F, s)]),
    ...(c.playbookDir ? ["--playbook-dir", resolve(F, c.playbookDir)] : []),
    "--list",
  ];
  return new Promise((done, fail) => {
    execFile("ansible-inventory", args, { env: ENV, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err)
        fail(
          new Error(
            `ansible-inventory ${args.join(" ")} failed (${err.message}): ${stderr}; install ansible-core with scripts/setup.sh`,
          ),
        );
      else done(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

const armgo = (c: Case): Record<string, unknown> =>
  JSON.parse(
    JSON.stringify(
      inventoryList(
        loadInventory(
          c.sources.map((s) => resolve(F, s)),
          c.playbookDir ? { playbookDir: resolve(F, c.playbookDir) } : {},
        ),
      ),
    ),
  ) as Record<string, unknown>;

describe("inventories: armgo and ansible-inventory --list agree", () => {
  const oracle = new Map<string, Record<string, unknown>>();
  beforeAll(async () => {
    const answers = await Promise.all(CASES.map(ansibleInventory));
    CASES.forEach((c, i) => oracle.set(c.name, answers[i]!));
  }, 120_000);

  it.each(CASES)("$name", (c) => {
    const ansible = oracle.get(c.name)!;
    const mine = armgo(c);
    const hostvars = (ansible._meta as { hostvars: object }).hostvars;
    // a case that Ansible reads as nothing proves nothing
    expect(Object.keys(ansible).length).toBeGreaterThan(2);
    expect(Object.keys(hostvars).length).toBeGreaterThan(0);
    expect(mine._meta).toEqual(ansible._meta);
    expect(mine).toEqual(ansible);
  });

  it("covers at least 12 inventories", () => expect(CASES.length).toBeGreaterThanOrEqual(12));
});
