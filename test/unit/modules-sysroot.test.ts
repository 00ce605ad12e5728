// sysroot: plan as a table, the tree fix-ups (relative links, relocatable musl specs), and apply on a
// local host from a seeded recipe cache: atomic switch, idempotence, a failed build or a lost manifest keeps the old tree.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDeb822 } from "../../src/apt/sources.js";
import {
  mirrorFor,
  recipeId,
  relativeLinks,
  rewriteSpecs,
  usrLinks,
  type Manifest,
  type Recipe,
} from "../../src/modules/sysroot/build.js";
import { SYSROOT_MANIFEST } from "../../src/modules/shared/cross.js";
import { envFile, envText, sysroot, type SysrootArgs, type SysrootState } from "../../src/modules/sysroot/index.js";
import { harness, localFacts, runModule, tempDir, type Harness } from "./modules-helpers.js";

const recipe: Recipe = { format: 2, libc: "glibc", release: "bookworm", arch: "arm64", packages: ["libc6", "zlib1g"] };
const args: SysrootArgs = { path: "/opt/sysroot/arm64-glibc", recipe };
const envSha = (path: string) =>
  execFileSync("sha256sum", { input: envText(path, "glibc") })
    .toString()
    .slice(0, 64);

describe("sysroot plan", () => {
  const ready: SysrootState = {
    kind: "link",
    recipeHash: recipeId(recipe),
    compiler: "/usr/bin/aarch64-linux-gnu-gcc",
    envSha256: envSha(args.path),
  };
  it.each<[string, Partial<SysrootState>, Partial<SysrootArgs>, string[]]>([
    ["up to date", {}, {}, []],
    ["nothing there", { kind: "none", recipeHash: undefined, envSha256: undefined }, {}, ["build", "env"]],
    ["other recipe", { recipeHash: "0".repeat(16) }, {}, ["build"]],
    ["env.sh edited", { envSha256: "f".repeat(64) }, {}, ["env"]],
    ["no compiler, install asked", { compiler: undefined }, { install_compiler: true }, ["compiler"]],
  ])("%s", (_label, state, extra, steps) => {
    const plan = sysroot.plan({ ...ready, ...state }, { ...args, ...extra });
    expect(plan.steps.map((s) => s.action)).toEqual(steps);
    expect(plan.data).toMatchObject({
      sysroot: args.path,
      env_file: "/opt/sysroot/arm64-glibc.env.sh",
      env: { GOARCH: "arm64", CC: "aarch64-linux-gnu-gcc" },
    });
  });

  it("lists the packages it would fetch", () => {
    expect(sysroot.plan({ kind: "none", compiler: "/usr/bin/x" }, args).msg).toBe(
      "fetch 2 bookworm arm64 packages (libc6, zlib1g) into /opt/sysroot/arm64-glibc; write /opt/sysroot/arm64-glibc.env.sh",
    );
  });

  it.each<[string, Partial<SysrootState>, string]>([
    [
      "no compiler",
      { compiler: undefined },
      "aarch64-linux-gnu-gcc not found on the build host — set install_compiler: true, or apt-get install gcc-aarch64-linux-gnu",
    ],
    ["a directory not ours", { kind: "other" }, "/opt/sysroot/arm64-glibc exists and is not a sysroot armgo made"],
  ])("%s fails", (_label, state, want) => {
    expect(() => sysroot.plan({ ...ready, ...state }, args)).toThrow(want.split(" — ")[0]);
    try {
      sysroot.plan({ ...ready, ...state }, args);
    } catch (e) {
      expect((e as { oneLine(): string }).oneLine()).toContain(want);
    }
  });
});

