// Of each audit record, only what the report's views read: a run's start and end, drift verdicts and
// the tasks that changed, failed or named a release. A log's other records (most tasks: ok, skipped)
// leave only their run's latest time.
import type { AuditRecord, DriftRecord, RunEndRecord, RunStartRecord, TaskRecord } from "../audit/log.js";

export type Kept = (
  | Pick<RunStartRecord, "type" | "run_id" | "playbook" | "check">
  | Pick<RunEndRecord, "type" | "run_id" | "recap" | "interrupted">
  | Pick<DriftRecord, "type" | "run_id" | "state" | "drifted" | "remaining" | "fix">
  | Pick<TaskRecord, "type" | "run_id" | "task" | "status" | "changed" | "msg" | "release">
) & { ts?: string };

/** Adds `r` to `kept`, or its time to its run's `tail` when no view reads it. */
export function keep(r: AuditRecord, kept: Kept[], tail: Record<string, string>): void {
  const ts = r.ts;
  switch (r.type) {
    case "run_start":
      kept.push({ type: r.type, ts, run_id: r.run_id, playbook: r.playbook, check: r.check });
      return;
    case "run_end":
      kept.push({ type: r.type, ts, run_id: r.run_id, recap: r.recap, interrupted: r.interrupted });
      return;
    case "drift":
      kept.push({
        type: r.type,
        ts,
        run_id: r.run_id,
        state: r.state,
        drifted: r.drifted,
        remaining: r.remaining,
        fix: r.fix,
      });
      return;
    case "task":
      if (r.release || (r.status !== "ok" && r.status !== "skipped")) {
        const { run_id, task, status, changed, msg, release } = r;
        kept.push({ type: r.type, ts, run_id, task, status, changed, msg, release });
      } else if (ts && !(tail[r.run_id]! >= ts)) tail[r.run_id] = ts;
      return;
    default:
      return;
  }
}
