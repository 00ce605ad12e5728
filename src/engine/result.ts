// A task's result as the renderer and the audit log see it: no_log hides its output.
import type { Task } from "../load/model.js";
import { str } from "../template/python.js";
import { isTemplated, render } from "../template/render.js";
import type { HostInputs } from "./host-env.js";
import type { HostVars } from "./host-vars.js";
import { isTaskFailure } from "./outcome.js";
import type { Unit } from "./prepare.js";
import type { Outcome, TaskResult } from "./types.js";

export function taskResult(
  inputs: Pick<HostInputs, "host" | "play" | "order">,
  vars: HostVars,
  task: Task,
  unit: Unit | undefined,
  o: Outcome,
  started: number,
): TaskResult {
  const hidden = task.no_log;
  return {
    host: inputs.host,
    play: inputs.play.name,
    task: taskName(vars, task),
    module: task.module,
    status: o.status,
    changed: o.changed,
    msg: hidden ? "(output hidden: no_log)" : o.msg,
    diff: hidden ? undefined : o.plan?.diff,
    uncertain: o.uncertain,
    data: hidden ? {} : o.data,
    duration_ms: Date.now() - started,
    ...(unit?.hasItem ? { item: hidden ? "(hidden)" : label(vars, unit) } : {}),
    task_index: inputs.order.get(task),
  };
}

/**
 * The task's name with the host's vars rendered in, as Ansible renders it (play, extra and host vars;
 * a loop's item is not one of them); a name that cannot be rendered is shown as written, as in Ansible.
 */
export function taskName(vars: HostVars, task: Task): string {
  if (!isTemplated(task.name)) return task.name;
  try {
    const v = render(task.name, vars.of(task));
    return typeof v === "string" ? v : str(v);
  } catch (e) {
    if (!isTaskFailure(e)) throw e;
    return task.name;
  }
}

/** loop_control.label: what the output shows for an item. */
function label(vars: HostVars, unit: Unit): unknown {
  if (unit.task.label === undefined) return unit.item;
  try {
    return render(unit.task.label, vars.of(unit.task, unit));
  } catch (e) {
    if (!isTaskFailure(e)) throw e;
    return unit.item;
  }
}
