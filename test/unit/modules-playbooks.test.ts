// The shipped playbooks load and validate, and their module chain converges on a local host:
// the second run is all ok, fetches nothing and lists no archive.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { loadInventory } from "../../src/load/inventory.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import { validator } from "../../src/load/schema.js";
import { checksum } from "../../src/modules/checksum/index.js";
import { download } from "../../src/modules/download/index.js";
import { envProfile } from "../../src/modules/env-profile/index.js";
import { extract } from "../../src/modules/extract/index.js";
import { goRelease, type GoRelease } from "../../src/modules/go-release/index.js";
import { fixtureServer, goArchive, harness, localFacts, runModule, sha256, tempDir, type FixtureServer } from "./modules-helpers.js";

describe("shipped files", () => {
  it.each(["playbooks/site.yaml", "playbooks/user-go.yaml"])("%s loads", (file) => {
    expect(() => loadPlaybook(file)).not.toThrow();
  });
  it("inventory.example.yaml loads", () => expect(() => loadInventory("inventory.example.yaml")).not.toThrow());

  it.each<[string, object, boolean]>([
    ["download", { url: "https://m/x.tgz", dest: "/x.tgz", checksum: "sha256:" + "a".repeat(64), file_mode: "0644" }, true],
    ["download", { url: "https://m/x.tgz", dest: "/x.tgz", checksum: "sha256:" + "a".repeat(64), file_mode: 644 }, false],
    ["download", { url: "https://m/x.tgz", dest: "/x.tgz", checksum: "md5:abc" }, false],
    ["download", { url: "https://m/x.tgz", dest: "/x.tgz", checksum: "sha256:x", mode: "0644" }, false],
    ["go-release", { version: "go1.22", feed: "https://m/feed.json", base_url: "https://m/" }, true],
    ["go-release", { version: "1.22.x", feed: "https://m/feed.json", base_url: "https://m/" }, false],
    ["extract", { src: "/a.tgz", dest: "/usr/local", version_file: "go/VERSION", version: "go1.22.12" }, true],
    ["extract", { src: "/a.tgz", dest: "/usr/local", version: "go1.22.12" }, false],
    ["extract", { src: "/a.tgz", dest: "/usr/local" }, false],
    ["extract", { src: "/a.tgz", dest: "/opt", creates: "/opt/x" }, true],
    ["env-profile", { name: "go", env: { GOFLAGS: "-mod=mod", CGO_ENABLED: 0 } }, true],
    ["env-profile", { name: "go", env: { "BAD-NAME": "x" } }, false],
    ["env-profile", { name: "../x" }, false],
    ["checksum", { path: "/x", checksum: "sha256:https://m/x.sha256", verify: "full" }, true],
  ])("%s %j valid: %s", (module, args, valid) => {
    expect(validator(`modules/${module}.json`)(args)).toBe(valid);
  });
});

describe("site.yaml's module chain on a local host", () => {
  let server: FixtureServer;
  let root: string;
  const archive = goArchive("go1.22.12");
  const filename = "go1.22.12.linux-arm64.tar.gz";

  beforeAll(async () => {
    server = await fixtureServer();
    root = tempDir();
    const file = { filename, os: "linux", arch: "arm64", version: "go1.22.12", sha256: sha256(archive), size: archive.length, kind: "archive" };
    server.files.set("/feed.json", JSON.stringify([{ version: "go1.22.12", stable: true, files: [file] }]));
    server.files.set(`/${filename}`, archive);
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("converges, then a re-run is all ok without fetching or listing", async () => {
    const h = harness(localFacts({ home: join(root, "home") }));
    onTestFinished(() => h.cleanup());
    const play = async () => {
      const go = (await runModule(h, goRelease, { version: "1.22", feed: `${server.url}/feed.json`, base_url: server.url })).data as unknown as GoRelease;
      const cached = join(root, "cache", go.filename);
      const results = [
        await runModule(h, download, { url: go.url, dest: cached, checksum: `sha256:${go.sha256}`, size: go.size }),
        await runModule(h, checksum, { path: cached, checksum: `sha256:${go.sha256}` }),
        await runModule(h, extract, { src: cached, dest: join(root, "usr-local"), version_file: "go/VERSION", version: go.version }),
        await runModule(h, envProfile, { name: "go", files: [join(root, "profile.d", "go.sh")], goroot: join(root, "usr-local", "go"), gopath: "$HOME/go" }),
      ];
      return results;
    };
    expect((await play()).map((r) => r.status)).toEqual(["changed", "ok", "changed", "changed"]);
    const second = await play();
    expect(second.map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(second[0]!.state).toMatchObject({ hashed: "manifest" });
    expect((second[2]!.state as { entries?: unknown }).entries).toBeUndefined();
    expect(server.requests.filter((r) => r.path.endsWith(".tar.gz"))).toHaveLength(1);
    const out = execFileSync("sh", ["-c", '. "$1"; go version', "sh", join(root, "profile.d", "go.sh")], {
      env: { PATH: "/usr/bin:/bin", HOME: join(root, "home") },
      encoding: "utf8",
    });
    expect(out.trim()).toBe("go version go1.22.12 linux/arm64");
    expect(readFileSync(join(root, "usr-local", "go", "VERSION"), "utf8")).toMatch(/^go1\.22\.12\n/);
  });
});
