// The one place a task's result is recorded: shown (a run event), written to the audit log, counted in the recap.
import type { AuditLog, CommandRecord } from "../audit/log.js";
import { auditedRelease } from "./deployed.js";
import type { HostRecap, HostStatus, RunEvent, TaskResult } from "./types.js";

export interface RecordSink {
  runId: string;
  audit: AuditLog;
  recap: HostRecap;
  emit(e: RunEvent): void;
}

/** The recap counter each status bumps; a changed task also counts as ok, as in Ansible. */
const COUNTERS: Record<HostStatus, Array<keyof HostRecap>> = {
  ok: ["ok"],
  changed: ["changed", "ok"],
  skipped: ["skipped"],
  failed: ["failed"],
  unreachable: ["unreachable"],
};

export class Recorder {
  constructor(private readonly sink: RecordSink) {}

  /** Shown only: one item of a loop, whose task is recorded once when the loop ends. */
  show(result: TaskResult): void {
    this.sink.emit({ type: "task_result", result });
  }

  /** A task's result: shown (unless its items were), audited with the commands it ran, counted. */
  record(result: TaskResult, commands: CommandRecord[], opts: { shown?: boolean; ignored?: boolean } = {}): void {
    if (!opts.shown) this.show(result);
    const release = auditedRelease(result.data);
    this.sink.audit.write({
      type: "task",
      run_id: this.sink.runId,
      host: result.host,
      play: result.play,
      task: result.task,
      module: result.module,
      status: result.status,
      changed: result.changed,
      msg: result.msg,
      ...(result.diff
        ? { diff: `${result.diff.beforeHeader ?? "before"} -> ${result.diff.afterHeader ?? "after"}` }
        : {}),
      commands,
      duration_ms: result.duration_ms,
      ...(release ? { release } : {}),
    });
    const counters = result.status === "failed" && opts.ignored ? (["ignored"] as const) : COUNTERS[result.status];
    for (const c of counters) this.sink.recap[c]++;
  }
}