describe("sysroot resolve", () => {
  const ctx = (facts = localFacts()) => ({
    host: "build",
    facts,
    controller: harness().controller,
    fleet: harness().fleet,
  });
  it("maps libraries to packages, release from the build host", async () => {
    const r = await sysroot.resolve!({ path: "/s", libs: ["openssl", "zlib"], packages: ["zlib1g"] }, ctx());
    expect(r.recipe).toEqual({
      format: 2,
      libc: "glibc",
      release: "bookworm",
      arch: "arm64",
      packages: [
        "libc6",
        "libc6-dev",
        "libcrypt-dev",
        "libcrypt1",
        "libssl-dev",
        "libssl3",
        "linux-libc-dev",
        "zlib1g",
        "zlib1g-dev",
      ],
    });
  });
  it.each<{ name: string; release: string; ssl: string[] }>([
    { name: "bullseye had OpenSSL 1.1", release: "bullseye", ssl: ["libssl1.1"] },
    { name: "bookworm's names are ours", release: "bookworm", ssl: ["libssl3"] },
    {
      name: "trixie's 64-bit time_t rename, and what its libcrypto links",
      release: "trixie",
      ssl: ["libssl3t64", "libzstd1", "zlib1g"],
    },
  ])("libraries take the release's package names: $name", async ({ release, ssl }) => {
    const r = await sysroot.resolve!({ path: "/s", libs: ["openssl"], release, packages: ["libssl3"] }, ctx());
    // a user's own packages: stay as named (libssl3 here)
    expect(r.recipe!.packages).toEqual(
      [
        ...new Set([
          "libc6",
          "libc6-dev",
          "libcrypt-dev",
          "libcrypt1",
          "libssl-dev",
          ...ssl,
          "libssl3",
          "linux-libc-dev",
        ]),
      ].sort(),
    );
  });
  it.each<[string, SysrootArgs, ReturnType<typeof localFacts>, string]>([
    [
      "unknown library",
      { path: "/s", libs: ["zlib", "libpng"] },
      localFacts(),
      "unknown library 'libpng': armgo maps openssl, zlib",
    ],
    [
      "no release",
      { path: "/s" },
      localFacts({ os: { id: "ubuntu", version_id: "24.04", pretty_name: "Ubuntu 24.04" } }),
      "no Debian release known for the build host (Ubuntu 24.04)",
    ],
  ])("%s is named, nothing changes", async (_label, a, facts, want) => {
    await expect(sysroot.resolve!(a, ctx(facts))).rejects.toThrow(want);
  });
});

