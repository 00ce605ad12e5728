// Which probes go out when: a unit's output from the batch while still valid, else a new batch of
// it and the units prepared ahead of it; for a run ahead of the facts, the batch it would send first.
import type { ProbeOutput } from "../modules/contract.js";
import { sectionRefused } from "../transport/output.js";
import type { Cursor, Turn } from "./cursor.js";
import type { Executor } from "./exec.js";
import type { HostVars } from "./host-vars.js";
import type { Lookahead } from "./lookahead.js";
import type { Prepared, Unit } from "./prepare.js";
import { pending, ProbeCache, type Pending, type Seed } from "./probes.js";

const EMPTY_OUTPUT: ProbeOutput = { stdout: "", stderr: "", code: 0 };

/** A run ahead of the facts (speculate.ts): its first probe batch is handed here, never sent. */
export type Speculation = (batch: Pending[]) => never;

export class ProbePlanner {
  private readonly cache = new ProbeCache();

  constructor(
    private readonly lookahead: Lookahead,
    private readonly vars: HostVars,
    seed?: Seed,
    private readonly speculation?: Speculation,
  ) {
    if (seed) this.cache.seed(seed);
  }

  /** The unit's preparation (made ahead when still valid); undefined when `when` skips it. */
  prepared(at: Cursor, unit: Unit): Promise<Prepared | undefined> {
    return this.lookahead.take(at, unit);
  }

  /** A change may have been made: what was probed before is stale. */
  invalidate(): void {
    this.cache.invalidate();
  }

  /** A result was registered: what was prepared before may have read another value. */
  registered(): void {
    this.lookahead.stale();
  }

  /** A new list of tasks (the handlers): units are numbered per list. */
  clear(): void {
    this.cache.clear();
    this.lookahead.clear();
  }

  /** Probe output for a unit: from the batch when still valid, else a new batch from here on. */
  async probe(turn: Turn, prep: Prepared, exec: Executor): Promise<ProbeOutput> {
    if (prep.script === "") return EMPTY_OUTPUT;
    const { at, log } = turn;
    const first = pending(at.key, prep, exec.become(prep.become));
    if (prep.delegate !== undefined) {
      // another host's state: probed there, alone
      const r = await exec.exec(first.section.script, log, { become: first.section.become }, at.task.no_log);
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    }
    const out = this.cache.get(first.id, first.key, log) ?? (await this.batch(turn, first, exec));
    // sudo's refusal in the section: the probe never ran, so its output must not be read as the host's state
    const refused = first.section.become ? sectionRefused(out.stderr, exec.transport.host) : undefined;
    if (refused) throw refused;
    return out;
  }

  /** A new batch: the unit's probe and those of the units prepared ahead of it. */
  private async batch({ at, log }: Turn, first: Pending, exec: Executor): Promise<ProbeOutput> {
    const batch: Pending[] = [first];
    await this.lookahead.collect(at.item(at.itemIndex + 1), batch);
    if (this.speculation) this.speculation(await this.aheadOfFacts(at, batch));
    return this.cache.run(batch, (script) => exec.exec(script, log, {}, at.task.no_log));
  }

  /**
   * What of a batch built from the last run's facts may go with the facts command: nothing for a
   * no_log task (-v shows that batch, and a later task may record it), and no read-only probe on from
   * the first that read a fact or a result registered ahead of the facts (fresh ones may skip or
   * change it: it would have run).
   */
  private async aheadOfFacts(at: Cursor, batch: Pending[]): Promise<Pending[]> {
    if (at.task.no_log) return [];
    let watched = batch;
    // the first unit was prepared unwatched: a read-only one again, its reads watched
    if (batch[0]!.runsTask) {
      watched = [];
      await this.lookahead.collect(at, watched);
    }
    const stale = this.vars.fromHost();
    const cut = watched.findIndex((p) => p.runsTask && (!p.reads || [...p.reads].some((r) => stale.has(r))));
    return cut < 0 ? watched : watched.slice(0, cut);
  }
}
