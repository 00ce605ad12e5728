// A host's tasks run ahead of its facts, from the facts the last run learned, up to the first probe
// batch: that batch goes out with the facts command. Nothing of the run ahead reaches a host, the
// output or the audit log; whatever would (a change, another host, a lock, run_once) ends it with no batch.
import type { Task } from "../load/model.js";
import type { Transport } from "../transport/transport.js";
import { HostRunner, type HostEnv } from "./host.js";
import type { Pending } from "./probes.js";

/** The probe batch the tasks would send first, were the host's facts `env.facts`; [] when they would do anything else first. */
export async function firstBatch(env: HostEnv, tasks: Task[]): Promise<Pending[]> {
  const stop = new AbortController();
  let found: Pending[] = [];
  // the runner sees its signal aborted and stops, as when interrupted
  const end = (): never => {
    stop.abort();
    throw new Error("the run ahead of the facts ends here");
  };
  const transport: Transport = { host: env.transport.host, exec: end, put: end, get: end, stats: () => env.transport.stats(), close: async () => {} };
  const runner = new HostRunner({
    ...env,
    transport,
    verbose: false,
    recorder: { record: () => {}, show: () => {} },
    emit: () => {},
    signal: stop.signal,
    delegate: end,
    lockHost: end,
    once: { run: end },
    fleet: { ...env.fleet, facts: end, exec: end, put: end },
    seed: undefined,
    speculation: {
      batch: (batch) => {
        found = batch;
        return end();
      },
    },
  });
  try {
    await runner.run(tasks);
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  }
  return found;
}