describe("the Debian mirror for a sysroot's release", () => {
  const sources = parseDeb822(
    "Types: deb\nURIs: http://mirror.test/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n" +
      "Types: deb\nURIs: http://mirror.test/debian-security\nSuites: bookworm-security\nComponents: main\n",
  );
  it.each<[string, string]>([
    ["bookworm", "http://mirror.test/debian"],
    // the fleet's older release comes from the same archive
    ["bullseye", "http://mirror.test/debian"],
  ])("%s -> %s", (release, uri) => {
    expect(mirrorFor(sources, release)).toEqual({ uri, signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg" });
  });
  it("no Debian source is one clear error", () => {
    expect(() => mirrorFor([], "bookworm")).toThrow(
      "no Debian apt source on the controller to fetch bookworm arm64 packages from",
    );
  });
});

describe("sysroot tree fix-ups", () => {
  it("musl's specs resolve against --sysroot", () => {
    const debian = [
      "*cpp_options:\n-nostdinc -isystem /usr/include/aarch64-linux-musl -isystem include%s %(old_cpp_options)",
      "*link_libgcc:\n-L/usr/lib/aarch64-linux-musl -L .%s",
      "*startfile:\n%{!shared: /usr/lib/aarch64-linux-musl/Scrt1.o} /usr/lib/aarch64-linux-musl/crti.o crtbeginS.o%s",
      "*link:\n-dynamic-linker /lib/ld-musl-aarch64.so.1 -nostdlib",
    ].join("\n\n");
    const out = rewriteSpecs(debian);
    expect(out).not.toMatch(/(^|[\s-L])\/usr\//m);
    expect(out).toContain("-isystem %R/usr/include/aarch64-linux-musl");
    expect(out).toContain("-L%R/usr/lib/aarch64-linux-musl");
    expect(out).toContain("%{!shared: %R/usr/lib/aarch64-linux-musl/Scrt1.o} %R/usr/lib/aarch64-linux-musl/crti.o");
    // the loader is a path on the target, not in the sysroot
    expect(out).toContain("-dynamic-linker /lib/ld-musl-aarch64.so.1");
  });

  it.each<{ name: string; dirs: string[]; links: Record<string, string | null> }>([
    {
      name: "merged-/usr packages (trixie): lib, bin link to /usr",
      dirs: ["usr/lib/aarch64-linux-gnu", "usr/bin"],
      links: { lib: "usr/lib", bin: "usr/bin", sbin: null },
    },
    {
      name: "packages that still fill /lib (bookworm) keep it",
      dirs: ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu"],
      links: { lib: null, bin: null, sbin: null },
    },
  ])("merged-/usr links: $name", async ({ dirs, links }) => {
    const root = tempDir("armgo-tree-");
    try {
      for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
      await usrLinks(root);
      for (const [d, target] of Object.entries(links)) {
        const st = lstatSync(join(root, d), { throwIfNoEntry: false });
        expect(st?.isSymbolicLink() ? readlinkSync(join(root, d)) : null).toBe(target);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("absolute links become relative, so the tree works where it lies", async () => {
    const root = tempDir("armgo-tree-");
    try {
      mkdirSync(join(root, "usr/lib/aarch64-linux-gnu"), { recursive: true });
      mkdirSync(join(root, "lib/aarch64-linux-gnu"), { recursive: true });
      symlinkSync("/lib/aarch64-linux-gnu/libm.so.6", join(root, "usr/lib/aarch64-linux-gnu/libm.so"));
      symlinkSync("/lib", join(root, "lib64"));
      symlinkSync("libz.so.1.2.13", join(root, "usr/lib/aarch64-linux-gnu/libz.so"));
      await relativeLinks(root);
      expect(readlinkSync(join(root, "usr/lib/aarch64-linux-gnu/libm.so"))).toBe(
        "../../../lib/aarch64-linux-gnu/libm.so.6",
      );
      expect(readlinkSync(join(root, "lib64"))).toBe("lib");
      expect(readlinkSync(join(root, "usr/lib/aarch64-linux-gnu/libz.so"))).toBe("libz.so.1.2.13");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("sysroot on a local build host (seeded recipe cache, no network)", () => {
  let h: Harness;
  let dir: string;
  let saved: string | undefined;
  /** Put a built sysroot for `r` into the cache, as buildSysroot leaves it; `broken` makes the tarball unreadable. */
  const seed = (r: Recipe, marker: string, broken = false) => {
    const out = join(dir, "cache", `sysroot-${recipeId(r)}`);
    const tree = join(dir, `tree-${marker}`);
    mkdirSync(join(tree, "usr/include"), { recursive: true });
    writeFileSync(join(tree, "usr/include", "marker.h"), marker);
    const manifest: Manifest = {
      recipe: r,
      recipe_hash: recipeId(r),
      packages: r.packages.map((name) => ({ name, version: "1", deb: `${name}.deb`, sha256: "0".repeat(64) })),
    };
    writeFileSync(join(tree, SYSROOT_MANIFEST), JSON.stringify(manifest, null, 2));
    mkdirSync(out, { recursive: true });
    if (broken) writeFileSync(join(out, "sysroot.tar.gz"), "not a tarball");
    else execFileSync("tar", ["-C", tree, "-czf", join(out, "sysroot.tar.gz"), "."]);
    writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest));
  };
  beforeEach(() => {
    h = harness(localFacts(), undefined);
    dir = tempDir("armgo-sysroot-");
    saved = process.env.ARMGO_CACHE;
    process.env.ARMGO_CACHE = join(dir, "cache");
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.ARMGO_CACHE;
    else process.env.ARMGO_CACHE = saved;
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A sysroot of zlib1g installed at dir/sr/arm64-glibc from a seeded tree marked "first". */
  const installFirst = async () => {
    const path = join(dir, "sr", "arm64-glibc");
    mkdirSync(join(dir, "sr"));
    const a: SysrootArgs = { path, packages: ["zlib1g"] };
    const resolved = (
      await sysroot.resolve!(a, { host: "l", facts: h.facts, controller: h.controller, fleet: h.fleet })
    ).recipe!;
    seed(resolved, "first");
    // the controller has the cross compiler (setup.sh installs it)
    return { path, a, resolved, first: await runModule(h, sysroot, a) };
  };

  it("builds beside, switches the link, converges, and a failed build keeps the previous tree", async () => {
    const { path, a, resolved, first } = await installFirst();
    expect(first.status).toBe("changed");
    expect(readFileSync(join(path, "usr/include/marker.h"), "utf8")).toBe("first");
    expect(readlinkSync(path)).toMatch(new RegExp(`^arm64-glibc\\.${recipeId(resolved)}\\.[0-9a-f]{12}$`));
    const firstTree = readlinkSync(path);
    expect(readFileSync(envFile(path), "utf8")).toBe(envText(path, "glibc"));
    expect(first.data.env).toMatchObject({
      PKG_CONFIG_SYSROOT_DIR: path,
      CGO_LDFLAGS: `--sysroot=${path} -B${path}/usr/lib/aarch64-linux-gnu/`,
    });

    h.applied.length = 0;
    const again = await runModule(h, sysroot, a);
    expect(again.status).toBe("ok");
    expect(h.applied).toEqual([]);

    const b: SysrootArgs = { path, packages: ["zlib1g", "libssl3"] };
    const other = (await sysroot.resolve!(b, { host: "l", facts: h.facts, controller: h.controller, fleet: h.fleet }))
      .recipe!;
    seed(other, "second", true);
    await expect(runModule(h, sysroot, b)).rejects.toThrow(/exit 1/);
    expect(readFileSync(join(path, "usr/include/marker.h"), "utf8")).toBe("first");
    expect((await runModule(h, sysroot, a)).status).toBe("ok");

    seed(other, "second");
    expect((await runModule(h, sysroot, b)).status).toBe("changed");
    expect(readFileSync(join(path, "usr/include/marker.h"), "utf8")).toBe("second");
    // the replaced tree and the failed build's leftovers are gone
    expect(existsSync(join(dir, "sr", firstTree))).toBe(false);
    expect(
      execFileSync("ls", ["-A", join(dir, "sr")])
        .toString()
        .trim()
        .split("\n")
        .sort(),
    ).toEqual([`arm64-glibc`, readlinkSync(path), "arm64-glibc.env.sh"].sort());
  });

  it("a hand-made absolute link to the live tree still protects it from the leftover cleanup", async () => {
    const { path, a, resolved: r } = await installFirst();
    const tree = join(dir, "sr", readlinkSync(path));
    rmSync(path);
    symlinkSync(tree, path);
    rmSync(join(path, SYSROOT_MANIFEST));
    seed(r, "broken", true);
    await expect(runModule(h, sysroot, a)).rejects.toThrow(/exit 1/);
    expect(readFileSync(join(path, "usr/include/marker.h"), "utf8")).toBe("first");
  });

  it("a lost or corrupt manifest rebuilds beside the live tree, which survives a failing install", async () => {
    const { path, a, resolved: r } = await installFirst();
    const live = readlinkSync(path);
    // the same recipe, so the same id: the rebuild must not take the live tree's place before it is whole
    rmSync(join(path, SYSROOT_MANIFEST));
    seed(r, "broken", true);
    await expect(runModule(h, sysroot, a)).rejects.toThrow(/exit 1/);
    expect(readlinkSync(path)).toBe(live);
    expect(readFileSync(join(path, "usr/include/marker.h"), "utf8")).toBe("first");

    writeFileSync(join(path, SYSROOT_MANIFEST), "{ not json");
    // a tree an interrupted run left between unpacking and the switch
    const orphan = `arm64-glibc.${recipeId(r)}.0123456789ab`;
    mkdirSync(join(dir, "sr", orphan));
    seed(r, "second");
    expect((await runModule(h, sysroot, a)).status).toBe("changed");
    expect(readFileSync(join(path, "usr/include/marker.h"), "utf8")).toBe("second");
    expect(readlinkSync(path)).not.toBe(live);
    // the old tree, the orphan and the failed install's temp dir are gone
    expect(
      execFileSync("ls", ["-A", join(dir, "sr")])
        .toString()
        .trim()
        .split("\n")
        .sort(),
    ).toEqual([`arm64-glibc`, readlinkSync(path), "arm64-glibc.env.sh"].sort());
    expect((await runModule(h, sysroot, a)).status).toBe("ok");
  });
});
