// sysroot: an ARM64 sysroot (glibc or musl, plus C libraries) on a build host, for cgo cross builds.
// The tree is built on the controller from Debian's arm64 packages (cached by recipe), unpacked
// beside `path` on the build host and switched in by an atomic symlink rename; env.sh sits beside it.
import { createHash, randomBytes } from "node:crypto";
import { posix } from "node:path";
import { TaskError } from "../../errors.js";
import { exportLines, quote, sh } from "../../transport/quote.js";
import { parseKv, type Module, type ModuleContext } from "../contract.js";
import {
  CROSS_CC,
  CROSS_CC_PACKAGE,
  LIBC_PACKAGES,
  SYSROOT_MANIFEST,
  crossEnv,
  crossLibs,
  releasePackages,
  type Libc,
} from "../shared/cross.js";
import { switchLink } from "../shared/symlink.js";
import { uploadAs } from "../shared/upload.js";
import { writeFileScript } from "../shared/write-file.js";
import { buildSysroot, recipeId, type Recipe } from "./build.js";

export interface SysrootArgs {
  path: string;
  libc?: Libc;
  libs?: string[];
  packages?: string[];
  /** Debian release the packages come from; default: the build host's own. */
  release?: string;
  install_compiler?: boolean;
  /** Set by resolve. */
  recipe?: Recipe;
}

export interface SysrootState {
  /** What is at `path`: our symlink, nothing, or something else. */
  kind: "link" | "none" | "other";
  recipeHash?: string;
  compiler?: string;
  envSha256?: string;
}

export type SysrootStep = { action: "compiler" } | { action: "build"; packages: string[] } | { action: "env" };

// Debian's VERSION_ID → the release name its mirror serves it under.
const DEBIAN_RELEASES: Record<string, string> = { "10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie" };

const TEMP = ".armgo-tmp-";

export function envFile(path: string): string {
  return `${path}.env.sh`;
}

