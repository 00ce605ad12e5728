// changed_when, failed_when and until: conditions on the result, as `register` will hold it.
import type { Task } from "../load/model.js";
import { test } from "../template/expr.js";
import { failure, registerValue } from "./outcome.js";
import type { Outcome } from "./types.js";

/** Vars for a condition: the host's vars plus `extra` (the result under `result` and the register name). */
export type VarsWith = (extra: Record<string, unknown>) => Record<string, unknown>;

function resultVars(task: Task, o: Outcome, vars: VarsWith): Record<string, unknown> {
  const result = registerValue(o);
  return vars({ result, ...(task.register ? { [task.register]: result } : {}) });
}

export function judge(task: Task, o: Outcome, vars: VarsWith): Outcome {
  if (task.changed_when === undefined && task.failed_when === undefined) return o;
  const v = resultVars(task, o, vars);
  try {
    const changed = task.changed_when === undefined ? o.changed : test(task.changed_when, v);
    const failed = task.failed_when === undefined ? o.status === "failed" : test(task.failed_when, v);
    const status = failed ? "failed" : changed ? "changed" : "ok";
    const msg = failed && o.status !== "failed" ? `failed_when: ${String(task.failed_when)}` : o.msg;
    return { ...o, status, changed: changed && !failed, msg };
  } catch (e) {
    return failure(task, e);
  }
}

/** `until` against the judged result; a condition that cannot be evaluated ends the retries. */
export function untilHolds(task: Task, o: Outcome, vars: VarsWith): boolean {
  return test(task.until, resultVars(task, o, vars));
}
