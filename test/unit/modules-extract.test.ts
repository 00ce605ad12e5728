import { spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extract } from "../../src/modules/extract/index.js";
import { parseProbe } from "../../src/modules/extract/probe.js";
import { planExtract } from "../../src/modules/extract/plan.js";
import type { ExtractState } from "../../src/modules/extract/types.js";
import { goArchive, harness, makeTarGz, runModule, tempDir, type Harness, type TarEntry } from "./modules-helpers.js";

const args = {
  src: "/var/cache/armgo/go1.22.12.linux-arm64.tar.gz",
  dest: "/usr/local",
  version_file: "go/VERSION",
  version: "go1.22.12",
};
const fresh: ExtractState = { target: "absent", trees: [], stale: [], creates: false, src: true, tar: "gnu" };

describe("extract plan", () => {
  it.each<[string, ExtractState, object, string, unknown[]]>([
    [
      "fresh host",
      fresh,
      {},
      "extract /var/cache/armgo/go1.22.12.linux-arm64.tar.gz into go-1.22.12 (entries checked while unpacking), /usr/local/go: absent → go1.22.12",
      [
        { action: "extract", into: "go-1.22.12" },
        { action: "switch", to: "go-1.22.12" },
      ],
    ],
    [
      "already active",
      {
        ...fresh,
        target: "link",
        link: "go-1.22.12",
        installed: "go1.22.12",
        trees: [{ name: "go-1.22.12", version: "go1.22.12" }],
      },
      {},
      "go1.22.12 already at /usr/local/go",
      [],
    ],
    [
      "manual install of the wanted version",
      { ...fresh, target: "dir", installed: "go1.22.12" },
      {},
      "go1.22.12 already at /usr/local/go",
      [],
    ],
    [
      "upgrade",
      {
        ...fresh,
        target: "link",
        link: "go-1.21.6",
        installed: "go1.21.6",
        trees: [{ name: "go-1.21.6", version: "go1.21.6" }],
      },
      {},
      "extract /var/cache/armgo/go1.22.12.linux-arm64.tar.gz into go-1.22.12 (entries checked while unpacking), /usr/local/go: go1.21.6 → go1.22.12",
      [
        { action: "extract", into: "go-1.22.12" },
        { action: "switch", to: "go-1.22.12" },
      ],
    ],
    [
      "downgrade to a kept tree: no extraction",
      {
        ...fresh,
        target: "link",
        link: "go-1.23.0",
        installed: "go1.23.0",
        trees: [
          { name: "go-1.22.12", version: "go1.22.12" },
          { name: "go-1.23.0", version: "go1.23.0" },
        ],
      },
      {},
      "switch to kept go-1.22.12, /usr/local/go: go1.23.0 → go1.22.12",
      [{ action: "switch", to: "go-1.22.12" }],
    ],
    [
      "migrate a manual install",
      { ...fresh, target: "dir", installed: "go1.21.0" },
      {},
      "extract /var/cache/armgo/go1.22.12.linux-arm64.tar.gz into go-1.22.12 (entries checked while unpacking), /usr/local/go: go1.21.0 → go1.22.12",
      [
        { action: "extract", into: "go-1.22.12" },
        { action: "switch", to: "go-1.22.12", migrate: "go-1.21.0" },
      ],
    ],
    [
      "migrate when the name is taken",
      { ...fresh, target: "dir", installed: "go1.21.0", trees: [{ name: "go-1.21.0", version: "go1.21.0" }] },
      {},
      "extract /var/cache/armgo/go1.22.12.linux-arm64.tar.gz into go-1.22.12 (entries checked while unpacking), /usr/local/go: go1.21.0 → go1.22.12",
      [
        { action: "extract", into: "go-1.22.12" },
        { action: "switch", to: "go-1.22.12", migrate: "go-1.21.0-previous" },
      ],
    ],
    [
      "keep_previous: false prunes",
      {
        ...fresh,
        target: "link",
        link: "go-1.21.6",
        installed: "go1.21.6",
        trees: [
          { name: "go-1.21.6", version: "go1.21.6" },
          { name: "go-1.20.1", version: "go1.20.1" },
        ],
      },
      { keep_previous: false },
      "extract /var/cache/armgo/go1.22.12.linux-arm64.tar.gz into go-1.22.12 (entries checked while unpacking), /usr/local/go: go1.21.6 → go1.22.12; remove go-1.21.6, go-1.20.1",
      [
        { action: "extract", into: "go-1.22.12" },
        { action: "switch", to: "go-1.22.12" },
        { action: "prune", names: ["go-1.21.6", "go-1.20.1"] },
      ],
    ],
    [
      "keep_previous: false when already active",
      {
        ...fresh,
        target: "link",
        link: "go-1.22.12",
        installed: "go1.22.12",
        trees: [
          { name: "go-1.22.12", version: "go1.22.12" },
          { name: "go-1.21.6", version: "go1.21.6" },
        ],
      },
      { keep_previous: false },
      "remove go-1.21.6 (go1.22.12 already at /usr/local/go)",
      [{ action: "prune", names: ["go-1.21.6"] }],
    ],
    [
      "leftovers of a killed run",
      { ...fresh, target: "link", link: "go-1.21.6", installed: "go1.21.6", stale: [".armgo-extract-0a1b"] },
      {},
      "extract /var/cache/armgo/go1.22.12.linux-arm64.tar.gz into go-1.22.12 (entries checked while unpacking), /usr/local/go: go1.21.6 → go1.22.12; remove leftovers .armgo-extract-0a1b",
      [{ action: "clean" }, { action: "extract", into: "go-1.22.12" }, { action: "switch", to: "go-1.22.12" }],
    ],
    [
      "check mode before the download",
      { ...fresh, src: false },
      {},
      "extract /var/cache/armgo/go1.22.12.linux-arm64.tar.gz into go-1.22.12 (archive not on the host yet), /usr/local/go: absent → go1.22.12",
      [
        { action: "extract", into: "go-1.22.12" },
        { action: "switch", to: "go-1.22.12" },
      ],
    ],
  ])("%s", (_label, state, extra, msg, steps) => {
    const plan = planExtract(state, { ...args, ...extra });
    expect(plan.msg).toBe(msg);
    expect(plan.steps).toEqual(steps);
  });

  it("diff shows old → new version", () => {
    expect(planExtract({ ...fresh, target: "link", installed: "go1.21.6" }, args).diff).toMatchObject({
      before: "go1.21.6",
      after: "go1.22.12",
    });
  });

  it.each<[string, ExtractState, RegExp]>([
    ["target is a file", { ...fresh, target: "other" }, /neither a directory nor a symlink/],
    ["no tar", { ...fresh, tar: "none" }, /tar is not installed/],
    ["BusyBox tar", { ...fresh, tar: "other" }, /extract needs GNU tar on the host/],
  ])("fails: %s", (_label, state, message) => expect(() => planExtract(state, args)).toThrow(message));

  it.each<[string, ExtractState, object, string, unknown[]]>([
    ["creates exists", { ...fresh, creates: true }, { creates: "/opt/tool/bin/tool" }, "/opt/tool/bin/tool exists", []],
    [
      "creates missing",
      fresh,
      { creates: "/opt/tool/bin/tool" },
      "extract /x.tgz into /opt (entries checked while unpacking)",
      [{ action: "unpack" }],
    ],
  ])("without version: %s", (_label, state, extra, msg, steps) => {
    const plan = planExtract(state, { src: "/x.tgz", dest: "/opt", ...extra });
    expect(plan.msg).toBe(msg);
    expect(plan.steps).toEqual(steps);
  });
});

