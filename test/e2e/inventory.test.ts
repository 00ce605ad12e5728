// Issue 17, inventories: a fleet kept as Ansible keeps it (an INI file, group_vars/ and host_vars/
// beside it and beside the playbook) reached over SSH with the connection vars it holds.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { armgo, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const playbook = `
- name: Which layer of vars each host got
  hosts: fleet
  gather_facts: false
  tasks:
    - name: write it down
      command: { cmd: "sh -c 'echo {{ layer }} {{ arch_label }} > /tmp/armgo-inv-layer'", creates: /tmp/armgo-inv-layer }
`;

describe("an INI inventory with group_vars/ and host_vars/ over SSH (2 ARM64 + 1 amd64 hosts)", () => {
  let fleet: Fleet;
  let dir: string;
  beforeAll(async () => {
    fleet = await startFleet({ arm64: 2, amd64: 1 });
    dir = mkdtempSync(join(tmpdir(), "armgo-inv-e2e-"));
    const file = (path: string, text: string): void => {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    const line = (h: { name: string; port: number }): string =>
      `${h.name} ansible_host=127.0.0.1 ansible_port=${h.port}`;
    const arm = fleet.hosts.filter((h) => h.arch === "arm64");
    const amd = fleet.hosts.filter((h) => h.arch === "amd64");
    file(
      "inventory/hosts.ini",
      [
        "# the fleet",
        "[arm64]",
        ...arm.map(line),
        "",
        "[amd64]",
        ...amd.map(line),
        "",
        "[fleet:children]",
        "arm64",
        "amd64",
        "",
      ].join("\n"),
    );
    file(
      "inventory/group_vars/all/connection.yml",
      `ansible_user: root\nansible_ssh_private_key_file: ${fleet.keyPath}\nknown_hosts: ${fleet.knownHostsPath}\nansible_python_interpreter: /usr/bin/python3\n`,
    );
    file("inventory/group_vars/all/layers.yml", "layer: inventory_all\narch_label: unknown\n");
    file("inventory/group_vars/arm64.yml", "layer: inventory_arm64\narch_label: arm\n");
    file(`inventory/host_vars/${arm[0]!.name}.yml`, "layer: inventory_host\n");
    file("playbooks/group_vars/amd64.yml", "layer: playbook_amd64\narch_label: x86\n");
    file("playbooks/site.yml", playbook);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("converges every host with the merged vars, warning once about the ignored var", async () => {
    const r = await armgo(["play", join(dir, "playbooks/site.yml"), "-i", join(dir, "inventory/hosts.ini")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr.match(/ansible_python_interpreter/g)).toHaveLength(1);
    expect(Object.values(recap(r.stdout)).map((c) => c.changed)).toEqual([1, 1, 1]);
    const [a1, a2] = fleet.hosts.filter((h) => h.arch === "arm64");
    const [x1] = fleet.hosts.filter((h) => h.arch === "amd64");
    const got = async (h: string): Promise<string> => (await fleet.exec(h, "cat /tmp/armgo-inv-layer")).stdout.trim();
    expect(await got(a1!.name)).toBe("inventory_host arm");
    expect(await got(a2!.name)).toBe("inventory_arm64 arm");
    expect(await got(x1!.name)).toBe("playbook_amd64 x86");
  });
});
