// Ansible's fact names in armgo against ansible-core's setup module, both gathered on this machine.
import { execFile, execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { ansibleFacts } from "../../src/facts/ansible.js";
import { factsScript, parseFacts } from "../../src/facts/gather.js";
import type { Facts } from "../../src/facts/types.js";

function ansibleSetup(): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      "ansible",
      ["localhost", "-m", "setup", "-a", "gather_subset=!all,min"],
      { env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: "false", ANSIBLE_NOCOLOR: "1" } },
      (err, stdout) => {
        if (err)
          return reject(new Error(`ansible setup failed: ${err.message}; install ansible-core with scripts/setup.sh`));
        resolve(
          (JSON.parse(stdout.slice(stdout.indexOf("{"))) as { ansible_facts: Record<string, unknown> }).ansible_facts,
        );
      },
    );
  });
}

describe("Ansible fact names (ansible-core's setup is the oracle)", () => {
  let theirs: Record<string, unknown>;
  let ours: Record<string, unknown>;
  beforeAll(async () => {
    theirs = await ansibleSetup();
    ours = ansibleFacts(parseFacts(execFileSync("sh", ["-c", factsScript]).toString()));
  });

  it.each([
    "ansible_architecture",
    "ansible_machine",
    "ansible_system",
    "ansible_distribution",
    "ansible_distribution_version",
    "ansible_distribution_major_version",
    "ansible_distribution_release",
    "ansible_os_family",
    "ansible_user_id",
    "ansible_user_dir",
    "ansible_hostname",
  ])("%s", (name) => {
    expect(ours[name]).toBeTypeOf("string");
    expect(ours[name]).toBe(theirs[name]);
  });

  it("ansible_env holds the environment, values with newlines included", () => {
    const env = (theirs.ansible_env ?? {}) as Record<string, string>;
    const mine = ours.ansible_env as Record<string, string>;
    expect(mine.HOME).toBe(env.HOME);
    expect(mine.PATH).toBe(env.PATH);
    const multi = parseFacts(
      execFileSync("sh", ["-c", factsScript], { env: { ...process.env, ARMGO_MULTI: "a\nb=c" } }).toString(),
    );
    expect(multi.env?.ARMGO_MULTI).toBe("a\nb=c");
  });
});

describe("Ansible fact names from facts", () => {
  const base: Facts = {
    arch: "aarch64",
    goarch: "arm64",
    goos: "linux",
    os: { id: "ubuntu", version_id: "22.04", pretty_name: "Ubuntu 22.04", id_like: "debian", codename: "jammy" },
    libc: { kind: "glibc", version: "2.35" },
    shell: "/bin/bash",
    home: "/home/u",
    user: "u",
    uid: 1000,
    tools: {},
    go_version: null,
    hostname: "web-1.example.org",
  };
  it.each<[Partial<Facts["os"]>, Record<string, string>]>([
    [
      {},
      {
        ansible_distribution: "Ubuntu",
        ansible_os_family: "Debian",
        ansible_distribution_version: "22.04",
        ansible_distribution_release: "jammy",
      },
    ],
    [
      { id: "rocky", id_like: "rhel centos fedora", version_id: "9.3" },
      { ansible_distribution: "Rocky", ansible_os_family: "RedHat", ansible_distribution_major_version: "9" },
    ],
    [
      { id: "rhel", id_like: "fedora" },
      { ansible_distribution: "RedHat", ansible_os_family: "RedHat" },
    ],
    [
      { id: "alpine", id_like: "" },
      { ansible_distribution: "Alpine", ansible_os_family: "Alpine" },
    ],
    [
      { id: "debian", id_like: "", version_id: "12", debian_version: "12.5" },
      { ansible_distribution: "Debian", ansible_distribution_version: "12.5" },
    ],
    [
      { id: "debian", id_like: "", version_id: "13", debian_version: "trixie/sid" },
      { ansible_distribution_version: "13" },
    ],
  ])("%j", (os, expected) => {
    const v = ansibleFacts({ ...base, os: { ...base.os, ...os } });
    expect(v).toMatchObject({
      ...expected,
      ansible_hostname: "web-1",
      ansible_architecture: "aarch64",
      ansible_user_dir: "/home/u",
    });
  });

  it("no facts gathered, no ansible_* vars, as in Ansible", () => {
    expect(ansibleFacts({ ...base, arch: "" })).toEqual({});
  });
});
