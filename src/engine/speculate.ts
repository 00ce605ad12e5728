// A host's tasks run ahead of its facts, from the facts the last run learned, up to the first probe
// batch: that batch goes out with the facts command. Nothing of the run ahead reaches a host, the
// output or the audit log: it holds no effect, only `noEffects`, which drops what would be shown or
// recorded and ends the run with no batch at anything else (a change, another host, a lock, run_once).
import type { Task } from "../load/model.js";
import { HostRunner } from "./host.js";
import type { HostEffects, HostInputs } from "./host-env.js";
import type { Pending } from "./probes.js";

/**
 * No effect: output is dropped, any other effect ends the run ahead. A new effect of HostEffects
 * must be stubbed here to compile.
 */
export function noEffects(host: string, end: () => never): HostEffects {
  return {
    transport: {
      host,
      exec: end,
      put: end,
      get: end,
      interrupt: end,
      stats: () => ({ connections: 0, execs: 0, bytesSent: 0 }),
      close: async () => {},
    },
    fleet: { hosts: end, facts: end, exec: end, put: end },
    recorder: { record: () => {}, show: () => {} },
    emit: () => {},
    delegate: end,
    once: { run: end },
    lockHost: end,
  };
}

/**
 * The probe batch the tasks would send first, were the host's facts `inputs.facts`; [] when they
 * would do anything else first.
 */
export async function firstBatch(inputs: HostInputs, tasks: Task[]): Promise<Pending[]> {
  const stop = new AbortController();
  let found: Pending[] = [];
  // the runner sees its signal aborted and stops, as when interrupted
  const end = (): never => {
    stop.abort();
    throw new Error("the run ahead of the facts ends here");
  };
  const ahead: HostInputs = { ...inputs, verbose: false, signal: stop.signal, seed: undefined };
  const runner = new HostRunner(ahead, noEffects(inputs.host, end), (batch) => {
    found = batch;
    return end();
  });
  try {
    await runner.run(tasks);
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  }
  return found;
}
