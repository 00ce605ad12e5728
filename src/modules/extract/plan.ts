// Pure: from the probed state to extract / switch / prune steps. The archive's entries are judged
// while apply unpacks it (safety.ts): --check does not decompress it and says so instead of guessing.
import { posix } from "node:path";
import { TaskError } from "../../errors.js";
import type { Plan } from "../contract.js";
import { layout, type Layout } from "./layout.js";
import type { ExtractArgs, ExtractState, ExtractStep } from "./types.js";

/** Throw TaskError when the host has no GNU tar; else what the plan cannot know about the archive. */
function checkArchive(state: ExtractState, data: Record<string, unknown>): string {
  if (state.tar === "none") throw new TaskError("tar is not installed on the host", { hint: "install GNU tar", data });
  if (state.tar === "other") {
    throw new TaskError(
      "extract needs GNU tar on the host: its checks keep every entry inside the directory it unpacks into",
      {
        hint: "install GNU tar (BusyBox tar is not enough)",
        data,
      },
    );
  }
  return state.src ? " (entries checked while unpacking)" : " (archive not on the host yet)";
}

/** New name for a manually installed real directory at the target, so the link can take its place. */
function migrationName(state: ExtractState, l: Layout): string {
  const taken = new Set([...state.trees.map((t) => t.name), l.tree]);
  const base = `${l.top}-${(state.installed ?? "unknown").replace(/^go/, "")}`;
  for (const name of [base, `${base}-previous`]) if (!taken.has(name)) return name;
  throw new TaskError(`cannot move the directory ${l.target} aside: ${base} and ${base}-previous exist`, {
    hint: `remove one of them, or ${l.target}`,
  });
}

export function planExtract(state: ExtractState, args: ExtractArgs): Plan<ExtractStep> {
  const l = layout(args);
  return l ? planVersioned(state, args, l) : planCreates(state, args);
}

function planVersioned(state: ExtractState, args: ExtractArgs, l: Layout): Plan<ExtractStep> {
  const version = args.version!;
  const data: Record<string, unknown> = { path: l.target, version, previous: state.installed ?? null };
  if (state.target === "other") {
    throw new TaskError(`${l.target} exists and is neither a directory nor a symlink`, { hint: "remove it", data });
  }
  const active = state.installed === version;
  const kept =
    state.trees.find((t) => t.version === version && t.name === l.tree) ??
    state.trees.find((t) => t.version === version);
  const steps: ExtractStep[] = [];
  // What each step does, in words; the msg joins them (engine prefixes "would " under --check).
  const actions: string[] = [];
  let linkTo = kept?.name ?? l.tree;
  if (active) {
    linkTo = state.link === undefined ? l.tree : posix.basename(state.link);
  } else {
    let note = "";
    if (!kept) {
      note = checkArchive(state, data);
      steps.push({ action: "extract", into: l.tree });
    }
    const migrate = state.target === "dir" ? migrationName(state, l) : undefined;
    steps.push({ action: "switch", to: linkTo, ...(migrate ? { migrate } : {}) });
    const how = kept ? `switch to kept ${kept.name}` : `extract ${args.src} into ${l.tree}${note}`;
    actions.push(`${how}, ${l.target}: ${state.installed ?? "absent"} → ${version}`);
  }
  // keep_previous: false leaves only the active tree (and never touches a link target that is not ours).
  if (args.keep_previous === false) {
    const migrated = steps.flatMap((s) => (s.action === "switch" && s.migrate ? [s.migrate] : []));
    const names = [...state.trees.map((t) => t.name), ...migrated].filter((n) => n !== linkTo);
    if (names.length > 0) {
      steps.push({ action: "prune", names });
      actions.push(`remove ${names.join(", ")}`);
    }
  }
  if (state.stale.length > 0) {
    steps.unshift({ action: "clean" });
    actions.push(`remove leftovers ${state.stale.join(", ")}`);
  }
  const ok = `${version} already at ${l.target}`;
  const msg = actions.length === 0 ? ok : actions.join("; ") + (active ? ` (${ok})` : "");
  const plan: Plan<ExtractStep> = { steps, msg, data };
  if (!active)
    plan.diff = { before: state.installed ?? "absent", after: version, beforeHeader: l.target, afterHeader: l.target };
  return plan;
}

function planCreates(state: ExtractState, args: ExtractArgs): Plan<ExtractStep> {
  const data = { dest: args.dest, creates: args.creates ?? null };
  if (state.creates) return { steps: [], msg: `${args.creates} exists`, data };
  const note = checkArchive(state, data);
  return { steps: [{ action: "unpack" }], msg: `extract ${args.src} into ${args.dest}${note}`, data };
}
