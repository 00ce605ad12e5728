// What a run changed, per task: how many hosts it changed and which it failed on. Printed after the
// recap, and read by the live line while the run goes.
import type { ChalkInstance } from "chalk";
import type { TaskResult } from "../engine/types.js";
import { banner } from "./banner.js";

export interface TaskChanges {
  play: string;
  task: string;
  index: number;
  changed: Set<string>;
  /** Host → "failed" or "unreachable". */
  failed: Map<string, string>;
}

/** Failed hosts named in the summary; the recap lists them all. */
const NAMED = 10;

export class Changes {
  private readonly tasks = new Map<string, TaskChanges>();
  private readonly plays = new Set<string>();

  add(r: TaskResult): void {
    this.plays.add(r.play);
    const index = r.task_index ?? Infinity;
    const key = `${r.play}\u0000${index}\u0000${r.task}`;
    let t = this.tasks.get(key);
    if (!t) {
      t = { play: r.play, task: r.task, index, changed: new Set(), failed: new Map() };
      this.tasks.set(key, t);
    }
    if (r.changed) t.changed.add(r.host);
    if (r.status === "failed" || r.status === "unreachable") t.failed.set(r.host, r.status);
  }

  /** The hosts task `index` of `play` changed and failed on so far (a connect failure counts for its task). */
  of(play: string, index: number): { changed: number; failed: number } {
    let changed = 0;
    let failed = 0;
    for (const t of this.tasks.values()) {
      if (t.play !== play || t.index !== index) continue;
      changed += t.changed.size;
      failed += t.failed.size;
    }
    return { changed, failed };
  }

  /** Per task with a change or a failure, in playbook order: `task: N changed, M failed: host, host (unreachable)`. */
  lines(c: ChalkInstance): string[] {
    const plays = [...this.plays];
    const rows = [...this.tasks.values()]
      .filter((t) => t.changed.size > 0 || t.failed.size > 0)
      .sort((a, b) => plays.indexOf(a.play) - plays.indexOf(b.play) || a.index - b.index);
    const out = ["", banner("CHANGES")];
    if (rows.length === 0) return [...out, c.green("nothing changed, nothing failed")];
    for (const t of rows) {
      const name = plays.length > 1 ? `${t.play} / ${t.task}` : t.task;
      const parts = t.changed.size > 0 ? [c.yellow(`${t.changed.size} changed`)] : [];
      if (t.failed.size > 0) {
        const named = [...t.failed].slice(0, NAMED).map(([h, s]) => (s === "unreachable" ? `${h} (unreachable)` : h));
        const more = t.failed.size > NAMED ? ` and ${t.failed.size - NAMED} more` : "";
        parts.push(c.red(`${t.failed.size} failed: ${named.join(", ")}${more}`));
      }
      out.push(`${name}: ${parts.join(", ")}`);
    }
    return out;
  }
}
