// Whether an ELF binary can run on a host, judged on the controller from its headers and the host's
// facts: machine and class, libc kind, glibc floor, loader, libraries. Each unmet need is one misfit:
// what the binary needs, what the host has, what to do. cgo-probe and deploy judge by it.
import { INTERPRETER } from "./cross.js";
import { compareVersions, type ElfInfo } from "./elf.js";

/** What a host offers a binary. */
export interface HostSide {
  host: string;
  /** `uname -m`, e.g. aarch64 */
  arch: string;
  /** Go's name for the arch, e.g. arm64 */
  goarch: string;
  libc: { kind: string; version: string };
  /** The loaders (PT_INTERP paths) found on the host. */
  loaders: string[];
  /** DT_NEEDED names that resolve nowhere on the host; undefined: not looked up. */
  missing?: string[];
}

export interface Misfit {
  /** What the binary needs and what the host has. */
  line: string;
  /** What to do about it. */
  fix: string;
}

/** e_machine and class of each Go arch. */
const MACHINES: Record<string, { machine: number; class: 32 | 64; name: string }> = {
  arm64: { machine: 183, class: 64, name: "AArch64" },
  amd64: { machine: 62, class: 64, name: "x86-64" },
  arm: { machine: 40, class: 32, name: "ARM" },
  "386": { machine: 3, class: 32, name: "i386" },
  riscv64: { machine: 243, class: 64, name: "RISC-V" },
  ppc64le: { machine: 21, class: 64, name: "PowerPC64" },
  s390x: { machine: 22, class: 64, name: "S/390" },
};

/** Debian releases and their glibc, oldest first: what a sysroot's `release:` gives a binary as its floor. */
export const DEBIAN_GLIBC: ReadonlyArray<readonly [string, string]> = [
  ["buster", "2.28"],
  ["bullseye", "2.31"],
  ["bookworm", "2.36"],
  ["trixie", "2.41"],
];

/** The ELF's machine in words, e.g. "AArch64 (ELF64)". */
export function machineName(elf: ElfInfo): string {
  const m = Object.values(MACHINES).find((x) => x.machine === elf.machine && x.class === elf.class);
  return `${m?.name ?? `machine ${elf.machine}`} (ELF${elf.class})`;
}

/** The newest Debian release whose glibc is at most `version`, as a sysroot's release: line. */
function releaseFor(version: string): string | undefined {
  const fit = DEBIAN_GLIBC.filter(([, v]) => compareVersions(v, version) <= 0).pop();
  return fit ? `release: ${fit[0]} (glibc ${fit[1]})` : undefined;
}

/** The binary's machine, class and byte order are the Go arch's. */
export function fitsMachine(elf: ElfInfo, goarch: string): boolean {
  const want = MACHINES[goarch];
  return want !== undefined && want.machine === elf.machine && want.class === elf.class && elf.endian === "little";
}

/** Every need of binary `name` the host does not meet; empty when it can run there. */
export function misfits(name: string, elf: ElfInfo, h: HostSide): Misfit[] {
  if (!fitsMachine(elf, h.goarch))
    // nothing else is worth reading: the binary cannot start there at all
    return [
      {
        line: `${h.host} is ${h.arch || "of unknown arch"}, ${name} is built for ${machineName(elf)}`,
        fix: `build for ${h.goarch || h.arch}, or leave ${h.host} out of the targets`,
      },
    ];
  const interp = elf.interpreter;
  // a static binary needs nothing of the host's userland
  if (!interp) return [];
  const out: Misfit[] = [];
  const kind = interp === INTERPRETER.musl ? "musl" : "glibc";
  if (h.libc.kind !== kind)
    out.push({
      line: `${name} needs ${kind}, ${h.host} has ${h.libc.kind} ${h.libc.version}`.trimEnd(),
      fix: `build against a ${h.libc.kind} sysroot, or link statically`,
    });
  else if (elf.glibc && kind === "glibc" && compareVersions(h.libc.version, elf.glibc) < 0) {
    const release = releaseFor(h.libc.version);
    out.push({
      line: `${name} needs GLIBC_${elf.glibc}, ${h.host} has ${h.libc.version}`,
      fix: `build against ${release ?? "an older glibc"}, link statically, or upgrade ${h.host}`,
    });
  }
  if (!h.loaders.includes(interp))
    out.push({
      line: `${name} needs the loader ${interp}, missing on ${h.host}`,
      fix: `install ${kind} on ${h.host}, or link statically`,
    });
  // the loader is a file, not a library to look up; libc.so.6 goes with the loader
  const libs = (h.missing ?? []).filter((l) => elf.needed.includes(l));
  if (libs.length > 0)
    out.push({
      line: `${name} needs ${libs.join(", ")}, which ${h.host} lacks (not in ldconfig -p nor the loader's directories)`,
      fix: `install the package that ships ${libs.length > 1 ? "them" : "it"} on ${h.host}, or link ${libs.length > 1 ? "them" : "it"} statically`,
    });
  return out;
}

/** The fixes of several misfits, each once, as one hint. */
export function fixesOf(found: Misfit[]): string {
  return [...new Set(found.map((m) => m.fix))].join("; ");
}
