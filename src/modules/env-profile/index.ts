// env-profile: one marked block of Go environment (GOROOT, GOPATH, GOBIN, PATH, extra env) in the
// system profile or the login shell's rc files. Writes are temp file + rename, keeping mode and owner.
import { posix } from "node:path";
import { TaskError, lastLine } from "../../errors.js";
import { sh } from "../../transport/quote.js";
import type { Facts } from "../../facts/types.js";
import type { Module, Plan, ProbeOutput } from "../contract.js";
import { editText } from "../shared/marker-block.js";
import { renderBlock, type BlockArgs } from "./block.js";

export interface EnvProfileArgs extends BlockArgs {
  state?: "present" | "absent";
  scope?: "system" | "user";
  /** Overrides the files chosen by scope; `~/` is the connecting user's home. */
  files?: string[];
}

export interface ProfileFile {
  path: string;
  /** undefined: the file does not exist. */
  content?: string;
}

/** Write `content` to `path`, or delete the file (null: a system profile that became empty). */
export interface ProfileStep {
  path: string;
  content: string | null;
}

/**
 * The files the block belongs in, as groups of candidates: the first that exists is used, else the
 * last. bash reads only the first of ~/.bash_profile, ~/.bash_login, ~/.profile at login.
 */
export function profileFiles(args: EnvProfileArgs, facts: Facts): string[][] {
  const home = (p: string) => (p === "~" ? facts.home : p.startsWith("~/") ? posix.join(facts.home, p.slice(2)) : p);
  if (args.files) return args.files.map((f) => [home(f)]);
  if ((args.scope ?? "system") === "system") return [[`/etc/profile.d/${args.name}.sh`]];
  const shell = posix.basename(facts.shell || "sh");
  const groups =
    shell === "bash"
      ? [[".bash_profile", ".bash_login", ".profile"], [".bashrc"]]
      : shell === "zsh"
        ? [[".zprofile"], [".zshrc"]]
        : [[".profile"]];
  return groups.map((g) => g.map((n) => posix.join(facts.home, n)));
}

export function parseFiles(stdout: string): ProfileFile[] {
  const files: ProfileFile[] = [];
  let current: { path: string; present: boolean; b64: string[] } | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("@file ")) current = { path: line.slice(6), present: false, b64: [] };
    else if (!current) continue;
    else if (line === "@present") current.present = true;
    else if (line === "@end") {
      files.push(
        current.present
          ? { path: current.path, content: Buffer.from(current.b64.join(""), "base64").toString("utf8") }
          : { path: current.path },
      );
      current = undefined;
    } else current.b64.push(line.trim());
  }
  return files;
}

export function planProfile(files: ProfileFile[], args: EnvProfileArgs): Plan<ProfileStep> {
  const absent = args.state === "absent";
  const block = absent ? undefined : renderBlock(args);
  const steps: ProfileStep[] = [];
  for (const f of files) {
    if (absent && f.content === undefined) continue;
    const next = editText(f.content ?? "", args.name, block, f.path);
    if (next === f.content) continue;
    // A system profile is ours alone: once it holds nothing, it goes.
    const remove = absent && args.scope !== "user" && !args.files && next.trim() === "";
    steps.push({ path: f.path, content: remove ? null : next });
  }
  const paths = files.map((f) => f.path).join(", ");
  const data = { files: files.map((f) => f.path), block: block ?? null };
  if (steps.length === 0) {
    return {
      steps,
      msg: absent ? `no block ${args.name} in ${paths}` : `block ${args.name} up to date in ${paths}`,
      data,
    };
  }
  const changed = steps.map((s) => s.path);
  const before = steps
    .map((s) => `==> ${s.path} <==\n${files.find((f) => f.path === s.path)?.content ?? ""}`)
    .join("\n");
  const after = steps.map((s) => `==> ${s.path} <==\n${s.content ?? ""}`).join("\n");
  return {
    steps,
    msg: `${absent ? "remove" : "write"} block ${args.name} ${absent ? "from" : "in"} ${changed.join(", ")}`,
    diff: { before, after, beforeHeader: changed.join(", "), afterHeader: changed.join(", ") },
    data: { ...data, changed_files: changed },
  };
}

/** Temp file + rename; an existing file keeps mode and owner, a new one gets 0644 and its directory's owner. */
function writeScript(step: ProfileStep): string {
  if (step.content === null) return sh`rm -f ${step.path} || exit 1`;
  return [
    // Through a symlink (dotfiles repos) the target is written, so the link survives.
    sh`f=${step.path}; [ -L "$f" ] && f=$(readlink -f "$f")`,
    `dir=$(dirname "$f"); mkdir -p "$dir" || exit 1; tmp="$f.armgo-tmp"`,
    sh`printf '%s' ${Buffer.from(step.content).toString("base64")} | base64 -d > "$tmp" || exit 1`,
    `if [ -e "$f" ]; then ref=$f; mode=$(stat -c %a "$f"); else ref=$dir; mode=644; fi`,
    `chmod "$mode" "$tmp" && { chown "$(stat -c %u:%g "$ref")" "$tmp" 2>/dev/null || :; } && mv -f "$tmp" "$f" || { rm -f "$tmp"; exit 1; }`,
  ].join("\n");
}

export const envProfile: Module<EnvProfileArgs, ProfileFile[], ProfileStep> = {
  name: "env-profile",

  probe(args, facts) {
    return [
      ...profileFiles(args, facts).map(
        (group) =>
          sh`f=; for c in ${group}; do [ -f "$c" ] && { f=$c; break; }; done; [ -n "$f" ] || f=${group[group.length - 1]!}` +
          `\necho "@file $f"; if [ -f "$f" ]; then echo @present; base64 < "$f"; fi; echo @end`,
      ),
      "exit 0",
    ].join("\n");
  },

  parse: (out: ProbeOutput) => parseFiles(out.stdout),
  plan: (files, args) => planProfile(files, args),

  async apply(ctx, _args, plan) {
    const res = await ctx.run(["set -u", ...plan.steps.map(writeScript)].join("\n"));
    if (res.code !== 0) {
      throw new TaskError(
        `writing ${plan.steps.map((s) => s.path).join(", ")} failed: ${lastLine(res.stderr) || `exit ${res.code}`}`,
        {
          hint: "check permissions (system scope needs become)",
          data: plan.data ?? {},
        },
      );
    }
    return { msg: plan.msg.replace(/^write/, "wrote").replace(/^remove/, "removed"), data: plan.data ?? {} };
  },
};
