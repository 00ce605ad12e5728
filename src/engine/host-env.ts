// What one host's run of a play reads (inputs: data and controller-side services) apart from what
// it does to the world (effects: the host, other hosts, the output, the audit log, locks, run_once).
// A run ahead of the facts (speculate.ts) gets the inputs and one no-effects value: nothing else.
import type { CommandRecord } from "../audit/log.js";
import type { Secrets } from "../audit/redact.js";
import type { Facts } from "../facts/types.js";
import type { Play, Task } from "../load/model.js";
import type { Controller, Fleet } from "../modules/contract.js";
import type { Transport } from "../transport/transport.js";
import type { Unit } from "./prepare.js";
import type { Seed } from "./probes.js";
import type { Recorder } from "./record.js";
import type { RunOnce } from "./run-once.js";
import type { Outcome, RunEvent } from "./types.js";

export interface HostInputs {
  host: string;
  play: Play;
  facts: Facts;
  /** Inventory vars of the host (groups merged). */
  hostVars: Record<string, unknown>;
  extraVars: Record<string, unknown>;
  check: boolean;
  runId: string;
  verbose: boolean;
  /** Controller-side services (feeds, downloads, a memo): they reach no host. */
  controller: Controller;
  /** The host's secrets, masked in its audit records and events: each task's add to them. */
  secrets: Secrets;
  /** Probes already run with the facts command, for the units whose probe is still the same. */
  seed?: Seed;
  signal?: AbortSignal;
  /** Each task's position in the play's play_start `tasks`. */
  order: ReadonlyMap<Task, number>;
}

export interface HostEffects {
  transport: Transport;
  /** Other inventory hosts, for modules that check against the fleet. */
  fleet: Fleet;
  recorder: Pick<Recorder, "record" | "show">;
  emit: (e: RunEvent) => void;
  /** delegate_to's target: the controller for localhost, else that host's one connection of the run. */
  delegate(name: string): Promise<Transport>;
  /** Shared by the hosts of a batch, for run_once. */
  once: Pick<RunOnce<TaskRun>, "run">;
  /** Take the host's lock before its first change of the run; true when taken just now. */
  lockHost(): Promise<boolean>;
}

/** A task carried out on one host, not yet recorded. */
export interface TaskRun {
  outcome: Outcome;
  log: CommandRecord[];
  started: number;
  /** The unit whose result this is; undefined for a whole loop. */
  unit?: Unit;
  /** Each item was shown as it finished. */
  shown?: boolean;
}
