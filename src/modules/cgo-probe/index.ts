// cgo-probe (verify-only): on the build host, cross-build a cgo program into the asked libraries
// and a CGO_ENABLED=0 one against a sysroot; read their ELF on the controller; check them against
// the fleet's facts (arch, libc, glibc floor, loader), and run them on an ARM64 host when asked.
// It changes nothing (capabilities.checksOnly): a wrong state fails the task; its one step, run_on,
// is a check on another host. The probe writes only a temp dir (removed on exit) and Go's build cache.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskError } from "../../errors.js";
import { exportLines, sh } from "../../transport/quote.js";
import { parseKv, type Module } from "../contract.js";
import {
  CROSS_CC,
  CROSS_CC_PACKAGE,
  INTERPRETER,
  SYSROOT_MANIFEST,
  crossEnv,
  crossLibs,
  type Libc,
} from "../shared/cross.js";
import { fitsMachine, fixesOf, misfits, type Misfit } from "../shared/elf-fit.js";
import { EM_AARCH64, readElf, type ElfInfo } from "../shared/elf.js";
import { DONE_LINE, NEON_LINE, cgoProgram, pureProgram } from "./programs.js";

export interface CgoProbeArgs {
  sysroot: string;
  libs?: string[];
  neon?: boolean;
  /** static: link the cgo program with -extldflags -static (musl, or glibc without a loader). */
  link?: "dynamic" | "static";
  /** The Go toolchain on the build host. */
  go?: string;
  /** Host pattern: the binaries must suit every host it names. */
  targets?: string;
  /** An ARM64 host to copy the binaries to and run them on. */
  run_on?: string;
  /** Set by resolve: what the targets offer. */
  fleet?: TargetFacts[];
}

export interface TargetFacts {
  host: string;
  arch: string;
  goarch: string;
  libc: { kind: string; version: string };
  /** Which of the known loaders exist on the host. */
  loaders: string[];
}

export interface Binary {
  elf: ElfInfo;
  size: number;
  bytes: Buffer;
}

export interface CgoProbeState {
  missing?: "sysroot" | "compiler" | "go";
  libc?: Libc;
  cc?: { path: string; version: string; target: string };
  pkgconfig: Record<string, string>;
  goEnv: Record<string, string>;
  binaries: Record<string, Binary>;
  buildErrors: Record<string, string>;
}

/** run_on's check: the probe binaries, run on that host. */
export interface RunOn {
  host: string;
  binaries: Record<string, Binary>;
}

const PROGRAMS = ["cgo", "nocgo"] as const;

function ldflags(args: CgoProbeArgs): string {
  return args.link === "static" ? "-s -w -linkmode external -extldflags -static" : "-s -w";
}

/** What the binaries need from a host and it lacks, each with what to do; empty when the host suits them. */
export function unmet(binaries: Record<string, Binary>, t: TargetFacts): Misfit[] {
  const first = Object.values(binaries)[0];
  // all probes are built for one arch: a host of another is one misfit, not one per probe
  if (first && !fitsMachine(first.elf, t.goarch))
    // cgo-probe builds for ARM64 only: the one fix is the targets pattern
    return misfits("each probe", first.elf, t).map((m) => ({
      ...m,
      fix: `leave ${t.host} out of the targets: name the ARM64 hosts or their group, not all`,
    }));
  return Object.entries(binaries).flatMap(([name, b]) => misfits(name, b.elf, t));
}

function summary(b: Binary) {
  return {
    size: b.size,
    static: b.elf.interpreter === null,
    interpreter: b.elf.interpreter,
    needed: b.elf.needed,
    glibc: b.elf.glibc,
    machine: b.elf.machine,
  };
}

