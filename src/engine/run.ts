// A whole run: plays in order, hosts in parallel under --forks, one connection per host throughout.
import { loadRun, type Loaded } from "../load/run.js";
import type { Inventory, Play } from "../load/model.js";
import { selectHosts } from "../load/select.js";
import type { TaskRun } from "./host-env.js";
import { checkRoutes } from "./connection.js";
import { runHost } from "./host-run.js";
import { playOrder } from "./order.js";
import { RunOnce } from "./run-once.js";
import { Run } from "./run-state.js";
import { batches, overFailLimit } from "./serial.js";
import { inShard } from "./shard.js";
import type { RunOptions, RunResult } from "./types.js";

/** The hosts a play runs on, in inventory order, after --limit, an explicit host set and --shard. */
export function playHosts(
  inv: Inventory,
  play: Play,
  opts: Pick<RunOptions, "limit" | "hosts" | "shard"> = {},
): string[] {
  const allowed = opts.limit ? new Set(selectHosts(inv, opts.limit)) : undefined;
  const only = opts.hosts ? new Set(opts.hosts) : undefined;
  return selectHosts(inv, play.hosts).filter(
    (h) => (!allowed || allowed.has(h)) && (!only || only.has(h)) && (!opts.shard || inShard(h, opts.shard)),
  );
}

/** One play on its hosts, batch by batch (serial); false when the rollout stops here. `last`: hosts with no later play. */
async function runPlay(run: Run, play: Play, last: Set<string>): Promise<boolean> {
  const { opts } = run;
  const hosts = playHosts(run.loaded.inventory, play, opts).filter((h) => !run.out.has(h));
  if (hosts.length === 0) {
    run.emit({ type: "play_skip", play: play.name, reason: "no hosts matched" });
    return true;
  }
  const order = playOrder(play, opts);
  run.emit({ type: "play_start", play: play.name, hosts, check: Boolean(opts.check), tasks: order.names });
  let stop = false;
  const started: string[] = [];
  let failed = 0;
  for (const batch of batches(hosts, play.serial)) {
    const once = new RunOnce<TaskRun>(batch);
    started.push(...batch);
    run.emit({ type: "batch_start", play: play.name, hosts: batch, forks: Math.min(run.forks, batch.length) });
    // a host done with the run gives its state back inside its fork slot: open files stay bounded by --forks
    const oks = await Promise.all(
      batch.map((h) =>
        run.limit(async () => {
          const ok = await runHost(run, play, order, h, once);
          if (last.has(h) || run.out.has(h)) await run.release(h);
          return ok;
        }),
      ),
    );
    const batchFailed = oks.filter((ok) => !ok).length;
    failed += batchFailed;
    if (opts.signal?.aborted) break;
    // a whole failed batch, or the play so far over max_fail_percentage, stops the rollout
    if (
      overFailLimit(failed, started.length, play.max_fail_percentage) ||
      (play.serial.length > 0 && batchFailed === batch.length)
    ) {
      stop = true;
      break;
    }
  }
  run.deployed.endPlay(started, hosts.slice(started.length));
  return !stop && !opts.signal?.aborted;
}

/** For each play, the hosts it is the last play of. */
function lastPlayOf(loaded: Loaded, opts: RunOptions): Map<Play, Set<string>> {
  const last = new Map<string, Play>();
  for (const play of loaded.playbook.plays) for (const h of playHosts(loaded.inventory, play, opts)) last.set(h, play);
  const byPlay = new Map<Play, Set<string>>();
  for (const [h, play] of last) byPlay.set(play, (byPlay.get(play) ?? new Set()).add(h));
  return byPlay;
}

/**
 * Run a playbook against an inventory, loaded from opts' files or built in memory (tasks then carry
 * a synthetic `where`). Input errors throw InputError before any host is contacted.
 */
export async function runPlaybook(opts: RunOptions, loaded: Loaded = loadRun(opts)): Promise<RunResult> {
  if (!opts.connect)
    checkRoutes(
      loaded.inventory,
      loaded.playbook.plays.flatMap((p) => playHosts(loaded.inventory, p, opts)),
      opts,
    );
  const run = new Run(opts, loaded);
  let heads: Record<string, string> = {};
  for (const text of loaded.playbook.warnings ?? []) run.emit({ type: "warning", text });
  const lastPlays = lastPlayOf(loaded, opts);
  // every targeted host is in the recap, also one a stopped rollout never reached
  const targeted = new Set([...lastPlays.values()].flatMap((hosts) => [...hosts]));
  const order = [...loaded.inventory.hosts.keys()].filter((h) => targeted.has(h));
  for (const h of order) run.recapOf(h);
  run.audits.begin(order);
  try {
    for (const play of loaded.playbook.plays) {
      if (!(await runPlay(run, play, lastPlays.get(play) ?? new Set()))) break;
    }
  } finally {
    heads = await run.close(Boolean(opts.signal?.aborted));
  }
  const deployed = run.deployed.summary();
  run.emit({ type: "recap", recap: run.recap, ...(deployed ? { deployed } : {}) });
  const stats = await run.conns.stats();
  return {
    recap: run.recap,
    ...(deployed ? { deployed } : {}),
    interrupted: Boolean(opts.signal?.aborted),
    runId: run.id,
    stats,
    auditHeads: heads,
  };
}
