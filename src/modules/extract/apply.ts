// Carry out an extract plan. The tree is unpacked into a temp dir beside the target (same
// filesystem), checked (safety.ts) and verified, renamed to its versioned name, and the target symlink is replaced by
// rename(2) — atomic, so dest/<top> is never half-written, even when the run is killed.
import { randomBytes } from "node:crypto";
import { TaskError, lastLine } from "../../errors.js";
import { sh } from "../../transport/quote.js";
import { parseKv, type ApplyResult, type ModuleContext, type Plan } from "../contract.js";
import { linkTemp, switchLink } from "../shared/symlink.js";
import { layout, TEMP_PREFIX, type Layout } from "./layout.js";
import { EXIT_TAR, EXIT_UNSAFE, unpackChecked } from "./safety.js";
import type { ExtractArgs, ExtractStep } from "./types.js";

const EXIT_VERSION = 6;
const EXIT_NO_SRC = 7;

function stepScript(step: ExtractStep, args: ExtractArgs, l: Layout | undefined): string {
  switch (step.action) {
    case "clean":
      return ""; // the prelude always removes leftovers
    case "extract":
      return [
        unpackChecked(args.src, l!.top),
        sh`got=$(head -n 1 "$tmp"/tree/${args.version_file!} 2>/dev/null)`,
        sh`if [ "$got" != ${args.version!} ]; then echo "found=$got"; exit ${EXIT_VERSION}; fi`,
        // A same-named tree that did not hold the version is moved into tmp and goes with it.
        sh`if [ -e "$d"/${step.into} ]; then mv "$d"/${step.into} "$tmp/replaced" || exit 1; fi`,
        sh`mv "$tmp"/tree/${l!.top} "$d"/${step.into} || exit 1`,
      ].join("\n");
    case "switch":
      return [
        step.migrate ? sh`mv "$d"/${l!.top} "$d"/${step.migrate} || exit 1` : "",
        switchLink(l!.target, step.to),
      ].join("\n");
    case "prune":
      return step.names.map((n) => sh`rm -rf "$d"/${n}`).join("\n");
    case "unpack":
      // Without a versioned layout: each top-level entry replaces its old self by two renames.
      return [
        unpackChecked(args.src, ""),
        `for e in "$tmp"/tree/* "$tmp"/tree/.[!.]*; do [ -e "$e" ] || [ -L "$e" ] || continue; n=\${e##*/}`,
        `  if [ -e "$d/$n" ] || [ -L "$d/$n" ]; then mv "$d/$n" "$tmp/.armgo-old-$n" || exit 1; fi`,
        `  mv "$e" "$d/$n" || exit 1`,
        `done`,
      ].join("\n");
  }
}

// A killed run's script goes on without its controller (sshd signals no command that has no pty):
// its tar would keep writing into a tree this run removes. Stop every process naming a leftover first.
function stopLeftovers(): string {
  return [
    sh`for t in "$d"/${TEMP_PREFIX}*; do [ -e "$t" ] || continue; n=\${t##*/}`,
    `  for p in /proc/[0-9]*; do p=\${p#/proc/}; [ "$p" = $$ ] && continue`,
    `    case "$(tr '\\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in *"$n"*) kill -KILL "$p" 2>/dev/null && gone="$gone $p";; esac`,
    `  done`,
    `done`,
    // KILL lands on the next return to user space: wait (at most 5 s) until they are gone.
    `for p in $gone; do i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; done`,
  ].join("\n");
}

export async function applyExtract(
  ctx: ModuleContext,
  args: ExtractArgs,
  plan: Plan<ExtractStep>,
): Promise<ApplyResult> {
  const l = layout(args);
  const tmpName = TEMP_PREFIX + randomBytes(6).toString("hex");
  const unpacks = plan.steps.some((s) => s.action === "extract" || s.action === "unpack");
  const script = [
    "set -u",
    unpacks ? sh`[ -f ${args.src} ] || exit ${EXIT_NO_SRC}` : "",
    sh`d=${args.dest}; tmp="$d"/${tmpName}`,
    `made=; [ -d "$d" ] || made=1`,
    `mkdir -p "$d" || exit 1`,
    // Leftovers of a killed run: its processes, temp trees and a half-made link; never the active target.
    `gone=`,
    stopLeftovers(),
    sh`rm -rf "$d"/${TEMP_PREFIX}*` + (l ? sh` ${linkTemp(l.target)}` : ""),
    // Whatever happens from here (short of SIGKILL, which the next run's cleanup covers), tmp goes,
    // and so does a dest made for a tree that was refused (rmdir: only while it is empty).
    `mkdir "$tmp" || exit 1`,
    `trap 'rm -rf "$tmp"; [ -z "$made" ] || rmdir "$d" 2>/dev/null' EXIT`,
    // stopped (Ctrl-C, watch.ts): exit, so the EXIT trap removes tmp; the switch ignores these (symlink.ts)
    "trap 'exit 143' TERM INT HUP",
    ...plan.steps.map((s) => stepScript(s, args, l)),
    l ? sh`echo "installed=$(head -n 1 "$d"/${args.version_file!})"` : "",
  ].join("\n");
  const res = await ctx.run(script);
  const out = parseKv(res.stdout);
  const data = { ...(plan.data ?? {}) };
  if (res.code === EXIT_VERSION) {
    throw new TaskError(`${args.src} holds ${out.found || "no " + args.version_file}, not ${args.version}`, {
      hint: "the archive does not match version; nothing was switched",
      data: { ...data, found: out.found ?? null },
    });
  }
  if (res.code === EXIT_UNSAFE) {
    throw new TaskError(`refusing to extract ${args.src}: ${out.refused}`, {
      hint: "the archive is malformed or hostile; nothing was switched, its temporary tree is removed",
      data,
    });
  }
  if (res.code === EXIT_NO_SRC) {
    throw new TaskError(`archive ${args.src} is not on the host`, { hint: "download it in an earlier task", data });
  }
  if (res.code === EXIT_TAR) {
    throw new TaskError(`extracting ${args.src} failed: ${lastLine(res.stderr) || "tar failed"}`, {
      hint: "check free space in " + args.dest + "; the previous tree stays active",
      data,
    });
  }
  if (res.code !== 0) {
    throw new TaskError(`extract into ${args.dest} failed (exit ${res.code}): ${lastLine(res.stderr) || "no output"}`, {
      data,
    });
  }
  if (!l) return { msg: `extracted ${args.src} into ${args.dest}`, data };
  return { msg: `${out.installed} active at ${l.target}`, data: { ...data, installed: out.installed } };
}
