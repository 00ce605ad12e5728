// Probe results per unit: one exec carries the probes of the following units; a result holds
// until a change may have been made (the epoch moves on).
import type { CommandRecord } from "../audit/log.js";
import type { ProbeOutput } from "../modules/contract.js";
import type { ExecResult } from "../transport/transport.js";
import { batched, type Section } from "./batch.js";
import type { Prepared } from "./prepare.js";

export interface Pending {
  /** The unit: task index and item index. */
  id: string;
  key: string;
  section: Section;
  /** The probe carries out the task itself. */
  runsTask: boolean;
  /** The vars its preparation read, where known. */
  reads?: ReadonlySet<string>;
}

/** A unit's probe as sent; the key is all its output and parse depend on: the script, how it runs, and the args. */
export function pending(id: string, prep: Prepared, become: boolean | string, reads?: ReadonlySet<string>): Pending {
  const section = { script: prep.script, become };
  return { id, key: JSON.stringify([prep.args, prep.runsTask, section]), section, runsTask: prep.runsTask, reads };
}

/** Probes already run (sent with the facts command) and the exec that ran them, recorded with the first task that uses one. */
export interface Seed {
  batch: Pending[];
  outputs: ProbeOutput[];
  command: CommandRecord;
}

export class ProbeCache {
  private epoch = 0;
  private readonly outputs = new Map<string, { key: string; epoch: number; output: ProbeOutput }>();
  private unrecorded: CommandRecord | undefined;

  /** A change may have been made: results probed before are stale. */
  invalidate(): void {
    this.epoch++;
  }

  clear(): void {
    this.outputs.clear();
    this.unrecorded = undefined;
  }

  seed(seed: Seed): void {
    seed.batch.forEach((p, i) => this.outputs.set(p.id, { key: p.key, epoch: this.epoch, output: seed.outputs[i]! }));
    this.unrecorded = seed.command;
  }

  /** The unit's output when probed with this very key since the last change; the seed's exec joins `log` on its first use. */
  get(id: string, key: string, log: CommandRecord[]): ProbeOutput | undefined {
    const hit = this.outputs.get(id);
    if (!hit || hit.key !== key || hit.epoch !== this.epoch) return undefined;
    if (this.unrecorded) log.push(this.unrecorded);
    this.unrecorded = undefined;
    return hit.output;
  }

  /** Run the probes in one exec; returns the first one's output, keeps the others for their turn. */
  async run(batch: Pending[], exec: (script: string) => Promise<ExecResult>): Promise<ProbeOutput> {
    const b = batched(batch.map((p) => p.section));
    const r = await exec(b.script);
    const outs = b.split(r.stdout, r.stderr);
    batch.forEach((p, i) => this.outputs.set(p.id, { key: p.key, epoch: this.epoch, output: outs[i]! }));
    return outs[0]!;
  }
}
