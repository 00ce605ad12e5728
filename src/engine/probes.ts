// Probe results per unit: one exec carries the probes of the following units; a result holds
// until a change may have been made (the epoch moves on).
import type { ProbeOutput } from "../modules/contract.js";
import type { ExecResult } from "../transport/transport.js";
import { batchScript, newMarker, splitBatch, type Section } from "./batch.js";
import type { Prepared } from "./prepare.js";

export interface Pending {
  /** The unit: task index and item index. */
  id: string;
  key: string;
  section: Section;
}

/** What a probe result was made for: the same args, become and environment give the same probe. */
export function probeKey(prep: Prepared): string {
  return JSON.stringify([prep.args, prep.become, prep.env, prep.runsTask]);
}

export class ProbeCache {
  private epoch = 0;
  private readonly outputs = new Map<string, { key: string; epoch: number; output: ProbeOutput }>();

  /** A change may have been made: results probed before are stale. */
  invalidate(): void {
    this.epoch++;
  }

  clear(): void {
    this.outputs.clear();
  }

  get(id: string, key: string): ProbeOutput | undefined {
    const hit = this.outputs.get(id);
    return hit && hit.key === key && hit.epoch === this.epoch ? hit.output : undefined;
  }

  /** Run the probes in one exec; returns the first one's output, keeps the others for their turn. */
  async run(batch: Pending[], exec: (script: string) => Promise<ExecResult>): Promise<ProbeOutput> {
    const marker = newMarker();
    const r = await exec(batchScript(batch.map((p) => p.section), marker));
    const outs = splitBatch(batch.length, marker, r.stdout, r.stderr);
    batch.forEach((p, i) => this.outputs.set(p.id, { key: p.key, epoch: this.epoch, output: outs[i]! }));
    return outs[0]!;
  }
}
