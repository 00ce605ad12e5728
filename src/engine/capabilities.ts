// What the engine makes of a module's capabilities for a task: the engine owns changed_when and
// check_mode, so it, not the module, decides when a capability is used.
import type { Task } from "../load/model.js";
import type { Module, Plan } from "../modules/contract.js";

/** Ansible's rule: only a task that declares no change and opts out of check mode may run while probing. */
export function probeRunsTask(
  module: Pick<Module, "capabilities">,
  task: Pick<Task, "changed_when" | "check_mode">,
): boolean {
  return Boolean(module.capabilities?.probeRunsTask) && task.changed_when === false && task.check_mode === false;
}

/** The plan would change the host: it has steps, and they are not a checks-only module's checks. */
export function changes(module: Pick<Module, "capabilities">, plan: Pick<Plan, "steps">): boolean {
  return plan.steps.length > 0 && !module.capabilities?.checksOnly;
}

/** A checks-only module's checks, carried out under --check too; never a change. */
export function checks(module: Pick<Module, "capabilities">, plan: Pick<Plan, "steps">): boolean {
  return plan.steps.length > 0 && Boolean(module.capabilities?.checksOnly);
}
