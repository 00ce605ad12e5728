// A private apt setup (own sources, lists and cache) so the lab and the sysroot module fetch foreign-arch
// packages without touching the machine's apt configuration.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ArmgoError } from "../errors.js";
import type { DebianMirror } from "./sources.js";
import { run } from "../run.js";

export interface PrivateApt {
  /** `-o` options every apt-get/apt-cache call needs. */
  options: string[];
  /** The run's interrupt: every apt call of this setup stops when it fires. */
  signal?: AbortSignal;
}

export async function privateApt(
  dir: string,
  mirror: DebianMirror,
  suite: string,
  arches: string[],
  signal?: AbortSignal,
): Promise<PrivateApt> {
  for (const d of ["lists/partial", "cache/archives/partial", "parts", "preferences.d"]) {
    await mkdir(join(dir, d), { recursive: true });
  }
  const signed = mirror.signedBy ? ` [signed-by=${mirror.signedBy}]` : "";
  await writeFile(join(dir, "sources.list"), `deb${signed} ${mirror.uri} ${suite} main\n`);
  await writeFile(join(dir, "status"), "");
  const options = [
    `Dir::Etc::SourceList=${join(dir, "sources.list")}`,
    `Dir::Etc::SourceParts=${join(dir, "parts")}`,
    `Dir::Etc::PreferencesParts=${join(dir, "preferences.d")}`,
    `Dir::State::Lists=${join(dir, "lists")}`,
    `Dir::State::status=${join(dir, "status")}`,
    `Dir::Cache=${join(dir, "cache")}`,
    // The files are root-owned scratch space, so apt's _apt sandbox user could not write them.
    "APT::Sandbox::User=root",
    "Debug::NoLocking=1",
    `APT::Architecture=${arches[0]}`,
    ...arches.map((a) => `APT::Architectures::=${a}`),
  ].flatMap((o) => ["-o", o]);
  await run("apt-get", [...options, "-q", "update"], { signal });
  return { options, signal };
}

/** The candidate version of a package (`1.22.12-3~bpo12+1`), or an error naming the package. */
export async function candidateVersion(apt: PrivateApt, pkg: string): Promise<string> {
  const out = await run("apt-cache", [...apt.options, "show", "--no-all-versions", pkg], { signal: apt.signal }).catch(
    (cause: unknown) => {
      throw new ArmgoError(`package ${pkg} not found in the private apt sources`, { cause });
    },
  );
  const m = /^Version:\s*(\S+)/m.exec(out);
  if (!m) throw new ArmgoError(`apt-cache shows no Version for ${pkg}`);
  return m[1]!;
}

export async function download(apt: PrivateApt, pkgs: string[], into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  await run("apt-get", [...apt.options, "-q", "download", ...pkgs], { cwd: into, signal: apt.signal });
}
