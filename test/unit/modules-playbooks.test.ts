// The shipped playbooks load and validate, and the go role they use converges on a local host:
// the second run is all ok, fetches nothing and lists no archive.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { lazyVars } from "../../src/engine/vars.js";
import type { Facts } from "../../src/facts/types.js";
import { loadInventory } from "../../src/load/inventory.js";
import type { Play, Task } from "../../src/load/model.js";
import { loadPlaybook } from "../../src/load/playbook.js";
import { validator } from "../../src/load/schema.js";
import { loadModule } from "../../src/modules/index.js";
import { render } from "../../src/template/render.js";
import {
  fixtureServer,
  goArchive,
  harness,
  localFacts,
  runModule,
  sha256,
  tempDir,
  type FixtureServer,
} from "./modules-helpers.js";

/** A task's args as a run renders them: role defaults < inventory < play vars < role vars, then facts and registered results. */
const argsOf = (
  play: Play,
  t: Task,
  inventory: Record<string, unknown>,
  facts: Facts,
  registered: Record<string, unknown>,
): unknown => render(t.args, lazyVars([play.defaults, inventory, play.vars, t.vars, { facts, ...registered }]));

describe("shipped files", () => {
  it.each([
    "playbooks/site.yaml",
    "playbooks/user-go.yaml",
    "playbooks/cross-build.yaml",
    "playbooks/controller-go.yaml",
    "playbooks/canary-analysis.yaml",
  ])("%s loads", (file) => {
    expect(() => loadPlaybook(file)).not.toThrow();
  });
  const go = {
    url: "https://m/go1.22.12.linux-arm64.tar.gz",
    filename: "go1.22.12.linux-arm64.tar.gz",
    sha256: "a".repeat(64),
    size: 1,
    version: "go1.22.12",
  };
  it.each([
    [
      "playbooks/site.yaml",
      true,
      { cache: "/var/cache/armgo", dest: "/usr/local", keep_previous: true, scope: "system" },
    ],
    [
      "playbooks/user-go.yaml",
      false,
      { cache: "/home/deploy/.cache/armgo", dest: "/home/deploy/sdk", keep_previous: false, scope: "user" },
    ],
  ])("%s is the go role's six tasks with become %s and %j", (file, become, want) => {
    const play = loadPlaybook(file).plays[0]!;
    expect(play.become).toBe(become);
    expect(play.tasks.map((t) => t.module)).toEqual([
      "go-release",
      "download",
      "checksum",
      "extract",
      "env-profile",
      "command",
    ]);
    const args = new Map(
      play.tasks.map((t) => [
        t.module,
        argsOf(play, t, { go_mirror: "https://m" }, localFacts({ home: "/home/deploy" }), { go }),
      ]),
    );
    expect(args.get("go-release")).toEqual({ version: "1.22.12", feed: "https://m/feed.json", base_url: "https://m" });
    expect(args.get("download")).toMatchObject({
      url: go.url,
      dest: `${want.cache}/${go.filename}`,
      checksum: `sha256:${go.sha256}`,
      size: 1,
    });
    expect(args.get("checksum")).toEqual({ path: `${want.cache}/${go.filename}`, checksum: `sha256:${go.sha256}` });
    expect(args.get("extract")).toEqual({
      src: `${want.cache}/${go.filename}`,
      dest: want.dest,
      version_file: "go/VERSION",
      version: "go1.22.12",
      keep_previous: want.keep_previous,
    });
    expect(args.get("env-profile")).toEqual({
      name: "go",
      scope: want.scope,
      goroot: `${want.dest}/go`,
      gopath: "$HOME/go",
    });
    for (const [module, a] of args) expect(validator(`modules/${module}.json`)(a), module).toBe(true);
  });

  it("inventory.example.yaml loads", () => expect(() => loadInventory("inventory.example.yaml")).not.toThrow());

  it.each<[string, object, boolean]>([
    [
      "download",
      { url: "https://m/x.tgz", dest: "/x.tgz", checksum: "sha256:" + "a".repeat(64), file_mode: "0644" },
      true,
    ],
    [
      "download",
      { url: "https://m/x.tgz", dest: "/x.tgz", checksum: "sha256:" + "a".repeat(64), file_mode: 644 },
      false,
    ],
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
    [
      "sysroot",
      {
        path: "/opt/sysroot/arm64-musl",
        libc: "musl",
        libs: ["zlib"],
        packages: ["libpng-dev"],
        release: "bookworm",
        install_compiler: true,
      },
      true,
    ],
    ["sysroot", { path: "/opt/sysroot/" }, false],
    ["sysroot", { path: "/s", libc: "uclibc" }, false],
    ["sysroot", { path: "/s", packages: ["x; rm -rf /"] }, false],
    [
      "cgo-probe",
      {
        sysroot: "/s",
        libs: ["zlib"],
        neon: true,
        link: "static",
        go: "/usr/local/go/bin/go",
        targets: "arm64",
        run_on: "web-1",
      },
      true,
    ],
    ["cgo-probe", { sysroot: "/s", libs: ["$(x)"] }, false],
    ["cgo-probe", { sysroot: "/s", link: "shared" }, false],
  ])("%s %j valid: %s", (module, args, valid) => {
    expect(validator(`modules/${module}.json`)(args)).toBe(valid);
  });
});

