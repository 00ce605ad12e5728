// Preparing ahead: the following units whose args are known now are prepared before their turn,
// so that their probes join the current batch and a failed resolve is not retried at their turn.
import type { Secrets } from "../audit/redact.js";
import { UndefinedError } from "../template/expr.js";
import { Cursor } from "./cursor.js";
import type { Executor } from "./exec.js";
import type { HostVars } from "./host-vars.js";
import { isTaskFailure } from "./outcome.js";
import { prepare, units, type PrepareContext, type Prepared, type Unit } from "./prepare.js";
import { pending, type Pending } from "./probes.js";

/** A preparation made ahead, valid while no register changed the vars it read. */
type Entry = { version: number; prep: Prepared | undefined } | { version: number; error: Error };

export class Lookahead {
  private version = 0;
  private readonly entries = new Map<string, Entry>();

  /** `own` runs the host's probes: it says with which become a batched section runs. */
  constructor(
    private readonly vars: HostVars,
    private readonly ctx: PrepareContext,
    private readonly secrets: Secrets,
    private readonly own: Pick<Executor, "become">,
  ) {}

  /** Vars changed (a register): what was prepared before may have read stale values. */
  stale(): void {
    this.version++;
  }

  clear(): void {
    this.entries.clear();
  }

  /** The unit's preparation: the one made ahead while still valid, else a new one. */
  async take(at: Cursor, unit: Unit): Promise<Prepared | undefined> {
    const entry = this.entries.get(at.key);
    this.entries.delete(at.key);
    if (entry?.version !== this.version) return this.prepare(unit);
    if ("error" in entry) throw entry.error;
    return entry.prep;
  }

  /**
   * Prepare the units from `from` on; the probes of this host join `out`. Stops at the first that
   * can't be prepared yet, and before a read-only task the probe would carry out while it reads a
   * var an earlier task of the batch registers (its turn may find another value).
   */
  async collect(from: Cursor, out: Pending[]): Promise<void> {
    const registers = new Set<string>();
    for (let t = from.taskIndex; t < from.tasks.length; t++) {
      const task = from.tasks[t]!;
      const reads = new Set<string>();
      let list: Unit[];
      try {
        list = units(task, this.vars.of(task, undefined, undefined, reads));
      } catch (e) {
        if (isTaskFailure(e)) return; // reported by that task at its turn
        throw e;
      }
      for (let i = t === from.taskIndex ? from.itemIndex : 0; i < list.length; i++) {
        const id = new Cursor(from.tasks, t, i).key;
        let prep: Prepared | undefined;
        try {
          prep = await this.prepare(list[i]!, reads);
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
        // run_once and delegated tasks are not probed on this host; a no_log task's probe is not logged
        // with another task
        if (!prep || prep.script === "" || task.run_once || task.no_log || prep.delegate !== undefined) continue;
        out.push(pending(id, prep, this.own.become(prep.become), reads));
      }
      if (task.register) registers.add(task.register);
    }
  }

  private async prepare(unit: Unit, reads?: Set<string>): Promise<Prepared | undefined> {
    // every layer's secret-named vars (play, role, task, params), rendered: known before anything is logged
    // (read through a view of their own: finding them reads every var, the unit itself may not)
    this.secrets.addVars(this.vars.of(unit.task, unit));
    const prep = await prepare(unit, this.vars.of(unit.task, unit, undefined, reads), this.ctx);
    if (prep) this.secrets.add(prep.secrets);
    return prep;
  }
}
