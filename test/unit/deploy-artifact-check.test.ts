// deploy's artifact check: real ELF files built here with Debian's cross gcc (the controller's
// aarch64-linux-gnu-gcc links against bookworm's glibc 2.36) × a host's facts → verdict and the
// one-line refusal; then deploy's own probe on this machine and a refusal that uploads nothing.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitProbe, parseFit, refuseMisfit } from "../../src/modules/deploy/artifact-check.js";
import { deploy } from "../../src/modules/deploy/index.js";
import { emptyManifest } from "../../src/modules/deploy/manifest.js";
import type { DeployArgs, DeployState } from "../../src/modules/deploy/types.js";
import { parseKv } from "../../src/modules/contract.js";
import { readElf, type ElfInfo } from "../../src/modules/shared/elf.js";
import { LocalTransport } from "../../src/transport/local.js";
import { harness, localFacts, runModule, tempDir } from "./modules-helpers.js";

const CC = "aarch64-linux-gnu-gcc";
const SSL_LOADER = "/lib/ld-linux-aarch64.so.1";

type Fixture = "glibc-2.36" | "static" | "libssl" | "x86-64";

// The recipes: arc4random is new in glibc 2.36, so its binary's floor is GLIBC_2.36; the libssl one
// links a stub whose soname is libssl.so.3, as a binary built against the sysroot's OpenSSL does.
const RECIPES: Record<Exclude<Fixture, "x86-64">, { src: string; flags: string[] }> = {
  "glibc-2.36": {
    src: '#include <stdlib.h>\n#include <stdio.h>\nint main(void) { printf("%u\\n", arc4random()); return 0; }\n',
    flags: [],
  },
  static: { src: "int main(void) { return 0; }\n", flags: ["-static"] },
  libssl: {
    src: "int OPENSSL_init_ssl(void);\nint main(void) { return OPENSSL_init_ssl(); }\n",
    flags: ["-L.", "-lssl"],
  },
};

interface Row {
  name: string;
  fixture: Fixture;
  host?: Partial<{ arch: string; goarch: string; libc: { kind: string; version: string } }>;
  /** What the probe found: the loader there (default) or not, the libraries missing. */
  loader?: boolean;
  missing?: string[];
  /** null: the binary fits; else the refusal line (message — hint). */
  want: string | null;
}

const ROWS: Row[] = [
  { name: "glibc 2.36 binary on bookworm (2.36)", fixture: "glibc-2.36", want: null },
  {
    name: "glibc 2.36 binary on trixie (2.41)",
    fixture: "glibc-2.36",
    host: { libc: { kind: "glibc", version: "2.41" } },
    want: null,
  },
  {
    name: "glibc 2.36 binary on bullseye (2.31)",
    fixture: "glibc-2.36",
    host: { libc: { kind: "glibc", version: "2.31" } },
    want: "release 0123456789ab of svc not uploaded to web-3: svc needs GLIBC_2.36, web-3 has 2.31 — build against release: bullseye (glibc 2.31), link statically, or upgrade web-3",
  },
  {
    name: "glibc 2.36 binary on glibc 2.27, older than any Debian release armgo knows",
    fixture: "glibc-2.36",
    host: { libc: { kind: "glibc", version: "2.27" } },
    want: "release 0123456789ab of svc not uploaded to web-3: svc needs GLIBC_2.36, web-3 has 2.27 — build against an older glibc, link statically, or upgrade web-3",
  },
  {
    name: "glibc binary on a musl host",
    fixture: "glibc-2.36",
    host: { libc: { kind: "musl", version: "1.2.4" } },
    loader: false,
    want: "release 0123456789ab of svc not uploaded to web-3: svc needs glibc, web-3 has musl 1.2.4; svc needs the loader /lib/ld-linux-aarch64.so.1, missing on web-3 — build against a musl sysroot, or link statically; install glibc on web-3, or link statically",
  },
  {
    name: "static binary on bullseye",
    fixture: "static",
    host: { libc: { kind: "glibc", version: "2.31" } },
    want: null,
  },
  {
    name: "static binary on musl",
    fixture: "static",
    host: { libc: { kind: "musl", version: "1.2.4" } },
    loader: false,
    want: null,
  },
  {
    name: "static binary on unknown libc",
    fixture: "static",
    host: { libc: { kind: "unknown", version: "" } },
    want: null,
  },
  {
    name: "static AArch64 binary on an x86_64 host",
    fixture: "static",
    host: { arch: "x86_64", goarch: "amd64" },
    want: "release 0123456789ab of svc not uploaded to web-3: web-3 is x86_64, svc is built for AArch64 (ELF64) — build for amd64, or leave web-3 out of the targets",
  },
  {
    name: "x86-64 binary on an ARM64 host",
    fixture: "x86-64",
    want: "release 0123456789ab of svc not uploaded to web-3: web-3 is aarch64, svc is built for x86-64 (ELF64) — build for arm64, or leave web-3 out of the targets",
  },
  { name: "libssl binary where libssl.so.3 resolves", fixture: "libssl", want: null },
  {
    name: "libssl binary where libssl.so.3 does not resolve",
    fixture: "libssl",
    missing: ["libssl.so.3"],
    want: "release 0123456789ab of svc not uploaded to web-3: svc needs libssl.so.3, which web-3 lacks (not in ldconfig -p nor the loader's directories) — install the package that ships it on web-3, or link it statically",
  },
  {
    name: "a missing library the binary does not need is no refusal",
    fixture: "glibc-2.36",
    missing: ["libssl.so.3"],
    want: null,
  },
];

