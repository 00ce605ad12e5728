// Output as Ansible users read it (PLAY, TASK, ok/changed/failed, PLAY RECAP), or JSON lines.
import { Chalk, type ChalkInstance } from "chalk";
import type { RunEvent, TaskResult, Recap } from "../engine/types.js";
import { formatDiff } from "./diff.js";

export interface RenderOptions {
  json: boolean;
  diff: boolean;
  verbose: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function colors(stream: { isTTY?: boolean }): ChalkInstance {
  // NO_COLOR (no-color.org) and pipes get plain text; FORCE_COLOR still wins for CI logs
  const level = process.env.FORCE_COLOR ? 1 : process.env.NO_COLOR !== undefined || !stream.isTTY ? 0 : 1;
  return new Chalk({ level });
}

function banner(title: string, width = 80): string {
  return `${title} ${"*".repeat(Math.max(3, width - title.length - 1))}`;
}

export function recapLines(recap: Recap, c: ChalkInstance): string[] {
  const hosts = Object.keys(recap);
  const w = Math.max(0, ...hosts.map((h) => h.length));
  return hosts.map((h) => {
    const r = recap[h]!;
    const name = r.unreachable || r.failed ? c.red(h.padEnd(w)) : r.changed ? c.yellow(h.padEnd(w)) : c.green(h.padEnd(w));
    const f = (k: string, v: number, color: (s: string) => string): string => (v ? color(`${k}=${v}`) : `${k}=${v}`);
    return `${name} : ${f("ok", r.ok, c.green)}  ${f("changed", r.changed, c.yellow)}  ${f("unreachable", r.unreachable, c.red)}  ${f("failed", r.failed, c.red)}  ${f("skipped", r.skipped, c.cyan)}  ${f("ignored", r.ignored, c.magenta)}`;
  });
}

/** A renderer is a function of events; it keeps only what it needs to avoid repeating headers. */
export function createRenderer(opts: RenderOptions): (e: RunEvent) => void {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  if (opts.json) {
    return (e) => {
      if (e.type !== "progress") out.write(JSON.stringify(e) + "\n");
    };
  }
  const c = colors(out);
  const live = Boolean(err.isTTY) && process.env.NO_COLOR === undefined;
  let lastTask = "";
  let liveShown = false;
  const print = (line: string): void => {
    if (liveShown) {
      err.write("\r\x1b[K");
      liveShown = false;
    }
    out.write(line + "\n");
  };
  const result = (r: TaskResult): void => {
    const header = `${r.play}\u0000${r.task}`;
    if (header !== lastTask) {
      print("");
      print(banner(`TASK [${r.task}]`));
      lastTask = header;
    }
    const item = r.item !== undefined ? ` => (item=${typeof r.item === "string" ? r.item : JSON.stringify(r.item)})` : "";
    const msg = r.msg ? ` ${r.msg}` : "";
    switch (r.status) {
      case "ok":
        print(c.green(`ok: [${r.host}]${item}${msg}`));
        break;
      case "changed":
        print(c.yellow(`changed: [${r.host}]${item}${msg}`));
        break;
      case "skipped":
        print(c.cyan(`skipping: [${r.host}]${item}${msg}`));
        break;
      case "failed":
        print(c.red(`fatal: [${r.host}]${item}: FAILED! ${r.msg}`));
        break;
      case "unreachable":
        print(c.red(`fatal: [${r.host}]: UNREACHABLE! ${r.msg}`));
        break;
    }
    if (opts.diff && r.diff) for (const l of formatDiff(r.diff)) print(l.startsWith("+") ? c.green(l) : l.startsWith("-") ? c.red(l) : l);
  };
  return (e) => {
    switch (e.type) {
      case "play_start":
        print("");
        print(banner(`PLAY [${e.play}]${e.check ? " (check mode: nothing will change)" : ""}`));
        lastTask = "";
        break;
      case "play_skip":
        print("");
        print(banner(`PLAY [${e.play}]`));
        print(c.cyan(`skipping: ${e.reason}`));
        break;
      case "task_result":
        result(e.result);
        break;
      case "command":
        if (opts.verbose) {
          print(c.gray(`<${e.command.host}> exit ${e.command.code} in ${e.command.duration_ms} ms: ${e.command.script.trim().split("\n")[0]}${e.command.script.includes("\n") ? " …" : ""}`));
          for (const l of (e.command.stdout + e.command.stderr).trimEnd().split("\n").filter(Boolean).slice(-20)) print(c.gray(`    ${l}`));
        }
        break;
      case "progress":
        if (live) {
          err.write(`\r\x1b[K${`[${e.host}] ${e.task}: ${e.text}`.slice(0, (err.columns ?? 80) - 1)}`);
          liveShown = true;
        }
        break;
      case "recap":
        print("");
        print(banner("PLAY RECAP"));
        for (const l of recapLines(e.recap, c)) print(l);
        break;
      case "task_start":
        break;
    }
  };
}
