// `armgo play`: converge hosts to a playbook; also its listings (--syntax-check, --list-hosts, --list-tasks).
import { loadRun, playHosts, runPlaybook, type Loaded } from "../engine/run.js";
import { selectTasks } from "../engine/tags.js";
import type { RunOptions, RunResult } from "../engine/types.js";

/** Load everything (bad input throws InputError before any host is contacted), then run. */
export async function play(opts: RunOptions, loaded: Loaded = loadRun(opts)): Promise<RunResult> {
  return runPlaybook(opts, loaded);
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
  opts: Pick<RunOptions, "playbook" | "inventory" | "limit" | "tags" | "skipTags">,
  want: { hosts: boolean; tasks: boolean },
  loaded: Loaded = loadRun(opts),
): Promise<PlayListing[]> {
  return loaded.playbook.plays.map((p) => ({
    play: p.name,
    ...(want.hosts ? { hosts: playHosts(loaded.inventory, p, opts.limit) } : {}),
    ...(want.tasks
      ? { tasks: selectTasks(p.tasks, p.tags, opts.tags ?? [], opts.skipTags ?? []).map((t) => ({ name: t.name, module: t.module, tags: t.tags })) }
      : {}),
  }));
}
