// One host's part in a play: its connection, its facts (with the first probes when the last run's
// facts predict them), then its tasks; an unreachable host is recorded where it stopped.
import { UnreachableError } from "../errors.js";
import type { Facts } from "../facts/types.js";
import type { Play } from "../load/model.js";
import { version } from "../paths.js";
import type { Transport } from "../transport/transport.js";
import { cachedFacts, gather, keepFacts, type Gathered } from "./gather.js";
import { HostRunner } from "./host.js";
import type { HostEffects, HostInputs, TaskRun } from "./host-env.js";
import { FACTS_MODULE, GATHERING_FACTS, type PlayOrder } from "./order.js";
import type { Pending } from "./probes.js";
import type { RunOnce } from "./run-once.js";
import type { Run } from "./run-state.js";
import { firstBatch } from "./speculate.js";

/**
 * The host's facts, with the probes of `batch` in the same exec; recorded as before, and kept for the
 * next run (`cached`: the facts kept by the last run of this version).
 */
async function gatherFacts(
  run: Run,
  host: string,
  play: Play,
  transport: Transport,
  cached: Facts | undefined,
  batch: Pending[],
): Promise<Gathered> {
  const t0 = Date.now();
  const gathered = await gather(transport, batch);
  const { facts } = gathered;
  run.recorder(host).record(
    {
      host,
      play: play.name,
      task: GATHERING_FACTS,
      module: FACTS_MODULE,
      status: "ok",
      changed: false,
      msg: `${facts.arch} (${facts.goarch}), ${facts.os.pretty_name || facts.os.id}, ${facts.libc.kind} ${facts.libc.version}`,
      data: { facts },
      duration_ms: Date.now() - t0,
      task_index: 0,
    },
    [{ script: "(facts)", code: gathered.code, duration_ms: gathered.durationMs }],
  );
  const { seed, probed } = gathered;
  if (run.opts.verbose && seed && probed)
    run.emitFor(host)({
      type: "command",
      command: {
        host,
        script: seed.command.script,
        code: seed.command.code,
        ...probed,
        duration_ms: seed.command.duration_ms,
      },
    });
  // facts that failed or came back empty would only predict the wrong probes
  if (gathered.code === 0 && facts.arch)
    keepFacts(run.audits.dir, host, version, run.secrets.of(host).scrub(facts), cached);
  return gathered;
}

const NO_FACTS: Facts = {
  arch: "",
  goarch: "",
  goos: "linux",
  os: { id: "", version_id: "", pretty_name: "" },
  libc: { kind: "unknown", version: "" },
  shell: "/bin/sh",
  home: "",
  user: "",
  uid: -1,
  tools: {},
  go_version: null,
  hostname: "",
};

export async function runHost(
  run: Run,
  play: Play,
  order: PlayOrder,
  host: string,
  once: RunOnce<TaskRun>,
): Promise<boolean> {
  if (run.opts.signal?.aborted) return false;
  // every host of a play appears in the recap, even one that ran no task
  run.recapOf(host);
  const started = Date.now();
  try {
    const transport = await run.conns.transport(host);
    const { tasks } = order;
    const inputs = (facts: Facts, seed?: HostInputs["seed"]): HostInputs => ({
      host,
      play,
      facts,
      seed,
      hostVars: run.loaded.inventory.hosts.get(host)!.vars,
      extraVars: run.opts.extraVars ?? {},
      check: Boolean(run.opts.check),
      runId: run.id,
      verbose: Boolean(run.opts.verbose),
      controller: run.controller,
      signal: run.opts.signal,
      secrets: run.secrets.of(host),
      order: order.index,
    });
    let gathered: Pick<Gathered, "facts" | "seed"> = { facts: NO_FACTS };
    if (play.gather_facts) {
      const cached = cachedFacts(run.audits.dir, host, version);
      gathered = await gatherFacts(
        run,
        host,
        play,
        transport,
        cached,
        cached ? await firstBatch(inputs(cached), tasks) : [],
      );
    }
    const effects: HostEffects = {
      transport,
      fleet: run.conns.fleet,
      recorder: run.recorder(host),
      emit: run.emitFor(host),
      delegate: (name) => run.conns.delegate(name),
      lockHost: () => run.locks.take(host),
      once,
    };
    const ok = await new HostRunner(inputs(gathered.facts, gathered.seed), effects).run(tasks);
    if (!ok) run.out.add(host);
    return ok;
  } catch (e) {
    if (!(e instanceof UnreachableError)) throw e;
    run.out.add(host);
    // shown where the host stopped: before its first task
    const result = {
      host,
      play: play.name,
      task: "connect",
      module: "ssh",
      status: "unreachable" as const,
      changed: false,
      msg: e.oneLine(),
      duration_ms: Date.now() - started,
      task_index: 0,
    };
    run.recorder(host).record(result, []);
    return false;
  } finally {
    once.leave(host);
    run.emit({ type: "host_done", host, play: play.name });
  }
}
