// Issue 3 through the CLI, as a newcomer uses it: lab up, facts over SSH, status, down; and (issue 19)
// playbooks/deploy.yaml as it is on the inventory lab up wrote.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { recipeHash } from "../../src/lab/cache.js";
import { ensureControllerGo } from "../../src/lab/controller-go.js";
import { armgo } from "./cli.js";

const DEPLOY = join(import.meta.dirname, "../../playbooks/deploy.yaml");

describe("armgo lab + armgo facts", () => {
  const rows = [
    { arch: "arm64", expected: ["aarch64/arm64", "aarch64/arm64", "aarch64/arm64"], deploy: false },
    { arch: "mixed", expected: ["aarch64/arm64", "aarch64/arm64", "x86_64/amd64"], deploy: true },
  ];
  for (const { arch, expected, deploy } of rows)
    it(`lab up --hosts 3 --arch ${arch}: facts report each host's arch over SSH${deploy ? "; playbooks/deploy.yaml runs unchanged on the lab's inventory, each hello on its own port" : ""}`, async () => {
      const state = mkdtempSync(join(tmpdir(), "armgo-lab-cli-"));
      const up = await armgo(["lab", "up", "--hosts", "3", "--arch", arch, "--state-dir", state]);
      const inventory = join(state, "inventory.yaml");
      try {
        expect(up.code, up.stdout + up.stderr).toBe(0);
        if (deploy) await deployHello(inventory, state);
        const facts = await armgo(["facts", "-i", inventory]);
        expect(facts.code, facts.stderr).toBe(0);
        const report = JSON.parse(facts.stdout) as Record<string, { facts: { arch: string; goarch: string } }>;
        expect(
          Object.values(report)
            .map((r) => `${r.facts.arch}/${r.facts.goarch}`)
            .sort(),
        ).toEqual(expected);
        const status = JSON.parse((await armgo(["lab", "status", "--state-dir", state])).stdout);
        expect(status).toMatchObject({ up: true, mirror: { running: true } });
      } finally {
        const down = await armgo(["lab", "down", "--state-dir", state]);
        expect(down.code, down.stderr).toBe(0);
      }
      expect(JSON.parse((await armgo(["lab", "status", "--state-dir", state])).stdout)).toMatchObject({ up: false });
    });

  /** deploy.yaml as it is (the controller's Go named), then each arm64 host's hello answers on its hello_port. */
  async function deployHello(inventory: string, state: string): Promise<void> {
    const go = await ensureControllerGo();
    const play = await armgo(["play", DEPLOY, "-i", inventory, "--audit-dir", join(state, "audit"), "-e", `go=${go}`]);
    expect(play.code, play.stdout + play.stderr).toBe(0);
    const inv = parse(readFileSync(inventory, "utf8")) as {
      all: { children: Record<string, { hosts: Record<string, { hello_port: number }> }> };
    };
    const ports = Object.values(inv.all.children.arm64!.hosts).map((h) => h.hello_port);
    expect(new Set(ports).size).toBe(2);
    for (const port of ports) {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      expect(await r.text()).toBe("hello 1.0.0\n");
    }
  }

  it("lab up --bastion: the hosts only through the bastion (facts over ProxyJump, OpenSSH with the lab's ssh_config); down removes it all", async () => {
    const state = mkdtempSync(join(tmpdir(), "armgo-lab-cli-"));
    const up = await armgo(["lab", "up", "--bastion", "--hosts", "2", "--arch", "amd64", "--state-dir", state]);
    try {
      expect(up.code, up.stdout + up.stderr).toBe(0);
      expect(up.stdout).toMatch(/behind a bastion on 127\.0\.0\.1:\d+; ssh -F .*ssh_config lab-amd64-1/);
      const facts = await armgo(["facts", "-i", join(state, "inventory.yaml")]);
      expect(facts.code, facts.stderr).toBe(0);
      const report = JSON.parse(facts.stdout) as Record<string, { facts: { arch: string } }>;
      expect(Object.keys(report).sort()).toEqual(["lab-amd64-1", "lab-amd64-2"]);
      for (const r of Object.values(report)) expect(r.facts.arch).toBe("x86_64");
      const ssh = execFileSync(
        "ssh",
        ["-F", join(state, "ssh_config"), "-o", "BatchMode=yes", "lab-amd64-2", "hostname"],
        { encoding: "utf8" },
      );
      expect(ssh.trim()).toMatch(/^[0-9a-f]{12}$/);
      const status = JSON.parse((await armgo(["lab", "status", "--state-dir", state])).stdout);
      expect(status).toMatchObject({ up: true, mirror: { running: true }, bastion: { running: true } });
    } finally {
      const down = await armgo(["lab", "down", "--state-dir", state]);
      expect(down.code, down.stderr).toBe(0);
    }
    const label = `armgo.lab=${recipeHash(state).slice(0, 12)}`;
    expect(execFileSync("docker", ["ps", "-aq", "--filter", `label=${label}`], { encoding: "utf8" })).toBe("");
    expect(JSON.parse((await armgo(["lab", "status", "--state-dir", state])).stdout)).toMatchObject({ up: false });
    expect(existsSync(join(state, "bastion"))).toBe(false);
    expect(existsSync(join(state, "ssh_config"))).toBe(false);
  });

  it("lab up --arch amd64 --init systemd: systemd is PID 1 and sshd a unit on the host's port; status shows arch, release, glibc, init", async () => {
    const state = mkdtempSync(join(tmpdir(), "armgo-lab-cli-"));
    const up = await armgo(["lab", "up", "--hosts", "2", "--arch", "amd64", "--init", "systemd", "--state-dir", state]);
    try {
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const status = JSON.parse((await armgo(["lab", "status", "--state-dir", state])).stdout) as {
        up: boolean;
        hosts: Array<Record<string, unknown>>;
      };
      expect(status.up).toBe(true);
      for (const h of status.hosts)
        expect(h).toMatchObject({ arch: "amd64", release: "bookworm", glibc: "2.36", init: "systemd", running: true });
      for (const h of status.hosts) {
        const ssh = [
          "-i",
          join(state, "id_ed25519"),
          "-o",
          `UserKnownHostsFile=${join(state, "known_hosts")}`,
          "-o",
          "StrictHostKeyChecking=yes",
          "-o",
          "BatchMode=yes",
          "-p",
          String(h.port),
          "root@127.0.0.1",
        ];
        const out = execFileSync(
          "ssh",
          [...ssh, "cat /proc/1/comm; systemctl is-system-running; systemctl is-active armgo-lab-sshd.service"],
          { encoding: "utf8" },
        );
        expect(out).toBe("systemd\nrunning\nactive\n");
      }
    } finally {
      const down = await armgo(["lab", "down", "--state-dir", state]);
      expect(down.code, down.stderr).toBe(0);
    }
  });
});
