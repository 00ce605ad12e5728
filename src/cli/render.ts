// Output as Ansible users read it (PLAY, TASK, ok/changed/failed, PLAY RECAP), grouped by task while
// hosts run independently (grouped.ts), with live lines on a terminal (live.ts); or JSON lines.
import { Chalk, type ChalkInstance } from "chalk";
import type { RunEvent, TaskResult, Recap } from "../engine/types.js";
import { banner } from "./banner.js";
import { Changes } from "./changes.js";
import { deployedLines } from "./deployed.js";
import { formatDiff } from "./diff.js";
import { Grouped } from "./grouped.js";
import { LiveBlock, liveLines, Transfers, type LiveStream } from "./live.js";
import { PlayState } from "./play-state.js";

export interface RenderOptions {
  json: boolean;
  diff: boolean;
  verbose: boolean;
  out?: { write(s: string): unknown; isTTY?: boolean };
  err?: LiveStream & { isTTY?: boolean };
  /** Live lines on err; default: err is a terminal and NO_COLOR is unset. */
  live?: boolean;
  /** Clock for transfer rates (tests pass their own). */
  now?: () => number;
}

export function colors(stream: { isTTY?: boolean }): ChalkInstance {
  // NO_COLOR (no-color.org) and pipes get plain text; FORCE_COLOR still wins for CI logs
  const level = process.env.FORCE_COLOR ? 1 : process.env.NO_COLOR !== undefined || !stream.isTTY ? 0 : 1;
  return new Chalk({ level });
}

export function recapLines(recap: Recap, c: ChalkInstance): string[] {
  const hosts = Object.keys(recap);
  const w = Math.max(0, ...hosts.map((h) => h.length));
  return hosts.map((h) => {
    const r = recap[h]!;
    const name =
      r.unreachable || r.failed ? c.red(h.padEnd(w)) : r.changed ? c.yellow(h.padEnd(w)) : c.green(h.padEnd(w));
    const f = (k: string, v: number, color: (s: string) => string): string => (v ? color(`${k}=${v}`) : `${k}=${v}`);
    return `${name} : ${f("ok", r.ok, c.green)}  ${f("changed", r.changed, c.yellow)}  ${f("unreachable", r.unreachable, c.red)}  ${f("failed", r.failed, c.red)}  ${f("skipped", r.skipped, c.cyan)}  ${f("ignored", r.ignored, c.magenta)}`;
  });
}

/** A result's lines: its status line, then its diff when asked. */
function resultLines(r: TaskResult, c: ChalkInstance, diff: boolean): string[] {
  const item = r.item !== undefined ? ` => (item=${typeof r.item === "string" ? r.item : JSON.stringify(r.item)})` : "";
  const msg = r.msg ? ` ${r.msg}` : "";
  const line = {
    ok: () => c.green(`ok: [${r.host}]${item}${msg}`),
    changed: () => c.yellow(`changed: [${r.host}]${item}${msg}`),
    skipped: () => c.cyan(`skipping: [${r.host}]${item}${msg}`),
    failed: () => c.red(`fatal: [${r.host}]${item}: FAILED! ${r.msg}`),
    unreachable: () => c.red(`fatal: [${r.host}]: UNREACHABLE! ${r.msg}`),
  }[r.status]();
  const diffs =
    diff && r.diff
      ? formatDiff(r.diff).map((l) => (l.startsWith("+") ? c.green(l) : l.startsWith("-") ? c.red(l) : l))
      : [];
  return [line, ...diffs];
}

/** A warning about the input as Ansible prints one, on stderr (also with --json: stdout stays JSON lines). */
export function warningLine(text: string): string {
  return `[WARNING]: ${text}\n`;
}

/** A renderer is a function of events; it holds each play's lines until they can be shown grouped by task. */
export function createRenderer(opts: RenderOptions): (e: RunEvent) => void {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  if (opts.json) {
    return (e) => {
      if (e.type === "warning") err.write(warningLine(e.text));
      else if (e.type !== "progress") out.write(JSON.stringify(e) + "\n");
    };
  }
  const c = colors(out);
  const now = opts.now ?? Date.now;
  const block =
    (opts.live ?? (Boolean(err.isTTY) && process.env.NO_COLOR === undefined)) ? new LiveBlock(err) : undefined;
  const print = (line: string): void => {
    block?.clear();
    out.write(line + "\n");
  };
  const grouped = new Grouped(print);
  let changes = new Changes();
  const transfers = new Transfers();
  let play: PlayState | undefined;
  /** The running play's banner, and whether a batch of it began: Ansible repeats the banner per `serial` batch. */
  let playBanner = "";
  let batched = false;
  const handle = (e: RunEvent): void => {
    switch (e.type) {
      case "warning":
        block?.clear();
        err.write(warningLine(e.text));
        break;
      case "play_start":
        grouped.end();
        playBanner = banner(`PLAY [${e.play}]${e.check ? " (check mode: nothing will change)" : ""}`);
        batched = false;
        print("");
        print(playBanner);
        play = new PlayState(e.play, e.hosts, e.tasks);
        grouped.start(play);
        transfers.clear();
        break;
      case "batch_start":
        if (!play) break;
        // each batch prints its own task headers, under the play's banner again
        grouped.end();
        if (batched) {
          print("");
          print(playBanner);
        }
        batched = true;
        play = new PlayState(e.play, e.hosts, play.tasks, e.forks);
        grouped.start(play);
        transfers.clear();
        break;
      case "play_skip":
        grouped.end();
        play = undefined;
        print("");
        print(banner(`PLAY [${e.play}]`));
        print(c.cyan(`skipping: ${e.reason}`));
        break;
      case "task_start":
        play?.at(e.host, e.task_index);
        break;
      case "task_result": {
        const r = e.result;
        play?.at(r.host, r.task_index);
        changes.add(r);
        grouped.add(
          r.task_index,
          r.task,
          resultLines(r, c, opts.diff),
          r.status === "failed" || r.status === "unreachable",
        );
        break;
      }
      case "host_done":
        play?.finish(e.host);
        break;
      case "command":
        if (opts.verbose) {
          const cmd = e.command;
          const head = c.gray(
            `<${cmd.host}> exit ${cmd.code} in ${cmd.duration_ms} ms: ${cmd.script.trim().split("\n")[0]}${cmd.script.includes("\n") ? " …" : ""}`,
          );
          const tail = (cmd.stdout + cmd.stderr)
            .trimEnd()
            .split("\n")
            .filter(Boolean)
            .slice(-20)
            .map((l) => c.gray(`    ${l}`));
          grouped.addForHost(cmd.host, [head, ...tail]);
        }
        break;
      case "progress": {
        const at = play?.of(e.host);
        if (block && at !== undefined && at >= 0) transfers.note(e.host, at, e.text, now());
        break;
      }
      case "recap":
        grouped.end();
        play = undefined;
        print("");
        print(banner("PLAY RECAP"));
        for (const l of recapLines(e.recap, c)) print(l);
        for (const l of deployedLines(e.deployed, c)) print(l);
        for (const l of changes.lines(c)) print(l);
        // drift runs again with the same renderer: each summary covers its own run
        changes = new Changes();
        break;
    }
    grouped.advance();
  };
  return (e) => {
    handle(e);
    if (block) block.draw(play ? liveLines(play, changes, transfers, now()) : [], now(), e.type === "progress");
  };
}
