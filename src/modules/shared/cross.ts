// What the sysroot and cgo-probe modules agree on: the ARM64 cross compiler, the Debian packages
// behind each libc and library, and the environment a cgo build needs against a sysroot.
import { posix } from "node:path";
import { TaskError } from "../../errors.js";

export type Libc = "glibc" | "musl";

/** Debian's cross compiler; musl builds use it too, through musl's gcc specs. */
export const CROSS_CC = "aarch64-linux-gnu-gcc";
export const CROSS_CC_PACKAGE = "gcc-aarch64-linux-gnu";

/** The multiarch triple each libc's files live under inside the sysroot. */
export const TRIPLE: Record<Libc, string> = { glibc: "aarch64-linux-gnu", musl: "aarch64-linux-musl" };

/** The loader a dynamically linked binary names in PT_INTERP. */
export const INTERPRETER: Record<Libc, string> = {
  glibc: "/lib/ld-linux-aarch64.so.1",
  musl: "/lib/ld-musl-aarch64.so.1",
};

/** Debian arm64 packages every sysroot of a libc holds (headers, crt files, the C library). */
export const LIBC_PACKAGES: Record<Libc, string[]> = {
  glibc: ["libc6", "libc6-dev", "linux-libc-dev", "libcrypt1", "libcrypt-dev"],
  musl: ["musl", "musl-dev"],
};

/** Inside the sysroot: what it was built from (the sysroot module writes it, cgo-probe reads its libc). */
export const SYSROOT_MANIFEST = ".armgo-sysroot.json";

/** musl's gcc specs inside the sysroot, rewritten by the sysroot module to resolve against --sysroot. */
export const MUSL_SPECS = "usr/lib/aarch64-linux-musl/musl-gcc.specs";

export interface CrossLib {
  /** The -dev package and the runtime library it needs. */
  packages: string[];
  /** pkg-config module name. */
  pc: string;
  /** C header and an expression returning the library's version string, for cgo-probe's program. */
  include: string;
  version: string;
}

export const LIBS: Record<string, CrossLib> = {
  zlib: { packages: ["zlib1g-dev", "zlib1g"], pc: "zlib", include: "zlib.h", version: "zlibVersion()" },
  openssl: {
    packages: ["libssl-dev", "libssl3"],
    pc: "openssl",
    include: "openssl/crypto.h",
    version: "OpenSSL_version(OPENSSL_VERSION)",
  },
};

/**
 * Where a Debian release's packages differ from bookworm's (the names above): OpenSSL's runtime was
 * libssl1.1 before OpenSSL 3; trixie's 64-bit time_t transition renamed it libssl3t64, whose libcrypto
 * also links zstd and zlib, which the linker must find in the tree.
 */
export const RELEASE_PACKAGES: Record<string, Record<string, string[]>> = {
  bullseye: { libssl3: ["libssl1.1"] },
  trixie: { libssl3: ["libssl3t64", "libzstd1", "zlib1g"] },
};

/** `pkg` (bookworm's name) as `release` has it: one package or a few. */
export function releasePackages(release: string, pkg: string): string[] {
  return RELEASE_PACKAGES[release]?.[pkg] ?? [pkg];
}

/** The libraries asked for, or a TaskError naming the first unknown one. */
export function crossLibs(names: string[]): Array<CrossLib & { name: string }> {
  return names.map((n) => {
    const lib = LIBS[n];
    if (!lib) {
      throw new TaskError(`unknown library '${n}': armgo maps ${Object.keys(LIBS).sort().join(", ")}`, {
        hint: "name other Debian arm64 packages under packages:",
      });
    }
    return { name: n, ...lib };
  });
}

/** The environment of a cgo build against the sysroot at `root` (GOOS, GOARCH, CC, flags, pkg-config). */
export function crossEnv(root: string, libc: Libc): Record<string, string> {
  const sysroot = `--sysroot=${root}`;
  // Debian's cross gcc searches its own libc (libc6-dev-arm64-cross) before the sysroot: the tree's
  // headers, crt files and libc go first, or every release would build against the controller's glibc
  const own =
    libc === "glibc"
      ? {
          cflags: [`${root}/usr/include/${TRIPLE.glibc}`, `${root}/usr/include`].map((d) => `-isystem ${d}`),
          ldflags: [`-B${root}/usr/lib/${TRIPLE.glibc}/`],
        }
      : { cflags: [], ldflags: [] };
  return {
    GOOS: "linux",
    GOARCH: "arm64",
    CGO_ENABLED: "1",
    // musl's specs go with the compiler: the final link also gets CGO_CFLAGS, and gcc refuses a specs file twice
    CC: libc === "musl" ? `${CROSS_CC} -specs=${posix.join(root, MUSL_SPECS)}` : CROSS_CC,
    CGO_CFLAGS: [sysroot, ...own.cflags].join(" "),
    CGO_LDFLAGS: [sysroot, ...own.ldflags].join(" "),
    // Only the sysroot's .pc files: the build host's own would hand x86-64 libraries to the linker.
    PKG_CONFIG_LIBDIR: [`usr/lib/${TRIPLE.glibc}/pkgconfig`, "usr/lib/pkgconfig", "usr/share/pkgconfig"]
      .map((d) => posix.join(root, d))
      .join(":"),
    PKG_CONFIG_SYSROOT_DIR: root,
  };
}
