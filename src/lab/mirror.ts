// A local Go download mirror: real toolchains in the official release layout, built from Debian packages.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ArmgoError } from "../errors.js";
import { debianMirror } from "../apt/sources.js";
import { cacheDir, recipeHash } from "./cache.js";
import { archiveName, buildFeed, type FeedFile } from "./feed.js";
import { sha256File } from "../hash.js";
import { download, candidateVersion, privateApt } from "../apt/private.js";
import { progress, timed } from "./progress.js";
import { run } from "../run.js";

export const MIRROR_SUITE = "bookworm-backports";
export const MIRROR_ARCHES = ["arm64", "amd64"] as const;
// Tests and playbooks name these exact versions; a different backports patch level must stop the build.
export const MIRROR_RELEASES = [
  { series: "1.23", version: "go1.23.5" },
  { series: "1.22", version: "go1.22.12" },
] as const;
// Official tarballs hold these under go/: Debian splits them between /usr/lib and /usr/share.
const FROM_LIB = ["VERSION", "bin", "go.env", "pkg/tool"];
const FROM_SHARE = ["api", "misc", "src", "test", "pkg/include"];

export function mirrorRecipe() {
  return {
    suite: MIRROR_SUITE,
    arches: MIRROR_ARCHES,
    releases: MIRROR_RELEASES,
    lib: FROM_LIB,
    share: FROM_SHARE,
    format: 1,
  };
}

export function mirrorDir(): string {
  return join(cacheDir(), `mirror-${recipeHash(mirrorRecipe()).slice(0, 12)}`);
}

/** Build the mirror unless it is complete already; returns its directory. */
export async function ensureMirror(): Promise<string> {
  const dir = mirrorDir();
  if (await complete(dir)) return dir;
  await mkdir(cacheDir(), { recursive: true });
  const work = await mkdtemp(`${dir}.work-`);
  try {
    await timed(`Go mirror ${dir}`, () => buildMirror(work));
    // Rename only a complete mirror into place: a half-built one must never look finished.
    // If another process finished first, its mirror is just as good as ours.
    await rename(join(work, "out"), dir).catch(async (err: unknown) => {
      if (!(await complete(dir))) throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return dir;
}

function complete(dir: string): Promise<boolean> {
  return stat(join(dir, "feed.json")).then(
    () => true,
    () => false,
  );
}

async function buildMirror(work: string): Promise<void> {
  const apt = await privateApt(join(work, "apt"), await debianMirror("bookworm"), MIRROR_SUITE, [...MIRROR_ARCHES]);
  const pkgs: string[] = [];
  for (const r of MIRROR_RELEASES) {
    const src = `golang-${r.series}-src`;
    const found = await candidateVersion(apt, src);
    if (!found.startsWith(`${r.version.slice(2)}-`)) {
      throw new ArmgoError(`${MIRROR_SUITE} has ${src} ${found}, the lab mirror needs ${r.version}`, {
        hint: "update MIRROR_RELEASES in src/lab/mirror.ts and the tests that name the version",
      });
    }
    pkgs.push(src, ...MIRROR_ARCHES.map((a) => `golang-${r.series}-go:${a}`));
  }
  const debs = join(work, "debs");
  progress(`downloading ${pkgs.join(" ")}`);
  await download(apt, pkgs, debs);
  const out = join(work, "out");
  await mkdir(out);
  const files: FeedFile[] = [];
  for (const r of MIRROR_RELEASES) {
    // Two arches at once: one packs while the other extracts, on a 2-core machine.
    const built = await Promise.all(MIRROR_ARCHES.map((arch) => buildTarball(work, debs, out, r, arch)));
    files.push(...built);
  }
  await writeFile(join(out, "feed.json"), JSON.stringify(buildFeed(files), null, 2) + "\n");
}

async function buildTarball(
  work: string,
  debs: string,
  out: string,
  release: (typeof MIRROR_RELEASES)[number],
  arch: string,
): Promise<FeedFile> {
  const root = join(work, `root-${release.series}-${arch}`);
  const names = await readdir(debs);
  const want = [`golang-${release.series}-src_`, `golang-${release.series}-go_`];
  for (const prefix of want) {
    const deb = names.find((n) => n.startsWith(prefix) && (n.endsWith("_all.deb") || n.endsWith(`_${arch}.deb`)));
    if (!deb) throw new ArmgoError(`downloaded packages lack ${prefix}*_${arch}.deb in ${debs}`);
    await run("dpkg-deb", ["-x", join(debs, deb), root]);
  }
  const lib = join(root, `usr/lib/go-${release.series}`);
  const share = join(root, `usr/share/go-${release.series}`);
  const version = (await readFile(join(lib, "VERSION"), "utf8")).split("\n")[0]!.trim();
  if (version !== release.version) {
    throw new ArmgoError(`golang-${release.series}-go:${arch} holds ${version}, expected ${release.version}`);
  }
  const tree = join(root, "tree");
  await mkdir(join(tree, "go/pkg"), { recursive: true });
  // Debian ships symlinks from /usr/lib into /usr/share; the release layout needs the real trees.
  for (const p of FROM_LIB) await run("cp", ["-a", join(lib, p), join(tree, "go", p)]);
  for (const p of FROM_SHARE) await run("cp", ["-a", join(share, p), join(tree, "go", p)]);
  const filename = archiveName(version, "linux", arch);
  const file = join(out, filename);
  progress(`packing ${filename}`);
  await run("tar", ["-C", tree, "--owner=0", "--group=0", "--numeric-owner", "-czf", file, "go"]);
  await rm(root, { recursive: true, force: true });
  const { sha256, size } = await sha256File(file);
  // Go's server answers <file>.sha256 with the bare 64 hex digits and nothing else.
  await writeFile(`${file}.sha256`, sha256);
  return { filename, os: "linux", arch, version, sha256, size, kind: "archive" };
}
