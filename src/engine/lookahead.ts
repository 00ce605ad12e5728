// Preparing ahead: the following units whose args are known now are prepared before their turn,
// so that their probes join the current batch and a failed resolve is not retried at their turn.
import type { Task } from "../load/model.js";
import { UndefinedError } from "../template/expr.js";
import { isTaskFailure } from "./outcome.js";
import type { Prepared, Unit } from "./prepare.js";
import { pending, type Pending } from "./probes.js";

/** A preparation made ahead, valid while no register changed the vars it read. */
type Entry = { version: number; prep: Prepared | undefined } | { version: number; error: Error };

export const unitKey = (taskIndex: number, itemIndex: number): string => `${taskIndex}:${itemIndex}`;

export interface LookaheadDeps {
  /** `reads` collects the names of the vars looked up. */
  units(task: Task, reads?: Set<string>): Unit[];
  prepare(unit: Unit, reads?: Set<string>): Promise<Prepared | undefined>;
  /** The become a batched probe section runs with. */
  become(become: boolean | string): boolean | string;
}

export class Lookahead {
  private version = 0;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: LookaheadDeps) {}

  /** Vars changed (a register): what was prepared before may have read stale values. */
  stale(): void {
    this.version++;
  }

  clear(): void {
    this.entries.clear();
  }

  /** The unit's preparation: the one made ahead while still valid, else a new one. */
  async take(id: string, unit: Unit): Promise<Prepared | undefined> {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    if (entry?.version !== this.version) return this.deps.prepare(unit);
    if ("error" in entry) throw entry.error;
    return entry.prep;
  }

  /**
   * Prepare the units from task `ti`, item `fromItem` on; the probes of this host join `out`. Stops at
   * the first that can't be prepared yet, and before a read-only task the probe would carry out
   * while it reads a var an earlier task of the batch registers (its turn may find another value).
   */
  async collect(tasks: Task[], ti: number, fromItem: number, out: Pending[]): Promise<void> {
    const registers = new Set<string>();
    for (let t = ti; t < tasks.length; t++) {
      const task = tasks[t]!;
      const reads = new Set<string>();
      let list: Unit[];
      try {
        list = this.deps.units(task, reads);
      } catch (e) {
        if (isTaskFailure(e)) return; // reported by that task at its turn
        throw e;
      }
      for (let i = t === ti ? fromItem : 0; i < list.length; i++) {
        const id = unitKey(t, i);
        let prep: Prepared | undefined;
        try {
          prep = await this.deps.prepare(list[i]!, reads);
        } catch (e) {
          // needs a result registered later: prepared at its turn
          if (e instanceof UndefinedError) return;
          if (!isTaskFailure(e)) throw e;
          // any other failure (a feed that can't be fetched) is that task's, reported at its turn without a second try
          this.entries.set(id, { version: this.version, error: e });
          return;
        }
        // the probe would carry the task out now, before the batch's earlier tasks register what it read
        if (prep?.runsTask && [...reads].some((r) => registers.has(r))) return;
        this.entries.set(id, { version: this.version, prep });
        // run_once and delegated tasks are not probed on this host; a no_log task's probe is not logged with another task
        if (!prep || prep.script === "" || task.run_once || task.no_log || prep.delegate !== undefined) continue;
        out.push(pending(id, prep, this.deps.become(prep.become), reads));
      }
      if (task.register) registers.add(task.register);
    }
  }
}
