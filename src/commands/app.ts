// What `armgo releases` and `armgo rollback` share: the app named on the command line, checked with
// the deploy module's own schema, and its one task in a play built in memory.
import { InputError } from "../errors.js";
import { loadBuilt, type Loaded } from "../load/run.js";
import { applyBecomeFlags, type BecomeFlags } from "../load/become.js";
import type { InventorySources } from "../load/inventory.js";
import type { Play, Task } from "../load/model.js";
import { schemaProblems } from "../load/schema.js";

export interface AppOptions extends BecomeFlags {
  inventory: InventorySources;
  app: string;
  /** Default /opt/<app>, as the deploy module's. */
  appDir?: string;
  limit?: string;
  /** Told the inventory's warnings (vars armgo ignores) once it is loaded, as play and facts are. */
  onWarnings?: (lines: string[]) => void;
}

/** The deploy task's args for `rollback`; InputError (exit 5, nothing contacted) when deploy would refuse them. */
export function deployArgs(
  o: AppOptions,
  rollback: true | string,
): { app: string; app_dir?: string; rollback: true | string } {
  const args = { app: o.app, ...(o.appDir !== undefined ? { app_dir: o.appDir } : {}), rollback };
  const problems = schemaProblems("modules/deploy.json", args, { root: "deploy" });
  const flag: Record<string, string> = { app: "--app", app_dir: "--app-dir", rollback: "--to" };
  if (problems.length) {
    const what = problems.map((p) => `${flag[String(p.at[0])] ?? "deploy"}: ${p.message}`).join("; ");
    throw new InputError(what, {
      hint: "--app names the deploy task's app, --app-dir is an absolute path, --to a sha prefix of 4 to 12 hex digits",
    });
  }
  return args;
}

/** One play of one task over all the inventory's hosts (after --limit). */
export function appRun(
  o: AppOptions,
  source: string,
  play: Pick<Play, "name" | "serial" | "max_fail_percentage" | "gather_facts"> & Partial<Pick<Play, "become">>,
  task: Pick<Task, "name" | "module" | "args"> & Partial<Task>,
): Loaded {
  const where = { file: source };
  const t: Task = { tags: [], notify: [], ignore_errors: false, no_log: false, where, ...task };
  const built: Play = { hosts: "all", vars: {}, become: false, tags: [], handlers: [], where, ...play, tasks: [t] };
  const loaded = loadBuilt(o, source, [applyBecomeFlags(built, play.become !== undefined, o)]);
  o.onWarnings?.(loaded.inventory.warnings ?? []);
  return loaded;
}
