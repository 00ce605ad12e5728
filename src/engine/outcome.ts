// Outcomes: from an error, of a whole loop, and as `register` holds them.
import { ArmgoError, position, TaskError } from "../errors.js";
import type { Task } from "../load/model.js";
import { ExprError, UndefinedError } from "../template/expr.js";
import type { Outcome } from "./types.js";

/** Errors that mean "this task failed"; anything else is a bug in armgo and must surface (exit 1). */
export function isTaskFailure(e: unknown): e is Error {
  return e instanceof ArmgoError || e instanceof ExprError;
}

/** A task failure as an outcome; a bug is rethrown. */
export function failure(task: Task, e: unknown): Outcome {
  if (!isTaskFailure(e)) throw e;
  if (e instanceof UndefinedError) {
    return {
      status: "failed",
      changed: false,
      msg: `undefined variable '${e.variable}' in task '${task.name}' (${position(task.where)})`,
      data: {},
    };
  }
  if (e instanceof ArmgoError)
    return { status: "failed", changed: false, msg: e.oneLine(), data: e instanceof TaskError ? e.data : {} };
  return { status: "failed", changed: false, msg: e.message, data: {} };
}

/** A loop registers every item's result, and its status is the worst of them. */
export function loopOutcome(items: unknown[], outcomes: Outcome[]): Outcome {
  const failed = outcomes.find((o) => o.status === "failed");
  const changed = outcomes.some((o) => o.changed);
  return {
    status: failed ? "failed" : changed ? "changed" : outcomes.every((o) => o.status === "skipped") ? "skipped" : "ok",
    changed,
    msg: failed?.msg ?? `${outcomes.length} items`,
    data: {
      results: outcomes.map((o, i) => ({
        item: items[i],
        status: o.status,
        changed: o.changed,
        msg: o.msg,
        ...o.data,
      })),
    },
  };
}

export function registerValue(o: Outcome): Record<string, unknown> {
  return {
    ...o.data,
    status: o.status,
    changed: o.changed,
    failed: o.status === "failed",
    skipped: o.status === "skipped",
    msg: o.msg,
  };
}
