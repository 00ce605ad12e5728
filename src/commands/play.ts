// `armgo play`: converge hosts to a playbook; also its listings (--syntax-check, --list-hosts, --list-tasks).
import { playHosts, runPlaybook } from "../engine/run.js";
import { loadRun, type Loaded } from "../load/run.js";
import { selectTasks } from "../engine/tags.js";
import type { RunOptions, RunResult } from "../engine/types.js";
import type { LockOptions } from "../lock/run-lock.js";
import { type RunLockOptions, withRunLock } from "./locked.js";

export interface PlayOptions extends RunOptions {
  /** Queue behind another run of this inventory (default), or stop at once; how to tell the user; what the holder is called (default armgo play FILE). */
  lock?: RunLockOptions & Partial<Pick<LockOptions, "command">>;
}

/** Load everything (bad input throws InputError before any host is contacted), then run. */
export async function play(opts: PlayOptions, loaded: Loaded = loadRun(opts)): Promise<RunResult> {
  // A check changes nothing, so it needs no turn; a real run waits for the one before it.
  if (opts.check) return runPlaybook(opts, loaded);
  return withRunLock(opts, loaded, opts.lock?.command ?? `armgo play ${loaded.playbook.file}`, () =>
    runPlaybook(opts, loaded),
  );
}

export interface PlayListing {
  play: string;
  /** After --limit; only when hosts were asked for. */
  hosts?: string[];
  /** After --tags / --skip-tags; only when tasks were asked for. */
  tasks?: Array<{ name: string; module: string; tags: string[] }>;
}

/** What each play would run on and run, contacting nothing. */
export async function listPlay(
  opts: Pick<RunOptions, "playbook" | "inventory" | "limit" | "shard" | "tags" | "skipTags">,
  want: { hosts: boolean; tasks: boolean },
  loaded: Loaded = loadRun(opts),
): Promise<PlayListing[]> {
  return loaded.playbook.plays.map((p) => ({
    play: p.name,
    ...(want.hosts ? { hosts: playHosts(loaded.inventory, p, opts) } : {}),
    ...(want.tasks
      ? {
          tasks: selectTasks(p.tasks, p.tags, opts.tags ?? [], opts.skipTags ?? []).map((t) => ({
            name: t.name,
            module: t.module,
            tags: t.tags,
          })),
        }
      : {}),
  }));
}