export function envText(path: string, libc: Libc): string {
  return `# armgo sysroot: source this before \`go build\` for linux/arm64 (${libc})\n${exportLines(crossEnv(path, libc))}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function recipe(args: SysrootArgs): Recipe {
  return args.recipe!;
}

export const sysroot: Module<SysrootArgs, SysrootState, SysrootStep> = {
  name: "sysroot",

  async resolve(args, ctx) {
    const libc = args.libc ?? "glibc";
    const libs = crossLibs(args.libs ?? []);
    const release =
      args.release ?? (ctx.facts.os.id === "debian" ? DEBIAN_RELEASES[ctx.facts.os.version_id] : undefined);
    if (!release) {
      throw new TaskError(`no Debian release known for the build host (${ctx.facts.os.pretty_name || "unknown OS"})`, {
        hint: "set release: (e.g. bookworm) to the Debian release whose arm64 packages the fleet matches",
      });
    }
    // ours are bookworm's names, renamed for the release; `packages:` are the user's own, for their release
    const ours = [...LIBC_PACKAGES[libc], ...libs.flatMap((l) => l.packages)].flatMap((p) =>
      releasePackages(release, p),
    );
    const packages = [...new Set([...ours, ...(args.packages ?? [])])].sort();
    return { ...args, libc, recipe: { format: 2, libc, release, arch: "arm64", packages } };
  },

  probe: (args) =>
    [
      sh`p=${args.path}`,
      `if [ -L "$p" ]; then echo kind=link; elif [ -e "$p" ]; then echo kind=other; else echo kind=none; fi`,
      sh`if [ -r "$p"/${SYSROOT_MANIFEST} ]; then sed -n 's/^ *"recipe_hash": *"\\([0-9a-f]*\\)".*/recipe_hash=\\1/p' "$p"/${SYSROOT_MANIFEST}; fi`,
      sh`c=$(command -v ${CROSS_CC} 2>/dev/null) && echo "compiler=$c"`,
      sh`if [ -f ${envFile(args.path)} ]; then echo "env_sha256=$(sha256sum < ${envFile(args.path)} | cut -c1-64)"; fi`,
      "exit 0",
    ].join("\n"),

  parse(out) {
    const kv = parseKv(out.stdout);
    return {
      kind: kv.kind === "link" ? "link" : kv.kind === "other" ? "other" : "none",
      recipeHash: kv.recipe_hash || undefined,
      compiler: kv.compiler || undefined,
      envSha256: kv.env_sha256 || undefined,
    };
  },

  plan(state, args) {
    const r = recipe(args);
    const env = crossEnv(args.path, r.libc);
    const data = {
      sysroot: args.path,
      libc: r.libc,
      release: r.release,
      packages: r.packages,
      env,
      env_file: envFile(args.path),
    };
    if (state.kind === "other") {
      throw new TaskError(
        `${args.path} exists and is not a sysroot armgo made (armgo keeps it as a symlink to a versioned tree)`,
        {
          hint: "move it away or choose another path",
          data,
        },
      );
    }
    const steps: SysrootStep[] = [];
    const what: string[] = [];
    if (!state.compiler) {
      if (!args.install_compiler) {
        throw new TaskError(`${CROSS_CC} not found on the build host`, {
          hint: `set install_compiler: true, or apt-get install ${CROSS_CC_PACKAGE}`,
          data,
        });
      }
      steps.push({ action: "compiler" });
      what.push(`install ${CROSS_CC_PACKAGE}`);
    }
    if (state.kind === "none" || state.recipeHash !== recipeId(r)) {
      steps.push({ action: "build", packages: r.packages });
      what.push(`fetch ${r.packages.length} ${r.release} arm64 packages (${r.packages.join(", ")}) into ${args.path}`);
    }
    if (state.envSha256 !== sha256(envText(args.path, r.libc))) {
      steps.push({ action: "env" });
      what.push(`write ${envFile(args.path)}`);
    }
    if (steps.length === 0) {
      return {
        steps,
        msg: `${r.libc} sysroot at ${args.path} is up to date (${r.release}, ${r.packages.length} packages)`,
        data,
      };
    }
    return { steps, msg: what.join("; "), data };
  },

  async apply(ctx, args, plan) {
    const r = recipe(args);
    for (const step of plan.steps) {
      if (step.action === "compiler") {
        ctx.progress(`apt-get install ${CROSS_CC_PACKAGE}`);
        const install = sh`DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${CROSS_CC_PACKAGE}`;
        // a fresh machine may have no package lists yet
        await ctx.runOk(`${install} || { apt-get update -q && ${install}; }`);
      } else if (step.action === "build") {
        const built = await ctx.controller.memo(`sysroot:${recipeId(r)}`, () =>
          buildSysroot(r, (t) => ctx.progress(t), ctx.controller.interrupt),
        );
        await install(ctx, args.path, built.tarball, recipeId(r));
      } else {
        const file = envFile(args.path);
        await ctx.runOk(writeFileScript(file, envText(args.path, r.libc), { tmp: TEMP }));
      }
    }
    return {};
  },
};

/** Our trees beside `path`: name.<recipe id>.<nonce> (name.<recipe id> before every install got its own name). */
const TREE_GLOBS = [".????????????????", ".????????????????.????????????"];

/** Unpack the tarball beside `path` and switch the symlink to it; the old tree goes only after the switch. */
async function install(ctx: ModuleContext, path: string, tarball: string, id: string): Promise<void> {
  const dir = posix.dirname(path);
  const name = posix.basename(path);
  const nonce = randomBytes(6).toString("hex");
  const tmp = `${path}${TEMP}${nonce}`;
  // a name no tree has yet: the live one (the same recipe when its manifest was lost) is never replaced in place
  const versioned = `${name}.${id}.${nonce}`;
  // shell globs: the name quoted, the wildcards not
  const ours = TREE_GLOBS.map((g) => quote(name) + g);
  // leftovers of an interrupted run go first (temp dirs, trees the link does not point to); the live tree stays
  await ctx.runOk(
    [
      sh`rm -rf ${path}` + `${TEMP}*`,
      // a first install may find no directory yet; the live tree is compared by name, so a hand-made absolute link protects it too
      sh`cur=$(readlink ${path} 2>/dev/null || true); cur=\${cur##*/}; cd ${dir} 2>/dev/null || exit 0`,
      `for t in ${ours.join(" ")}; do [ -d "$t" ] && [ "$t" != "$cur" ] && rm -rf "./$t"; done; exit 0`,
    ].join("\n"),
  );
  ctx.progress("uploading the sysroot");
  await uploadAs(ctx, tarball, `${tmp}/sysroot.tar.gz`);
  const script = [
    "set -u",
    sh`d=${dir}; tmp=${tmp}; v=${versioned}`,
    `mkdir "$tmp/tree" && tar -xzf "$tmp/sysroot.tar.gz" -C "$tmp/tree" --no-same-owner || exit 1`,
    `mv -T "$tmp/tree" "$d/$v" || exit 1`,
    sh`old=$(readlink ${path} 2>/dev/null || true)`,
    switchLink(path, versioned),
    // only a tree of ours is removed, never whatever else a hand-made link named
    `case "$old" in ${ours.join("|")}) [ "$old" = "$v" ] || rm -rf "$d/$old";; esac`,
    `rm -rf "$tmp"`,
  ].join("\n");
  await ctx.runOk(script);
}