describe("extract parse", () => {
  it("reads the probe's lines", () => {
    const stdout = [
      "target=link",
      "link=go-1.21.6",
      "installed=go1.21.6",
      "tree=go-1.21.6 go1.21.6",
      "tree=go-1.20.1 go1.20.1",
      "stale=.armgo-extract-ab12",
      "tar=gnu",
      "src=1",
      "",
    ].join("\n");
    expect(parseProbe({ stdout, stderr: "", code: 0 })).toMatchObject({
      target: "link",
      link: "go-1.21.6",
      installed: "go1.21.6",
      trees: [
        { name: "go-1.21.6", version: "go1.21.6" },
        { name: "go-1.20.1", version: "go1.20.1" },
      ],
      stale: [".armgo-extract-ab12"],
      src: true,
      tar: "gnu",
    });
  });

  it.each([
    ["tar=other", "other"],
    ["", "none"],
  ])("tar: %j is %s", (line, tar) => {
    expect(parseProbe({ stdout: `target=absent\n${line}\n`, stderr: "", code: 0 }).tar).toBe(tar);
  });
});

describe("extract on a real host (sh, tar)", () => {
  let h: Harness;
  let dir: string;
  let dest: string;
  const archive = (version: string, extra: TarEntry[] = []) => {
    const path = join(dir, `${version}.linux-arm64.tar.gz`);
    writeFileSync(path, goArchive(version, extra));
    return path;
  };
  const run = (version: string, extra: object = {}, check = false) =>
    runModule(h, extract, { src: archive(version), dest, version_file: "go/VERSION", version, ...extra }, { check });
  const active = () => readFileSync(join(dest, "go", "VERSION"), "utf8").split("\n")[0];
  const listing = () => (existsSync(dest) ? readdirSync(dest).sort() : []);

  beforeEach(() => {
    h = harness();
    dir = tempDir();
    dest = join(dir, "usr-local");
  });
  afterEach(() => {
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("installs behind a symlink, then is ok", async () => {
    const r = await run("go1.22.12");
    expect(r.status).toBe("changed");
    expect(r.msg).toBe(`go1.22.12 active at ${dest}/go`);
    expect(readlinkSync(join(dest, "go"))).toBe("go-1.22.12");
    expect(active()).toBe("go1.22.12");
    expect(listing()).toEqual(["go", "go-1.22.12"]);
    const again = await run("go1.22.12");
    expect(again.status).toBe("ok");
    expect(again.msg).toBe(`go1.22.12 already at ${dest}/go`);
    // The probe never reads the archive: one decompression per host, in apply.
    expect(again.probe.stdout).not.toMatch(/go\/VERSION|entry=/);
  });

  it("upgrades, downgrades by switching to the kept tree, and prunes with keep_previous: false", async () => {
    await run("go1.22.12");
    await run("go1.23.4");
    expect(active()).toBe("go1.23.4");
    expect(listing()).toEqual(["go", "go-1.22.12", "go-1.23.4"]);

    h.applied.length = 0;
    const down = await run("go1.22.12");
    expect(down.msg).toBe(`go1.22.12 active at ${dest}/go`);
    expect(down.plan.steps).toEqual([{ action: "switch", to: "go-1.22.12" }]);
    expect(h.applied.join("\n")).not.toContain("tar -x");
    expect(active()).toBe("go1.22.12");

    const pruned = await run("go1.23.4", { keep_previous: false });
    expect(pruned.status).toBe("changed");
    expect(active()).toBe("go1.23.4");
    expect(listing()).toEqual(["go", "go-1.23.4"]);
  });

  it("migrates a manual install (real directory) to its versioned name", async () => {
    mkdirSync(join(dest, "go"), { recursive: true });
    writeFileSync(join(dest, "go", "VERSION"), "go1.21.0\ntime x\n");
    const r = await run("go1.22.12");
    expect(r.plan.steps).toContainEqual({ action: "switch", to: "go-1.22.12", migrate: "go-1.21.0" });
    expect(lstatSync(join(dest, "go")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dest, "go-1.21.0", "VERSION"), "utf8")).toMatch(/^go1.21.0/);
    // Going back to the manual version is now a symlink swap.
    const back = await run("go1.21.0");
    expect(back.plan.steps).toEqual([{ action: "switch", to: "go-1.21.0" }]);
    expect(active()).toBe("go1.21.0");
  });

  const file = (name: string): TarEntry => ({ type: "file", name, content: "x" });
  const link = (name: string, target: string): TarEntry => ({ type: "symlink", name, target });
  const hard = (name: string, target: string): TarEntry => ({ type: "hardlink", name, target });
  // The archive is checked while unpacked into the temp dir: a refused tree is never used, and
  // nothing is written outside that temp dir (GNU tar's own checks, then the scan of the tree).
  it.each<[string, TarEntry[], string | undefined]>([
    ["../evil", [file("../evil")], "'..' in path: ../evil"],
    ["dot-dot inside the name", [file("go/../../evil")], "'..' in path: go/../../evil"],
    ["/abs", [file("/tmp/armgo-abs-evil")], "absolute path: /tmp/armgo-abs-evil"],
    ["outside the managed tree", [file("other/x")], "outside go/: other"],
    ["symlink to an absolute path", [link("go/l", "/etc")], "symlink to an absolute path: go/l"],
    ["outside symlink", [link("go/escape", "../../../../etc")], "symlink pointing outside: go/escape"],
    ["symlink out of the tree into a sibling", [link("go/l", "../other")], "symlink pointing outside: go/l"],
    [
      "chained symlinks escaping only physically",
      [link("go/a", "."), link("go/b", "a/../..")],
      "symlink pointing outside: go/b",
    ],
    [
      "a file written through a symlink that points out",
      [link("go/l", "../.."), file("go/l/evil")],
      "symlink pointing outside: go/l",
    ],
    [
      "target escaping through another link",
      [link("go/l", "."), link("go/m", "l/.."), file("go/m/evil")],
      "symlink pointing outside: go/m",
    ],
    ["hardlink outside the tree", [hard("go/h", "etc/passwd")], "hardlink to outside: go/h"],
    [
      "hardlink with dot-dot to a file beside the tree",
      [hard("go/h", "go/../../hl-target")],
      "hardlink to outside: go/h",
    ],
    ["absolute hardlink", [hard("go/h", "/etc/hostname")], "hardlink to outside: go/h"],
    [
      "hardlink through a symlink that points out",
      [link("go/l", "../.."), hard("go/h", "go/l/hl-target")],
      "symlink pointing outside: go/l",
    ],
    [
      "hardlink to a symlink that points out",
      [link("go/l", "../.."), hard("go/h", "go/l")],
      "symlink pointing outside: go/",
    ],
    ["fifo", [{ type: "fifo", name: "go/p" }], "device or fifo: go/p"],
    [
      "setuid file (tar keeps the bit as root)",
      [{ type: "file", name: "go/bin/su", content: "x", mode: 0o4755 }],
      "setuid or setgid file: go/bin/su",
    ],
    ["setgid file", [{ type: "file", name: "go/sg", content: "x", mode: 0o2755 }], "setuid or setgid file: go/sg"],
    ["symlink inside", [link("go/a/l", "../b")], undefined],
    ["hardlink inside", [hard("go/h", "go/VERSION")], undefined],
  ])("%s", async (_label, extra, refused) => {
    await run("go1.21.6");
    writeFileSync(join(dest, "hl-target"), "keep\n");
    const before = listing();
    const src = join(dir, "evil.tar.gz");
    writeFileSync(src, goArchive("go1.22.12", extra));
    const attempt = runModule(h, extract, { src, dest, version_file: "go/VERSION", version: "go1.22.12" });
    if (refused === undefined) {
      await attempt;
      expect(active()).toBe("go1.22.12");
      return;
    }
    await expect(attempt).rejects.toThrow(`refusing to extract ${src}: ${refused}`);
    expect(listing()).toEqual(before);
    expect(active()).toBe("go1.21.6");
    expect(statSync(join(dest, "hl-target")).nlink).toBe(1);
    expect(readFileSync(join(dest, "hl-target"), "utf8")).toBe("keep\n");
    expect(existsSync("/tmp/armgo-abs-evil")).toBe(false);
    expect(existsSync(join(dir, "evil"))).toBe(false);
  });

  it.each<[string, TarEntry[], string | undefined]>([
    ["any top level", [file("a/x"), file("b/y")], undefined],
    ["a file written through a link that stays inside", [link("l", "."), file("l/go/x")], undefined],
    ["absolute path", [file("/tmp/armgo-abs-evil")], "absolute path: /tmp/armgo-abs-evil"],
    ["symlink out of dest", [link("l", "..")], "symlink pointing outside: l"],
  ])("without version: %s", async (_label, entries, refused) => {
    const src = join(dir, "tool.tar.gz");
    writeFileSync(src, makeTarGz(entries));
    const attempt = runModule(h, extract, { src, dest, creates: join(dest, "done") });
    if (refused === undefined) return expect((await attempt).status).toBe("changed");
    await expect(attempt).rejects.toThrow(`refusing to extract ${src}: ${refused}`);
    // dest did not exist before: the run that made it for a refused tree removed it again
    expect(existsSync(dest)).toBe(false);
  });

  it("a corrupt archive fails with gzip's complaint and switches nothing", async () => {
    await run("go1.21.6");
    const src = join(dir, "cut.tar.gz");
    writeFileSync(src, goArchive("go1.22.12").subarray(0, 100));
    await expect(
      runModule(h, extract, { src, dest, version_file: "go/VERSION", version: "go1.22.12" }),
    ).rejects.toThrow(`extracting ${src} failed: gzip: stdin: unexpected end of file`);
    expect(active()).toBe("go1.21.6");
    expect(listing()).toEqual(["go", "go-1.21.6"]);
  });

  it("a killed extract leaves the old version active; the next apply cleans up and converges", async () => {
    await run("go1.21.6");
    // What SIGKILL mid-extract leaves: a temp dir with a partial tree, and a half-made link.
    mkdirSync(join(dest, ".armgo-extract-dead01", "go", "src"), { recursive: true });
    writeFileSync(join(dest, ".armgo-extract-dead01", "go", "VERSION"), "go1.22.12\n");
    symlinkSync("go-1.22.12", join(dest, "go.armgo-new"));
    expect(active()).toBe("go1.21.6");

    const check = await run("go1.22.12", {}, true);
    expect(check.plan.steps[0]).toEqual({ action: "clean" });
    expect(check.state.stale.sort()).toEqual([".armgo-extract-dead01", "go.armgo-new"]);

    const r = await run("go1.22.12");
    expect(r.status).toBe("changed");
    expect(active()).toBe("go1.22.12");
    expect(listing()).toEqual(["go", "go-1.21.6", "go-1.22.12"]);
    expect((await run("go1.22.12")).status).toBe("ok");
  });

  it("a killed run whose script goes on (no pty, no signal): its processes are stopped before its tree goes", async () => {
    await run("go1.21.6");
    const left = join(dest, ".armgo-extract-live01");
    mkdirSync(left);
    // What sshd leaves running after the controller died: a script still writing into its temp tree.
    const orphan = spawn("/bin/sh", ["-c", `while :; do mkdir -p '${left}/go/again'; sleep 0.05; done`], {
      detached: true,
      stdio: "ignore",
    });
    const exited = new Promise((res) => orphan.once("exit", (_c, sig) => res(sig)));
    const r = await run("go1.22.12");
    expect(r.status).toBe("changed");
    const still = setTimeout(() => orphan.kill("SIGTERM"), 5000);
    expect(await exited).toBe("SIGKILL");
    clearTimeout(still);
    expect(listing()).toEqual(["go", "go-1.21.6", "go-1.22.12"]);
  });

  it("a missing archive: check mode says so, a run fails clearly", async () => {
    const a = { src: join(dir, "missing.tar.gz"), dest, version_file: "go/VERSION", version: "go1.22.12" };
    expect((await runModule(h, extract, a, { check: true })).plan.msg).toContain("(archive not on the host yet)");
    await expect(runModule(h, extract, a)).rejects.toThrow(`archive ${a.src} is not on the host`);
    expect(listing()).toEqual([]);
  });

  it("SIGKILL during tar: the old version stays active and the next run converges", async () => {
    await run("go1.21.6");
    const big = join(dir, "big.tar.gz");
    // ~40 MB of incompressible payload: tar runs long enough to be killed mid-way.
    writeFileSync(
      big,
      goArchive("go1.22.12", [
        { type: "file", name: "go/pkg/big", content: randomBytes(30_000_000).toString("base64") },
      ]),
    );
    const a = { src: big, dest, version_file: "go/VERSION", version: "go1.22.12" };
    await expect(runModule(h, extract, a, { killAfterMs: 150 })).rejects.toThrow(/failed \(exit -1\)/);
    expect(active()).toBe("go1.21.6");
    expect(listing().filter((n) => n.startsWith(".armgo-extract-"))).toHaveLength(1);
    const r = await runModule(h, extract, a);
    expect(r.plan.steps[0]).toEqual({ action: "clean" });
    expect(active()).toBe("go1.22.12");
    expect(listing()).toEqual(["go", "go-1.21.6", "go-1.22.12"]);
  });

  it("an archive holding another version fails and switches nothing", async () => {
    await run("go1.21.6");
    const src = join(dir, "mislabelled.tar.gz");
    writeFileSync(src, goArchive("go1.22.11"));
    await expect(
      runModule(h, extract, { src, dest, version_file: "go/VERSION", version: "go1.22.12" }),
    ).rejects.toThrow(`${src} holds go1.22.11, not go1.22.12`);
    expect(active()).toBe("go1.21.6");
    expect(listing()).toEqual(["go", "go-1.21.6"]);
  });

  it("without version: unpacks into dest guarded by creates", async () => {
    const src = join(dir, "tool.tar.gz");
    writeFileSync(
      src,
      makeTarGz([
        { type: "dir", name: "tool/" },
        { type: "file", name: "tool/bin/tool", content: "v2" },
      ]),
    );
    mkdirSync(join(dest, "tool"), { recursive: true });
    writeFileSync(join(dest, "tool", "old"), "v1");
    const a = { src, dest, creates: join(dest, "tool", "bin", "tool") };
    expect((await runModule(h, extract, a)).status).toBe("changed");
    expect(readFileSync(join(dest, "tool", "bin", "tool"), "utf8")).toBe("v2");
    expect(existsSync(join(dest, "tool", "old"))).toBe(false);
    expect((await runModule(h, extract, a)).status).toBe("ok");
    expect(listing()).toEqual(["tool"]);
  });
});
