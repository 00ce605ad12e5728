// On a terminal: one line per running task (hosts done / changed / failed / running / waiting, and
// bytes and rate of transfers), redrawn in place on stderr below the output.
import type { Changes } from "./changes.js";
import type { PlayState } from "./play-state.js";

export interface LiveStream {
  write(s: string): unknown;
  columns?: number;
}

/** Rate over the last few seconds, so a stalled transfer shows it. */
const WINDOW_MS = 3000;
/** Progress redraws at most this often (it can come per chunk of a transfer). */
const REDRAW_MS = 100;
const MAX_LINES = 8;

interface TaskTransfer {
  bytes: number;
  /** [time, bytes so far], oldest first: the first is the rate's baseline. */
  samples: Array<[number, number]>;
  /** The latest progress that is not a byte count ("apt-get update"), and its host. */
  text?: { host: string; text: string };
}

/** Bytes moved per task, from progress texts like `upload N/M bytes` or `download N bytes`. */
export class Transfers {
  private readonly last = new Map<string, { index: number; label: string; bytes: number }>();
  private readonly tasks = new Map<number, TaskTransfer>();

  note(host: string, index: number, text: string, now: number): void {
    let t = this.tasks.get(index);
    if (!t) this.tasks.set(index, (t = { bytes: 0, samples: [] }));
    const m = /^(.*?)(\d+)(?:\/\d+)? bytes$/.exec(text);
    if (!m) {
      t.text = { host, text };
      return;
    }
    const [label, bytes] = [m[1]!, Number(m[2])];
    const prev = this.last.get(host);
    // a new transfer (or phase: fetch, then upload) counts from zero
    const same = prev && prev.index === index && prev.label === label && bytes >= prev.bytes;
    t.bytes += same ? bytes - prev.bytes : bytes;
    this.last.set(host, { index, label, bytes });
    t.samples.push([now, t.bytes]);
    while (t.samples.length > 2 && t.samples[1]![0] <= now - WINDOW_MS) t.samples.shift();
  }

  of(index: number, now: number): { bytes: number; rate?: number; text?: TaskTransfer["text"] } | undefined {
    const t = this.tasks.get(index);
    if (!t) return undefined;
    const base = t.samples[0];
    const rate =
      base && now > base[0] && t.samples.length > 1 ? ((t.bytes - base[1]) * 1000) / (now - base[0]) : undefined;
    return { bytes: t.bytes, rate, text: t.text };
  }

  clear(): void {
    this.last.clear();
    this.tasks.clear();
  }
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** One line per task some host is on, in playbook order. */
export function liveLines(state: PlayState, changes: Changes, transfers: Transfers, now: number): string[] {
  const lines: string[] = [];
  const total = state.hosts.length;
  for (let k = Math.max(0, state.frontier()); k < state.tasks.length; k++) {
    const n = state.counts(k);
    if (n.running === 0) continue;
    const c = changes.of(state.play, k);
    let line = `[${k + 1}/${state.tasks.length}] ${state.tasks[k]}: ${n.passed}/${total} done, ${c.changed} changed, ${c.failed} failed, ${n.running} running, ${n.waiting} waiting`;
    const t = transfers.of(k, now);
    if (t?.bytes) line += ` · ${formatBytes(t.bytes)}${t.rate === undefined ? "" : ` at ${formatBytes(t.rate)}/s`}`;
    // a note stays while its host is still on the task
    if (t?.text && state.of(t.text.host) === k) line += ` · ${t.text.host}: ${t.text.text}`;
    lines.push(line);
  }
  return lines.length > MAX_LINES
    ? [...lines.slice(0, MAX_LINES - 1), `… and ${lines.length - MAX_LINES + 1} more tasks running`]
    : lines;
}

/** The block of live lines at the bottom of the terminal: erased before output, then drawn again. */
export class LiveBlock {
  private shown = 0;
  private drawnAt = -Infinity;

  constructor(private readonly stream: LiveStream) {}

  /** Erase the block (the cursor goes back to where it began). */
  clear(): void {
    if (this.shown === 0) return;
    this.stream.write(this.erase());
    this.shown = 0;
  }

  /** Draw `lines`; `throttled`: not if the block is on screen and was drawn less than REDRAW_MS ago. */
  draw(lines: string[], now: number, throttled: boolean): void {
    if ((throttled && this.shown > 0 && now - this.drawnAt < REDRAW_MS) || (this.shown === 0 && lines.length === 0))
      return;
    // a terminal that reports no size (0) gets 80 columns
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const text = lines.map((l) => l.slice(0, width)).join("\n");
    this.stream.write(this.erase() + text);
    this.shown = lines.length;
    this.drawnAt = now;
  }

  private erase(): string {
    if (this.shown === 0) return "";
    return `\r${this.shown > 1 ? `\x1b[${this.shown - 1}A` : ""}\x1b[J`;
  }
}
