// The escape hatch: run a command. Without creates/removes it can't know the outcome in advance, and says so.
import { TaskError } from "../../errors.js";
import { exportLines, quote, sh } from "../../transport/quote.js";
import { parseKv, type Module, type Plan, type ProbeOutput } from "../contract.js";

export interface CommandArgs {
  cmd?: string;
  argv?: Array<string | number>;
  creates?: string;
  removes?: string;
  chdir?: string;
  env?: Record<string, string | number | boolean>;
  stdin?: string;
}

type State =
  { kind: "ran"; rc: number; stdout: string; stderr: string } | { kind: "paths"; creates: boolean; removes: boolean };

function normalize(args: CommandArgs | string): CommandArgs {
  return typeof args === "string" ? { cmd: args } : args;
}

/** The command as a script: env, chdir, then the command line or the quoted argv, fed its stdin. */
export function commandScript(a: CommandArgs): string {
  const cd = a.chdir ? sh`cd ${a.chdir} || exit 1` + "\n" : "";
  const line = a.argv ? a.argv.map(quote).join(" ") : a.cmd!;
  // stdin is one quoted word: no line of it can end a heredoc and run as code
  const run = a.stdin === undefined ? line : `printf '%s\\n' ${quote(a.stdin)} | {\n${line}\n}`;
  return `${exportLines(a.env)}${cd}${run}`;
}

function resultData(rc: number, stdout: string, stderr: string): Record<string, unknown> {
  const out = stdout.replace(/\n$/, "");
  return { rc, stdout: out, stderr: stderr.replace(/\n$/, ""), stdout_lines: out ? out.split("\n") : [] };
}

function failure(rc: number, stdout: string, stderr: string): TaskError {
  const tail = (stderr || stdout).trim().split("\n").slice(-1)[0] ?? "";
  return new TaskError(`command exited ${rc}${tail ? `: ${tail}` : ""}`, { data: resultData(rc, stdout, stderr) });
}

export const command: Module<CommandArgs | string, State, "run"> = {
  name: "command",

  // its probe can run the command; the engine lets it only for a task declared read-only (engine/capabilities.ts)
  capabilities: { probeRunsTask: true },

  probe(raw, _facts, opts) {
    const a = normalize(raw);
    if (opts?.runsTask) return commandScript(a);
    const lines: string[] = [];
    if (a.creates) lines.push(sh`[ -e ${a.creates} ] && echo creates=1`);
    if (a.removes) lines.push(sh`[ -e ${a.removes} ] && echo removes=1`);
    return lines.length ? lines.join("\n") + "\ntrue" : "";
  },

  parse(out: ProbeOutput, _raw, opts) {
    if (opts?.runsTask) {
      if (out.code !== 0) throw failure(out.code, out.stdout, out.stderr);
      return { kind: "ran", rc: out.code, stdout: out.stdout, stderr: out.stderr };
    }
    const kv = parseKv(out.stdout);
    return { kind: "paths", creates: kv.creates === "1", removes: kv.removes === "1" };
  },

  plan(state, raw): Plan<"run"> {
    const a = normalize(raw);
    // a read-only command is usually asked for its answer: show the first line of it
    if (state.kind === "ran")
      return {
        steps: [],
        msg: state.stdout.split("\n")[0]!.slice(0, 160) || "ran read-only",
        data: resultData(state.rc, state.stdout, state.stderr),
      };
    if (a.creates && state.creates) return { steps: [], msg: `${a.creates} exists` };
    if (a.removes && !state.removes) return { steps: [], msg: `${a.removes} does not exist` };
    const what = a.argv ? a.argv.join(" ") : a.cmd!;
    const guarded = Boolean(a.creates || a.removes);
    return { steps: ["run"], msg: `run: ${what.split("\n")[0]}`, uncertain: !guarded };
  },

  async apply(ctx, raw) {
    const a = normalize(raw);
    const r = await ctx.run(commandScript(a));
    if (r.code !== 0) throw failure(r.code, r.stdout, r.stderr);
    return { msg: "ran", data: resultData(r.code, r.stdout, r.stderr) };
  },
};
