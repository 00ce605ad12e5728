// The sysroot tree, built on the controller from Debian's arm64 packages under a private apt
// config (never the machine's own), cached by recipe hash: the same recipe is fetched once, ever.
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { TaskError } from "../../errors.js";
import { sha256File } from "../../hash.js";
import { pickDebianMirror, readAptSources, type AptSource, type DebianMirror } from "../../apt/sources.js";
import { recipeHash } from "../../hash.js";
import { cacheDir } from "../../paths.js";
import { download, privateApt } from "../../apt/private.js";
import { alive } from "../../lock/run-lock.js";
import { run } from "../../run.js";
import { MUSL_SPECS, SYSROOT_MANIFEST, type Libc } from "../shared/cross.js";

export interface Recipe {
  /** 2: trees carry the merged-/usr links (usrLinks); a format-1 tree of trixie could not link. */
  format: 2;
  libc: Libc;
  release: string;
  arch: "arm64";
  /** Sorted Debian package names. */
  packages: string[];
}

export interface Manifest {
  recipe: Recipe;
  recipe_hash: string;
  packages: Array<{ name: string; version: string; deb: string; sha256: string }>;
}

export interface Built {
  /** The tree as a gzip tarball, ready to upload. */
  tarball: string;
  manifest: Manifest;
}

export function recipeId(recipe: Recipe): string {
  return recipeHash(recipe).slice(0, 16);
}

/** The cached tarball of a recipe, built first when missing; `interrupt` (the run's) stops apt and dpkg-deb. */
export async function buildSysroot(
  recipe: Recipe,
  progress: (text: string) => void,
  interrupt?: AbortSignal,
): Promise<Built> {
  const dir = join(cacheDir(), `sysroot-${recipeId(recipe)}`);
  const cached = await readBuilt(dir);
  if (cached) return cached;
  await mkdir(cacheDir(), { recursive: true });
  await removeDeadWork(cacheDir());
  // the pid in its name: a build whose armgo was killed leaves a tree the next build knows to remove
  const work = await mkdtemp(`${dir}.work-${process.pid}-`);
  try {
    await buildInto(work, recipe, progress, interrupt);
    // Only a complete build is renamed into place; a concurrent one that won is as good as ours.
    await rename(join(work, "out"), dir).catch(async (err: unknown) => {
      if (!(await readBuilt(dir))) throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return (await readBuilt(dir))!;
}

/** Work trees of builds whose armgo is gone (killed mid-build): a live one, another run's, stays. */
async function removeDeadWork(cache: string): Promise<void> {
  for (const name of await readdir(cache)) {
    const pid = /^sysroot-[0-9a-f]+\.work-(\d+)-/.exec(name)?.[1];
    if (pid && !alive(Number(pid))) await rm(join(cache, name), { recursive: true, force: true });
  }
}

async function readBuilt(dir: string): Promise<Built | undefined> {
  const text = await readFile(join(dir, "manifest.json"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  return { tarball: join(dir, "sysroot.tar.gz"), manifest: JSON.parse(text) as Manifest };
}

/** The mirror for `release` among the machine's apt sources; another Debian release's mirror serves it too. */
export function mirrorFor(sources: AptSource[], release: string): DebianMirror {
  const mirror = pickDebianMirror(sources, release);
  if (!mirror) {
    throw new TaskError(`no Debian apt source on the controller to fetch ${release} arm64 packages from`, {
      hint: "add your Debian mirror to /etc/apt/sources.list(.d)",
    });
  }
  return mirror;
}

async function buildInto(
  work: string,
  recipe: Recipe,
  progress: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  progress(`apt-get update (${recipe.release}, arm64)`);
  const mirror = mirrorFor(await readAptSources(), recipe.release);
  const apt = await privateApt(join(work, "apt"), mirror, recipe.release, [recipe.arch], signal);
  const debs = join(work, "debs");
  progress(`downloading ${recipe.packages.join(" ")}`);
  await download(
    apt,
    recipe.packages.map((p) => `${p}:${recipe.arch}`),
    debs,
  ).catch((cause: unknown) => {
    throw new TaskError(
      `cannot fetch ${recipe.packages.join(", ")} for ${recipe.release} arm64: ${(cause as Error).message}`,
      {
        hint: "check the package names (apt-cache show NAME:arm64) and the release",
        cause,
      },
    );
  });
  const out = join(work, "out");
  const root = join(work, "root");
  await mkdir(out);
  const packages: Manifest["packages"] = [];
  for (const deb of (await readdir(debs)).filter((n) => n.endsWith(".deb")).sort()) {
    const file = join(debs, deb);
    const [name, version] = (await run("dpkg-deb", ["-f", file, "Package", "Version"], { signal }))
      .trim()
      .split("\n")
      .map((l) => l.replace(/^\w+:\s*/, ""));
    packages.push({ name: name!, version: version!, deb, sha256: (await sha256File(file)).sha256 });
    await run("dpkg-deb", ["-x", file, root], { signal });
  }
  await usrLinks(root);
  await relativeLinks(root);
  if (recipe.libc === "musl") await relocatableSpecs(root);
  const manifest: Manifest = { recipe, recipe_hash: recipeId(recipe), packages };
  await writeFile(join(root, SYSROOT_MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  progress("packing the sysroot");
  const tar = ["-C", root, "--owner=0", "--group=0", "--numeric-owner", "-czf", join(out, "sysroot.tar.gz"), "."];
  await run("tar", tar, { signal });
  await writeFile(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** The top-level directories a merged-/usr system links into /usr. */
export const MERGED_USR = ["bin", "sbin", "lib"];

/**
 * A merged-/usr release (trixie on) ships its files under /usr only, yet libc.so and the loader path
 * still name /lib/...: link each directory no package filled to its /usr twin, as the target has it.
 */
export async function usrLinks(root: string): Promise<void> {
  for (const d of MERGED_USR) {
    const present = async (p: string) => Boolean(await lstat(join(root, p)).catch(() => undefined));
    if (!(await present(d)) && (await present(join("usr", d)))) await symlink(join("usr", d), join(root, d));
  }
}

/** Absolute symlinks point into the build host's own / (libm.so -> /lib/...): make them relative so the tree works where it lies. */
export async function relativeLinks(root: string, dir = root): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const st = await lstat(p);
    if (st.isDirectory()) await relativeLinks(root, p);
    else if (st.isSymbolicLink()) {
      const target = await readlink(p);
      if (!target.startsWith("/")) continue;
      await unlink(p);
      await symlink(relative(dirname(p), join(root, target)) || ".", p);
    }
  }
}

/** musl's specs name the build host's /usr/...: gcc's %R puts --sysroot in front, wherever the tree lies. */
export async function relocatableSpecs(root: string): Promise<void> {
  const file = join(root, MUSL_SPECS);
  if (!(await stat(file).catch(() => undefined))) throw new TaskError(`musl-dev for arm64 has no ${MUSL_SPECS}`);
  await writeFile(file, rewriteSpecs(await readFile(file, "utf8")));
}

export function rewriteSpecs(text: string): string {
  return text.replace(/(^|\s|-L)\/usr\//gm, "$1%R/usr/");
}
