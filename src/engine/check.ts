// Check mode per task, as in Ansible: `check_mode` on the task wins over --check.
import type { Task } from "../load/model.js";
import type { Outcome } from "./types.js";

export class CheckMode {
  /** An earlier task in check mode would have changed the host, so later failures may be artefacts. */
  private pending = false;

  constructor(private readonly runCheck: boolean) {}

  of(task: Task): boolean {
    return task.check_mode ?? this.runCheck;
  }

  /** A failure after a would-be change is not judged, even in a task that runs for real: that change was never made. */
  settle(check: boolean, o: Outcome): Outcome {
    if (o.status === "failed" && this.pending) {
      return {
        ...o,
        status: "skipped",
        uncertain: true,
        msg: `not judged under --check: an earlier task would change this host first (${o.msg})`,
      };
    }
    if (check && o.changed) this.pending = true;
    return o;
  }
}