describe("user-go.yaml (the go role, user scope) on a local host", () => {
  let server: FixtureServer;
  let root: string;
  const archive = goArchive("go1.22.12");
  const filename = "go1.22.12.linux-arm64.tar.gz";

  beforeAll(async () => {
    server = await fixtureServer();
    root = tempDir();
    const file = {
      filename,
      os: "linux",
      arch: "arm64",
      version: "go1.22.12",
      sha256: sha256(archive),
      size: archive.length,
      kind: "archive",
    };
    server.files.set("/feed.json", JSON.stringify([{ version: "go1.22.12", stable: true, files: [file] }]));
    server.files.set(`/${filename}`, archive);
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("converges, then a re-run is all ok without fetching or listing; the verify command finds go in a login shell", async () => {
    const home = join(root, "home");
    const h = harness(localFacts({ home }));
    onTestFinished(() => h.cleanup());
    const play = loadPlaybook("playbooks/user-go.yaml").plays[0]!;
    const inventory = { go_mirror: server.url };
    const verify = play.tasks.at(-1)!;
    const converge = async () => {
      const registered: Record<string, unknown> = {};
      const results = [];
      for (const t of play.tasks.slice(0, -1)) {
        const r = await runModule(h, await loadModule(t.module), argsOf(play, t, inventory, h.facts, registered));
        if (t.register) registered[t.register] = r.data;
        results.push(r);
      }
      return { results, registered };
    };
    const first = await converge();
    expect(first.results.map((r) => r.status)).toEqual(["ok", "changed", "ok", "changed", "changed"]);
    const second = await converge();
    expect(second.results.map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(second.results[1]!.state).toMatchObject({ hashed: "manifest" });
    expect((second.results[3]!.state as { entries?: unknown }).entries).toBeUndefined();
    expect(server.requests.filter((r) => r.path.endsWith(".tar.gz"))).toHaveLength(1);
    const { cmd } = argsOf(play, verify, inventory, h.facts, second.registered) as { cmd: string };
    const out = execFileSync("sh", ["-c", cmd], { env: { PATH: "/usr/bin:/bin", HOME: home }, encoding: "utf8" });
    expect(out.split("\n")[0]).toBe("go version go1.22.12 linux/arm64");
    expect(readFileSync(join(home, "sdk", "go", "VERSION"), "utf8")).toMatch(/^go1\.22\.12\n/);
    expect(readFileSync(join(home, ".cache", "armgo", filename)).equals(archive)).toBe(true);
  });
});
