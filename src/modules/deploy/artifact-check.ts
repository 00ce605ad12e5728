// deploy's check of the binary against each host before anything reaches it: the ELF read once per
// run on the controller, the host's loader and libraries looked up in deploy's own probe, judged by
// shared/elf-fit. A misfit refuses the host in its plan: nothing uploaded, the host failed, --check too.
import { readFile } from "node:fs/promises";
import { TaskError } from "../../errors.js";
import { sh } from "../../transport/quote.js";
import type { ResolveContext } from "../contract.js";
import { fixesOf, misfits, type HostSide } from "../shared/elf-fit.js";
import { isElf, readElf, type ElfInfo } from "../shared/elf.js";
import type { Artifact, DeployArgs, DeployState } from "./types.js";

/** Where a loader looks when ldconfig's cache does not name a library (musl has no cache at all). */
const LIB_DIRS = "/lib /usr/lib /lib64 /usr/lib64 /usr/local/lib /lib/*-linux-* /usr/lib/*-linux-*";

/** The artifact's ELF (null: not an ELF file, nothing to check) and the host it must fit, for resolve. */
export async function artifactFit(
  art: Artifact,
  ctx: ResolveContext,
): Promise<Pick<DeployArgs, "elf" | "fit"> | Record<string, never>> {
  const elf = await ctx.controller.memo(`deploy-elf:${art.sha256}`, async () => {
    const bytes = await readFile(art.path);
    return isElf(bytes) ? readElf(bytes, art.path) : null;
  });
  // without facts there is nothing to judge the binary against
  if (!elf || !ctx.facts.goarch) return {};
  const { arch, goarch, libc } = ctx.facts;
  return { elf, fit: { host: ctx.host, arch, goarch, libc } };
}

/** Shell lines for deploy's probe: whether the loader exists and which DT_NEEDED resolve nowhere. */
export function fitProbe(elf: ElfInfo | undefined): string[] {
  if (!elf?.interpreter) return [];
  const libs = elf.needed;
  return [
    sh`[ -e ${elf.interpreter} ] && echo fit_loader=1`,
    `cache=$( { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null )`,
    sh`m=; for l in ${libs}; do`,
    `  printf '%s\\n' "$cache" | awk -v l="$l" '$1 == l { f = 1 } END { exit !f }' && continue`,
    `  f=; for d in ${LIB_DIRS}; do [ -e "$d/$l" ] && f=1 && break; done`,
    `  [ -n "$f" ] || m="$m $l"`,
    `done; echo "fit_missing=\${m# }"`,
  ];
}

/** What deploy's probe found, from its key=value lines; undefined when it did not look. */
export function parseFit(kv: Record<string, string>, elf: ElfInfo | undefined): DeployState["fit"] {
  if (!elf?.interpreter) return undefined;
  return {
    loaders: kv.fit_loader === "1" ? [elf.interpreter] : [],
    missing: (kv.fit_missing ?? "").split(" ").filter(Boolean),
  };
}

/** The host as the judge sees it, when the args and the probe say enough. */
export function hostSide(state: DeployState, args: DeployArgs): HostSide | undefined {
  if (!args.fit) return undefined;
  return { ...args.fit, loaders: state.fit?.loaders ?? [], missing: state.fit?.missing ?? [] };
}

/** Throws the host's refusal in one line when the binary cannot run there. */
export function refuseMisfit(state: DeployState, args: DeployArgs): void {
  const host = hostSide(state, args);
  if (!args.elf || !host || !args.resolved) return;
  const found = misfits(args.app, args.elf, host);
  if (found.length === 0) return;
  const sha = args.resolved.sha256.slice(0, 12);
  throw new TaskError(
    `release ${sha} of ${args.app} not uploaded to ${host.host}: ${found.map((m) => m.line).join("; ")}`,
    {
      hint: fixesOf(found),
      data: {
        deployed: { app: args.app, release: state.current ?? null },
        refused: { release: sha, misfits: found.map((m) => m.line) },
      },
    },
  );
}
