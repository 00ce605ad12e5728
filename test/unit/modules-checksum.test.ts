import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checksum } from "../../src/modules/checksum/index.js";
import { download } from "../../src/modules/download/index.js";
import { fixtureServer, harness, runModule, sha256, tempDir, type Harness } from "./modules-helpers.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const args = { path: "/var/cache/armgo/go.tgz", checksum: `sha256:${A}` };

describe("checksum plan", () => {
  it.each<[string, object, string | RegExp]>([
    [
      "match by hashing",
      { exists: true, sha256: A, hashed: "hash" },
      "/var/cache/armgo/go.tgz has sha256 aaaaaaaaaaaa… (hash)",
    ],
    [
      "match by manifest",
      { exists: true, sha256: A, hashed: "manifest" },
      "/var/cache/armgo/go.tgz has sha256 aaaaaaaaaaaa… (manifest)",
    ],
    [
      "mismatch",
      { exists: true, sha256: B, hashed: "hash" },
      `/var/cache/armgo/go.tgz: sha256 mismatch: expected ${A}, actual ${B}`,
    ],
    ["missing", { exists: false, hashed: "none" }, `/var/cache/armgo/go.tgz: no such file (expected sha256 ${A})`],
    [
      "no sha256sum",
      { exists: true, hashed: "none" },
      "/var/cache/armgo/go.tgz: cannot hash, sha256sum is not installed",
    ],
  ])("%s", (_label, state, want) => {
    if (_label.startsWith("match")) {
      const plan = checksum.plan(state as never, args);
      expect(plan.steps).toEqual([]);
      expect(plan.msg).toBe(want);
    } else {
      expect(() => checksum.plan(state as never, args)).toThrow(want);
    }
  });

  it("a mismatch keeps path, expected and actual in the error's data", () => {
    try {
      checksum.plan({ exists: true, sha256: B, hashed: "hash" }, args);
      expect.unreachable();
    } catch (e) {
      expect((e as { data: unknown }).data).toEqual({ path: args.path, expected: A, actual: B });
    }
  });
});

describe("checksum on a real host", () => {
  let h: Harness;
  let dir: string;
  beforeEach(() => {
    h = harness();
    dir = tempDir();
  });
  afterEach(() => {
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("verifies a file against a BSD checksum file, never changing the host", async () => {
    const server = await fixtureServer();
    try {
      const file = join(dir, "go.tgz");
      writeFileSync(file, "archive");
      server.files.set("/SUMS", `SHA256 (other) = ${B}\nSHA256 (go.tgz) = ${sha256("archive")}\n`);
      const r = await runModule(h, checksum, { path: file, checksum: `sha256:${server.url}/SUMS`, verify: "full" });
      expect(r.status).toBe("ok");
      expect(h.applied).toEqual([]);
      writeFileSync(file, "tampered");
      await expect(runModule(h, checksum, { path: file, checksum: `sha256:${sha256("archive")}` })).rejects.toThrow(
        `${file}: sha256 mismatch: expected ${sha256("archive")}, actual ${sha256("tampered")}`,
      );
    } finally {
      await server.close();
    }
  });

  it("uses download's manifest while the file is unchanged", async () => {
    const server = await fixtureServer();
    try {
      server.files.set("/go.tgz", "archive");
      const file = join(dir, "go.tgz");
      await runModule(h, download, {
        url: `${server.url}/go.tgz`,
        dest: file,
        checksum: `sha256:${sha256("archive")}`,
      });
      const r = await runModule(h, checksum, { path: file, checksum: `sha256:${sha256("archive")}` });
      expect(r.state.hashed).toBe("manifest");
      const full = await runModule(h, checksum, {
        path: file,
        checksum: `sha256:${sha256("archive")}`,
        verify: "full",
      });
      expect(full.state.hashed).toBe("hash");
    } finally {
      await server.close();
    }
  });
});
