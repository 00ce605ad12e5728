// Results grouped under one TASK header per task, in playbook order, while hosts run independently.
// A task's lines are held until every started host of the batch has passed it (or the batch ends),
// then printed under its header; a host still waiting for a fork holds nothing back. A failure is
// printed at once: the tasks up to its own are printed with what they hold so far (headers in
// order, once). Lines that arrive later for a task whose header is no longer the last one printed
// (a failure's, or a host that started late) are held, and printed when every started host has
// passed that task (or with the next failure in it) under a CONTINUED [task] line.
import { banner } from "./banner.js";
import type { PlayState } from "./play-state.js";

interface Section {
  name: string;
  /** Lines waiting to be printed: under the header, or under CONTINUED once headed. */
  lines: string[];
  headed: boolean;
}

export class Grouped {
  private state?: PlayState;
  private sections: Section[] = [];
  /** Sections before this one are final: every host passed them and their lines are printed. */
  private flushed = 0;
  /** The section whose lines were printed last: its new lines can follow directly. */
  private bottom = -1;
  /** Sections before `flushed` holding lines of hosts that started after them. */
  private late = new Set<number>();

  constructor(private readonly print: (line: string) => void) {}

  start(state: PlayState): void {
    this.end();
    this.state = state;
    this.sections = state.tasks.map((name) => ({ name, lines: [], headed: false }));
  }

  /** Lines of a host's result for task `index`; `urgent` (a failure) prints them now. */
  add(index: number | undefined, name: string, lines: string[], urgent: boolean): void {
    const k = this.section(index, name);
    const s = this.sections[k]!;
    // a templated name is headed as the first host to report renders it, as Ansible heads it with the first host's
    if (!s.headed && s.lines.length === 0 && s.name.includes("{{")) s.name = name;
    if (s.headed && k === this.bottom) {
      for (const l of lines) this.print(l);
      return;
    }
    s.lines.push(...lines);
    if (k < this.flushed) this.late.add(k);
    if (!urgent) return;
    for (let i = this.flushed; i < k; i++) if (!this.sections[i]!.headed) this.show(i, true);
    this.show(k, true);
  }

  /** Lines that belong to whatever task `host` is on (its commands under -v). */
  addForHost(host: string, lines: string[]): void {
    const at = Math.max(0, this.state?.of(host) ?? 0);
    if (at < this.sections.length) this.add(at, this.sections[at]!.name, lines, false);
    else for (const l of lines) this.print(l);
  }

  /** Print every task that all started hosts have passed. */
  advance(): void {
    const f = this.state?.frontier() ?? Infinity;
    for (const k of [...this.late].sort((a, b) => a - b)) {
      if (k >= f) break;
      this.show(k, false);
      this.late.delete(k);
    }
    while (this.flushed < this.sections.length && this.flushed < f) this.show(this.flushed++, false);
  }

  /** The batch is over (or the play, or the run): print everything held. */
  end(): void {
    this.state = undefined;
    this.advance();
    this.sections = [];
    this.late.clear();
    this.flushed = 0;
    this.bottom = -1;
  }

  /** A section's index; a result outside the play's list (none expected) gets a section of its own. */
  private section(index: number | undefined, name: string): number {
    if (index !== undefined && index < this.sections.length) return index;
    this.sections.push({ name, lines: [], headed: false });
    return this.sections.length - 1;
  }

  /** Print a section's held lines under its header, or under CONTINUED once headed. `early`: head it even if empty. */
  private show(k: number, early: boolean): void {
    const s = this.sections[k]!;
    if (s.lines.length === 0 && (s.headed || !early)) return;
    this.print("");
    this.print(banner(s.headed ? `CONTINUED [${s.name}]` : `TASK [${s.name}]`));
    s.headed = true;
    for (const l of s.lines) this.print(l);
    s.lines = [];
    this.bottom = k;
  }
}
