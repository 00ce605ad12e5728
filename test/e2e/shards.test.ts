// N armgo processes as the shards of one inventory, each told its index the way its job runner
// tells it (--shard auto); their audit dirs and metrics files merged into one directory hold every
// host exactly once, and the merged audit logs verify. The hosts are `connection: local` (real sh):
// the split, the files and their merge are the point, not ssh.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { armgo } from "./cli.js";

const HOSTS = Array.from({ length: 24 }, (_, i) => `node-${String(i + 1).padStart(2, "0")}`);
const SHARDS = 3;

describe("shards over one inventory, merged", () => {
  const dir = mkdtempSync(join(tmpdir(), "armgo-shards-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "hosts.yaml"),
    `all:\n  vars: { connection: local }\n  hosts:\n${HOSTS.map((h) => `    ${h}: {}\n`).join("")}`,
  );
  writeFileSync(
    join(dir, "site.yaml"),
    `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: in place\n      command: { cmd: "touch /never", creates: / }\n`,
  );

  it("3 processes under an Indexed Job's JOB_COMPLETION_INDEX split 24 hosts; the merge has each once and verifies", async () => {
    const runs = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        armgo(
          [
            "drift",
            "site.yaml",
            "-i",
            "hosts.yaml",
            "--shard",
            "auto",
            "--shards",
            String(SHARDS),
            "--audit-dir",
            `audit-${i}`,
            "--metrics",
            `armgo-${i}.prom`,
            "--forks",
            "20",
          ],
          { cwd: dir, env: { JOB_COMPLETION_INDEX: String(i) } },
        ),
      ),
    );
    for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0 });

    const merged = join(dir, "merged");
    mkdirSync(merged);
    const seen: string[] = [];
    for (let i = 0; i < SHARDS; i++) {
      const logs = readdirSync(join(dir, `audit-${i}`)).filter((f) => f.endsWith(".jsonl"));
      expect(logs.length).toBeGreaterThan(0);
      for (const f of logs) {
        expect(existsSync(join(merged, f)), `${f} written by two shards`).toBe(false);
        copyFileSync(join(dir, `audit-${i}`, f), join(merged, f));
        seen.push(f.replace(/\.jsonl$/, ""));
      }
      copyFileSync(join(dir, `armgo-${i}.prom`), join(merged, `armgo-${i}.prom`));
    }
    expect(seen.sort()).toEqual(HOSTS);

    // every host's samples in exactly one metrics file
    const hostsIn = (file: string) =>
      new Set([...readFileSync(join(merged, file), "utf8").matchAll(/host="([^"]+)"/g)].map((m) => m[1]!));
    const perFile = Array.from({ length: SHARDS }, (_, i) => [...hostsIn(`armgo-${i}.prom`)]);
    expect(perFile.flat().sort()).toEqual(HOSTS);

    const verify = await armgo(["audit", "verify", "--audit-dir", merged], { cwd: dir });
    expect(verify, verify.stderr).toMatchObject({ code: 0 });
    for (const h of HOSTS) expect(verify.stdout).toContain(h);
  });

  it("--shard auto with no runner's variable names the variables it looked for", async () => {
    const r = await armgo(["play", "site.yaml", "-i", "hosts.yaml", "--shard", "auto"], {
      cwd: dir,
      env: { JOB_COMPLETION_INDEX: "", CI_NODE_INDEX: "", NOMAD_ALLOC_INDEX: "" },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/JOB_COMPLETION_INDEX .*CI_NODE_INDEX .*NOMAD_ALLOC_INDEX/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
