// Issue 9, reuse: a fleet's Go playbook is five lines with armgo's shipped go role, over real SSH
// on ARM64 hosts; a role's mistake stops the run at its own file:line:col before any host is contacted.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { armgo, HOST_SNAPSHOT, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const FIVE_LINES = `- hosts: arm64
  become: true
  roles: [go]
  vars:
    go_version: "1.22.12"
`;

describe("the go role on an ARM64 fleet", () => {
  let fleet: Fleet;
  let dir: string;

  beforeAll(async () => {
    fleet = await startFleet({ arm64: 2 });
    dir = mkdtempSync(join(tmpdir(), "armgo-roles-e2e-"));
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  const play = (pb: string, ...extra: string[]) =>
    armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", join(dir, "audit"), ...extra]);

  it("a five-line playbook converges every host; the second run changes nothing in 1 exec per host", async () => {
    const pb = join(dir, "go.yaml");
    writeFileSync(pb, FIVE_LINES);
    expect(FIVE_LINES.trimEnd().split("\n")).toHaveLength(5);
    const first = await play(pb);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain("TASK [go : go works in a login shell]");
    for (const h of fleet.hosts) {
      expect(recap(first.stdout)[h.name]).toMatchObject({ failed: 0, unreachable: 0 });
      expect(recap(first.stdout)[h.name]!.changed).toBeGreaterThanOrEqual(3);
      expect(first.stdout).toContain(`ok: [${h.name}] go version go1.22.12 linux/arm64`);
      expect((await fleet.exec(h.name, "bash -lc 'go version'")).stdout).toBe("go version go1.22.12 linux/arm64\n");
      expect((await fleet.exec(h.name, "readlink /usr/local/go")).stdout).toBe("go-1.22.12\n");
    }
    const second = await play(pb, "--json");
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout.trim().split("\n").pop()!);
    for (const h of fleet.hosts) expect(summary.recap[h.name]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    // per host: the facts and every probe of the role's tasks in one exec
    expect(summary.stats).toMatchObject({ connections: fleet.hosts.length, execs: fleet.hosts.length });
  });

  it("a misspelt module in a role beside the playbook: exit 5, one line at the role's file, no host touched", async () => {
    const host = fleet.hosts[0]!.name;
    const before = await fleet.exec(host, HOST_SNAPSHOT);
    const site = join(dir, "bad");
    mkdirSync(join(site, "roles", "app", "tasks"), { recursive: true });
    writeFileSync(
      join(site, "roles", "app", "tasks", "main.yaml"),
      "- name: marker\n  command: touch /tmp/armgo-role-ran\n- name: fetch\n  downlaod: { url: x }\n",
    );
    writeFileSync(join(site, "site.yaml"), "- hosts: arm64\n  roles: [app]\n");
    const r = await play(join(site, "site.yaml"));
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `ERROR: ${join(site, "roles", "app", "tasks", "main.yaml")}:4:3: unknown module 'downlaod' — did you mean 'download'?\n`,
    );
    expect((await fleet.exec(host, HOST_SNAPSHOT)).stdout).toBe(before.stdout);
  });
});