export const cgoProbe: Module<CgoProbeArgs, CgoProbeState, RunOn> = {
  name: "cgo-probe",
  capabilities: { checksOnly: true },

  async resolve(args, ctx) {
    crossLibs(args.libs ?? []);
    if (!args.targets) return args;
    const loaders = Object.values(INTERPRETER);
    const fleet = await Promise.all(
      ctx.fleet.hosts(args.targets).map(async (host): Promise<TargetFacts> => {
        const facts = await ctx.fleet.facts(host);
        const found = await ctx.controller.memo(`loaders:${host}`, async () => {
          const r = await ctx.fleet.exec(
            host,
            loaders.map((l) => sh`[ -e ${l} ] && echo ${l}`).join("\n") + "\nexit 0",
          );
          return r.stdout.split("\n").filter((l) => loaders.includes(l));
        });
        return { host, arch: facts.arch, goarch: facts.goarch, libc: facts.libc, loaders: found };
      }),
    );
    return { ...args, fleet };
  },

  probe(args) {
    const manifest = `${args.sysroot}/${SYSROOT_MANIFEST}`;
    const envs = (["glibc", "musl"] as const).map((l) => `${l})\n${exportLines(crossEnv(args.sysroot, l))};;`);
    const build = (name: string, src: string, cgo: boolean) =>
      [
        sh`mkdir "$tmp"/${name} && printf '%s' ${src} > "$tmp"/${name}/main.go`,
        `if (cd "$tmp/${name}" && CGO_ENABLED=${cgo ? 1 : 0} "$go" build ` +
          sh`-ldflags=${cgo ? ldflags(args) : "-s -w"}` +
          ` -o bin main.go) 2>"$tmp/${name}.err"; then`,
        `  echo "bin_${name}=$(base64 -w0 < "$tmp/${name}/bin")"`,
        `else echo "err_${name}=$(tail -c 1500 "$tmp/${name}.err" | base64 -w0)"; fi`,
      ].join("\n");
    return [
      "set -u",
      sh`cc=$(command -v ${CROSS_CC}) || { echo missing=compiler; exit 0; }`,
      `echo "cc_path=$cc"; echo "cc_version=$("$cc" -dumpfullversion 2>/dev/null || "$cc" -dumpversion)"; echo "cc_target=$("$cc" -dumpmachine)"`,
      sh`if [ ! -r ${manifest} ]; then echo missing=sysroot; exit 0; fi`,
      sh`libc=$(sed -n 's/^ *"libc": *"\\([a-z]*\\)".*/\\1/p' ${manifest} | head -n 1); echo "libc=$libc"`,
      sh`go=${args.go ?? "go"}`,
      `command -v "$go" >/dev/null 2>&1 || { echo missing=go; exit 0; }`,
      `case "$libc" in`,
      ...envs,
      `esac`,
      // a toolchain download or a module lookup would make the probe depend on the network
      "export GOTOOLCHAIN=local GOFLAGS=",
      ...crossLibs(args.libs ?? []).map((l) => sh`echo "pc_${l.name}=$(pkg-config --modversion ${l.pc} 2>/dev/null)"`),
      `"$go" env GOOS GOARCH CGO_ENABLED CC | { read -r a; read -r b; read -r c; read -r d; echo "go_GOOS=$a"; echo "go_GOARCH=$b"; echo "go_CGO_ENABLED=$c"; echo "go_CC=$d"; }`,
      `tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT`,
      // a probe leaves nothing behind, under --check too: not even Go's build cache
      `export GOCACHE="$tmp/gocache"`,
      build("cgo", cgoProgram(crossLibs(args.libs ?? []), Boolean(args.neon)), true),
      build("nocgo", pureProgram(), false),
      "exit 0",
    ].join("\n");
  },

  parse(out) {
    const kv = parseKv(out.stdout);
    const state: CgoProbeState = { pkgconfig: {}, goEnv: {}, binaries: {}, buildErrors: {} };
    if (kv.missing === "sysroot" || kv.missing === "compiler" || kv.missing === "go") state.missing = kv.missing;
    if (kv.libc === "glibc" || kv.libc === "musl") state.libc = kv.libc;
    if (kv.cc_path) state.cc = { path: kv.cc_path, version: kv.cc_version ?? "", target: kv.cc_target ?? "" };
    for (const [k, v] of Object.entries(kv)) {
      if (k.startsWith("pc_")) state.pkgconfig[k.slice(3)] = v;
      if (k.startsWith("go_")) state.goEnv[k.slice(3)] = v;
    }
    for (const name of PROGRAMS) {
      if (kv[`bin_${name}`]) {
        const bytes = Buffer.from(kv[`bin_${name}`]!, "base64");
        state.binaries[name] = { elf: readElf(bytes, `the ${name} probe binary`), size: bytes.length, bytes };
      } else if (kv[`err_${name}`] !== undefined) {
        state.buildErrors[name] = Buffer.from(kv[`err_${name}`]!, "base64").toString("utf8");
      }
    }
    return state;
  },

  plan(state, args) {
    const fail = (msg: string, hint?: string) =>
      new TaskError(msg, { hint, data: { pkgconfig: state.pkgconfig, cc: state.cc } });
    if (state.missing === "sysroot")
      throw fail(`no sysroot at ${args.sysroot}`, "add a sysroot task for it before cgo-probe");
    if (state.missing === "compiler") {
      throw fail(
        `${CROSS_CC} not found: add a sysroot task with install_compiler: true, or apt-get install ${CROSS_CC_PACKAGE}`,
      );
    }
    if (state.missing === "go")
      throw fail(
        `${args.go ?? "go"} not found on the build host`,
        "install a Go toolchain there or set go: to its path",
      );
    for (const name of args.libs ?? []) {
      if (!state.pkgconfig[name]) throw fail(`pkg-config cannot find ${name} in ${args.sysroot}: add it to libs`);
    }
    for (const name of PROGRAMS) {
      if (state.buildErrors[name] !== undefined) {
        const last = state.buildErrors[name].trim().split("\n").slice(-3).join(" | ");
        throw fail(`the ${name} probe did not build: ${last || "(no output)"}`);
      }
    }
    const binaries = state.binaries;
    for (const [name, b] of Object.entries(binaries)) {
      const e = b.elf;
      if (e.class !== 64 || e.endian !== "little" || e.machine !== EM_AARCH64) {
        throw fail(
          `the ${name} probe is ELF${e.class} ${e.endian}-endian machine ${e.machine}, not AArch64 (64-bit little-endian, machine ${EM_AARCH64})`,
        );
      }
    }
    const libc = state.libc ?? "glibc";
    const wantInterp = { cgo: args.link === "static" ? null : INTERPRETER[libc], nocgo: null } as Record<
      string,
      string | null
    >;
    for (const [name, b] of Object.entries(binaries)) {
      if (b.elf.interpreter !== wantInterp[name]) {
        throw fail(
          `the ${name} probe asks for loader ${b.elf.interpreter ?? "none (static)"}, expected ${wantInterp[name] ?? "none (static)"}`,
        );
      }
    }
    const data = {
      sysroot: args.sysroot,
      libc,
      cc: state.cc,
      pkgconfig: state.pkgconfig,
      go_env: state.goEnv,
      binaries: Object.fromEntries(Object.entries(binaries).map(([n, b]) => [n, summary(b)])),
      targets: (args.fleet ?? []).map((t) => t.host),
    };
    const problems = (args.fleet ?? []).flatMap((t) => unmet(binaries, t));
    if (problems.length > 0)
      throw new TaskError(problems.map((p) => p.line).join("; "), { hint: fixesOf(problems), data });
    const cgo = binaries.cgo!;
    const floor = cgo.elf.glibc ? `, needs GLIBC_${cgo.elf.glibc}` : "";
    const fits = args.fleet ? `; fits ${args.fleet.length} target host(s)` : "";
    const steps = args.run_on ? [{ host: args.run_on, binaries }] : [];
    return {
      steps,
      msg: `AArch64 ${libc} cgo probe: ${cgo.elf.interpreter ?? "static"}${floor}, ${cgo.size} bytes${fits}`,
      data,
    };
  },

  async apply(ctx, args, plan) {
    // apply is called only with the run_on step (capabilities.checksOnly: also under --check)
    const { host, binaries } = plan.steps[0]!;
    if (ctx.check) return { msg: `${plan.msg}; not run on ${host} under --check` };
    const local = await mkdtemp(join(tmpdir(), "armgo-cgo-probe-"));
    // the remote temp dir until the run script has removed it: whatever fails before, finally does
    let remote: string | undefined;
    try {
      const dir = (await ctx.fleet.exec(host, "mktemp -d")).stdout.trim();
      if (!dir.startsWith("/")) throw new TaskError(`cannot make a temp dir on ${host}`);
      remote = dir;
      const names = Object.keys(binaries);
      for (const name of names) {
        await writeFile(join(local, name), binaries[name]!.bytes);
        await ctx.fleet.put(host, join(local, name), `${dir}/${name}`, { mode: 0o755 });
      }
      ctx.progress(`running the probes on ${host}`);
      // each program's output, then its exit code, between markers; the temp dir goes in the same exec
      const script = [
        ...names.map((n) => sh`echo === ${n}; ${`${dir}/${n}`} 2>&1; echo === ${n} exit $?`),
        sh`rm -rf ${dir}`,
      ].join("\n");
      const r = await ctx.fleet.exec(host, script);
      remote = undefined;
      const runs = Object.fromEntries(names.map((n) => [n, programRun(r.stdout, n)]));
      const data = { ...plan.data, run_on: host, runs };
      for (const n of names) {
        const run = runs[n]!;
        const missing = expectedLines(args, n).filter((l) => !run.output.includes(l));
        if (run.code !== 0 || missing.length > 0) {
          const last = run.output.trim().split("\n").pop() ?? "";
          throw new TaskError(
            `the ${n} probe failed on ${host} (exit ${run.code}): ${missing.length ? `no '${missing[0]}' in its output` : last}`,
            { data },
          );
        }
      }
      // each library's version and the NEON sum: what the line shows without --json
      const libs =
        runs.cgo?.output
          .split("\n")
          .filter((l) => (args.libs ?? []).some((n) => l.startsWith(`${n} `)) || (args.neon && l === NEON_LINE)) ?? [];
      return { msg: `${plan.msg}; ran on ${host}${libs.length ? `: ${libs.join(", ")}` : ""}`, data };
    } finally {
      await rm(local, { recursive: true, force: true });
      // best effort: a cleanup that fails too must not hide why the probe failed
      if (remote !== undefined) await ctx.fleet.exec(host, sh`rm -rf ${remote}`).catch(() => undefined);
    }
  },
};

/** The lines a correct run of program `name` prints. */
function expectedLines(args: CgoProbeArgs, name: string): string[] {
  if (name !== "cgo") return [DONE_LINE];
  return [...(args.libs ?? []).map((n) => `${n} `), ...(args.neon ? [NEON_LINE] : []), DONE_LINE];
}

/** One program's output and exit code from the run script's marked stdout. */
function programRun(stdout: string, name: string): { output: string; code: number } {
  const start = stdout.indexOf(`=== ${name}\n`);
  const end = new RegExp(`^=== ${name} exit (\\d+)$`, "m").exec(stdout);
  if (start < 0 || !end) return { output: stdout.slice(-500), code: -1 };
  return { output: stdout.slice(start + name.length + 5, end.index), code: Number(end[1]) };
}
