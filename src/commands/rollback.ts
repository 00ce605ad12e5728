// `armgo rollback`: an app back to its last good release (or the one named) on every host, through
// the deploy module itself (its switch, restart, health check and manifest), under the run lock.
import type { RunEvent, RunResult } from "../engine/types.js";
import { type AppOptions, appRun, deployArgs } from "./app.js";
import { play, type PlayOptions } from "./play.js";
import { ROLLBACK_SERIAL } from "./rollback-serial.js";

export interface RollbackOptions extends AppOptions, Omit<PlayOptions, "playbook" | "inventory" | "limit"> {
  /** A sha prefix of a release kept on the hosts; default the last good release other than current. */
  to?: string;
}

export async function rollback(opts: RollbackOptions): Promise<RunResult> {
  const args = deployArgs(opts, opts.to ?? true);
  const command = `armgo rollback --app ${opts.app}${opts.to ? ` --to ${opts.to}` : ""}`;
  const loaded = appRun(
    opts,
    command,
    {
      name: `roll ${opts.app} back${opts.to ? ` to ${opts.to}` : ""}`,
      serial: ROLLBACK_SERIAL,
      max_fail_percentage: 0,
      gather_facts: true,
    },
    {
      name: opts.to ? `switch ${opts.app} to ${opts.to}` : `switch ${opts.app} to its last good release`,
      module: "deploy",
      args,
    },
  );
  const onEvent = opts.onEvent && ((e: RunEvent) => opts.onEvent!(withToHint(e)));
  return play({ ...opts, onEvent, lock: { ...opts.lock, command } }, loaded);
}

/** A host with no release to go back to: the deploy module lists what it has, this command says how to name one. */
function withToHint(e: RunEvent): RunEvent {
  if (e.type !== "task_result" || e.result.status !== "failed" || e.result.data?.rollback_candidates === undefined)
    return e;
  return { ...e, result: { ...e.result, msg: `${e.result.msg} — name one with --to SHA (armgo releases lists them)` } };
}
