// Issue 3 through the CLI, as a newcomer uses it: lab up, facts over SSH, status, down.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { armgo } from "./cli.js";

describe("armgo lab + armgo facts", () => {
  it.each([
    ["arm64", ["aarch64/arm64", "aarch64/arm64", "aarch64/arm64"]],
    ["mixed", ["aarch64/arm64", "aarch64/arm64", "x86_64/amd64"]],
  ])("lab up --hosts 3 --arch %s: facts report each host's arch over SSH", async (arch, expected) => {
    const state = mkdtempSync(join(tmpdir(), "armgo-lab-cli-"));
    const up = await armgo(["lab", "up", "--hosts", "3", "--arch", arch, "--state-dir", state]);
    try {
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const facts = await armgo(["facts", "-i", join(state, "inventory.yaml")]);
      expect(facts.code, facts.stderr).toBe(0);
      const report = JSON.parse(facts.stdout) as Record<string, { facts: { arch: string; goarch: string } }>;
      expect(Object.values(report).map((r) => `${r.facts.arch}/${r.facts.goarch}`).sort()).toEqual(expected);
      const status = JSON.parse((await armgo(["lab", "status", "--state-dir", state])).stdout);
      expect(status).toMatchObject({ up: true, mirror: { running: true } });
    } finally {
      const down = await armgo(["lab", "down", "--state-dir", state]);
      expect(down.code, down.stderr).toBe(0);
    }
    expect(JSON.parse((await armgo(["lab", "status", "--state-dir", state])).stdout)).toMatchObject({ up: false });
  });
});