describe("deploy's artifact check: ELF fixtures × host facts", () => {
  let dir: string;
  const elfs = {} as Record<Fixture, ElfInfo>;
  beforeAll(() => {
    dir = tempDir("armgo-fit-");
    // the stub library: only its soname matters to the binary that links it
    writeFileSync(join(dir, "ssl.c"), "int OPENSSL_init_ssl(void) { return 0; }\n");
    execFileSync(CC, ["-shared", "-fPIC", "-Wl,-soname,libssl.so.3", "-o", "libssl.so", "ssl.c"], { cwd: dir });
    // no hidden skip: a missing cross compiler fails here, setup.sh installs it
    for (const [name, r] of Object.entries(RECIPES) as Array<[keyof typeof RECIPES, (typeof RECIPES)["static"]]>) {
      writeFileSync(join(dir, `${name}.c`), r.src);
      execFileSync(CC, ["-o", name, `${name}.c`, ...r.flags], { cwd: dir });
      elfs[name] = readElf(readFileSync(join(dir, name)), name);
    }
    elfs["x86-64"] = readElf(readFileSync("/bin/sh"), "/bin/sh");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the fixtures are what the table says", () => {
    expect(elfs["glibc-2.36"]).toMatchObject({
      machine: 183,
      interpreter: SSL_LOADER,
      glibc: "2.36",
      needed: ["libc.so.6"],
    });
    expect(elfs.static).toMatchObject({ machine: 183, interpreter: null, needed: [], glibc: null });
    expect(elfs.libssl).toMatchObject({ machine: 183, interpreter: SSL_LOADER, needed: ["libssl.so.3", "libc.so.6"] });
    expect(elfs["x86-64"]).toMatchObject({ machine: 62, interpreter: "/lib64/ld-linux-x86-64.so.2" });
  });

  it.each(ROWS.map((r) => [r.name, r] as const))("%s", (_name, row) => {
    const args: DeployArgs = {
      app: "svc",
      resolved: { path: "/tmp/svc", sha256: "0123456789ab" + "f".repeat(52), name: "svc" },
      elf: elfs[row.fixture],
      fit: { host: "web-3", arch: "aarch64", goarch: "arm64", libc: { kind: "glibc", version: "2.36" }, ...row.host },
    };
    const interp = elfs[row.fixture].interpreter;
    const state: DeployState = {
      manifest: emptyManifest("svc"),
      dirs: [],
      fit: { loaders: row.loader === false || !interp ? [] : [interp], missing: row.missing ?? [] },
    };
    let line: string | null = null;
    try {
      refuseMisfit(state, args);
    } catch (e) {
      line = (e as { oneLine(): string }).oneLine();
    }
    expect(line).toBe(row.want);
  });

  it("deploy's probe lines look the loader and libraries up on a real host (this machine)", async () => {
    const elf: ElfInfo = { ...elfs.libssl, interpreter: "/bin/sh", needed: ["libc.so.6", "libarmgo-absent.so.7"] };
    const r = await new LocalTransport().exec(fitProbe(elf).join("\n"));
    expect(parseFit(parseKv(r.stdout), elf)).toEqual({ loaders: ["/bin/sh"], missing: ["libarmgo-absent.so.7"] });
    // a static binary asks the host nothing
    expect(fitProbe(elfs.static)).toEqual([]);
  });

  it.each([false, true])(
    "a refused host gets nothing uploaded (check: %s), and --check says the same",
    async (check) => {
      // this machine has no AArch64 loader: facts that say ARM64 glibc make the glibc binary a misfit here
      expect(existsSync(SSL_LOADER)).toBe(false);
      const h = harness(localFacts({ libc: { kind: "glibc", version: "2.31" } }));
      const appDir = join(dir, `app-${check}`);
      try {
        const run = runModule(
          h,
          deploy,
          {
            app: "svc",
            app_dir: appDir,
            artifact: join(dir, "glibc-2.36"),
            service: { type: "command", start: "true", pidfile: join(appDir, "svc.pid") },
          },
          { check },
        );
        await expect(run).rejects.toThrow(
          /not uploaded to local: svc needs GLIBC_2\.36, local has 2\.31; svc needs the loader \/lib\/ld-linux-aarch64\.so\.1, missing on local$/,
        );
        expect(h.applied).toEqual([]);
        expect(existsSync(appDir)).toBe(false);
      } finally {
        h.cleanup();
      }
    },
  );
});
