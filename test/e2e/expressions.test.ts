// Issue 9 end to end: Ansible's expressions, fact names and host patterns over real SSH on ARM64 hosts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { armgo, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const playbook = `
- name: Expressions as Ansible users write them
  hosts: "arm64[0:1]"
  vars:
    go_release: go1.23rc1
  tasks:
    - name: a templated condition that holds runs
      command: { cmd: "touch /tmp/armgo-expr-ran", creates: /tmp/armgo-expr-ran }
      when: "{{ facts.goarch == 'arm64' }}"
    - name: a templated condition that fails is skipped
      command: touch /tmp/armgo-expr-wrong
      when: "{{ facts.goarch == 'amd64' }}"
    - name: Ansible's fact names and Go's version order
      command:
        cmd: "echo {{ ansible_distribution }} {{ ansible_distribution_release }} {{ ansible_architecture }} {{ ansible_user_id }} > /tmp/armgo-expr-facts"
        creates: /tmp/armgo-expr-facts
      when:
        - ansible_architecture == 'aarch64' and ansible_os_family == 'Debian'
        - ansible_env.HOME == ansible_user_dir
        - go_release is version('go1.22.12', '>', version_type='go')
        - go_release is version('1.23.0', '<', version_type='go')

- name: Only the last arm64 host
  hosts: "arm64[-1]"
  tasks:
    - name: mark it
      command: { cmd: "touch /tmp/armgo-expr-last", creates: /tmp/armgo-expr-last }
`;

describe("Ansible's expressions over SSH (2 ARM64 hosts)", () => {
  let fleet: Fleet;
  let pb: string;
  beforeAll(async () => {
    fleet = await startFleet({ arm64: 2 });
    const dir = mkdtempSync(join(tmpdir(), "armgo-expr-"));
    pb = join(dir, "site.yaml");
    writeFileSync(pb, playbook);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("runs templated conditions (warning once each), skips a false one, and reads fact aliases", async () => {
    const r = await armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", join(fleet.dir, "audit")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("[WARNING]"));
    expect(warnings).toEqual([
      expect.stringMatching(/site\.yaml:9:13: condition '\{\{ facts\.goarch == 'arm64' \}\}' is written as a template/),
      expect.stringMatching(
        /site\.yaml:12:13: condition '\{\{ facts\.goarch == 'amd64' \}\}' is written as a template/,
      ),
    ]);
    const [first, last] = fleet.hosts;
    expect(recap(r.stdout)[first!.name]).toMatchObject({ changed: 2, skipped: 1, failed: 0 });
    expect(recap(r.stdout)[last!.name]).toMatchObject({ changed: 3, skipped: 1, failed: 0 });
    for (const h of fleet.hosts) {
      const files = await fleet.exec(
        h.name,
        "ls /tmp/armgo-expr-ran /tmp/armgo-expr-wrong 2>&1; cat /tmp/armgo-expr-facts",
      );
      expect(files.stdout).toMatch(/^\/tmp\/armgo-expr-ran$/m);
      expect(files.stdout).toMatch(/armgo-expr-wrong.*No such file/);
      expect(files.stdout).toMatch(/^Debian bookworm aarch64 \S+$/m);
    }
    expect((await fleet.exec(first!.name, "test -e /tmp/armgo-expr-last; echo $?")).stdout.trim()).toBe("1");
    expect((await fleet.exec(last!.name, "test -e /tmp/armgo-expr-last; echo $?")).stdout.trim()).toBe("0");
  });
});
