// `armgo audit`: the task records of every host's log, filtered and merged into one timeline.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { auditPath, type DriftRecord, readAudit, type TaskRecord } from "./log.js";

export interface AuditQuery {
  /** Inventory names; none = every log in the directory. */
  hosts?: string[];
  since?: Date;
  run?: string;
  changed?: boolean;
  failed?: boolean;
}

/** A run's end as the timeline shows it: stopped by Ctrl-C, or cut (no run_end: armgo was killed). */
export type RunEndStatus = "interrupted" | "cut";

export type TimelineEntry = Pick<TaskRecord, "host" | "run_id" | "play" | "task" | "module" | "changed" | "msg"> & {
  ts: string;
  status: TaskRecord["status"] | DriftRecord["state"] | RunEndStatus;
  /** A check or drift run's record: its "would …" changed nothing. */
  check: boolean;
};

const RUN_ENDS: Record<RunEndStatus, string> = {
  interrupted:
    "interrupted (SIGINT/SIGTERM): the commands in flight were stopped on the host before the lock was released",
  cut: "no run_end: armgo was killed (SIGKILL) or its machine stopped mid-run, or it still runs; the last task's outcome is unknown — run again to converge",
};

/** The timeline entry of a run that ended badly, at its last record. */
function runEnd(status: RunEndStatus, last: { ts: string; host: string; run_id: string }): TimelineEntry {
  const msg = RUN_ENDS[status];
  return { ...last, play: "", task: `run ${status}`, module: "armgo", status, changed: false, check: false, msg };
}

/** The logs to read: one per named host (which must exist), or all of them. */
export function auditFiles(dir: string, hosts: string[] = []): string[] {
  if (hosts.length === 0) {
    if (!existsSync(dir))
      throw new InputError(`no audit logs in ${dir}`, { hint: "pass --audit-dir where play wrote them" });
    return readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .sort()
      .map((f) => join(dir, f));
  }
  return hosts.map((h) => {
    const path = auditPath(dir, h);
    if (!existsSync(path))
      throw new InputError(`no audit log for ${h} in ${dir}`, { hint: "check the host name and --audit-dir" });
    return path;
  });
}

/** A drift record as the timeline shows it: what the check found, and what a --fix left. */
function driftEntry(r: DriftRecord & { ts: string }): TimelineEntry {
  const found = r.drifted.length ? `drifted: ${r.drifted.join(", ")}` : "";
  const left = r.fix && r.remaining.length ? `; still: ${r.remaining.join(", ")}` : "";
  return {
    ts: r.ts,
    host: r.host,
    run_id: r.run_id,
    play: "",
    task: r.fix ? "drift --fix" : "drift",
    module: "drift",
    status: r.state,
    // the fix run's own task records carry what it changed
    changed: false,
    check: true,
    msg: found + left,
  };
}

function taskEntry(r: TaskRecord & { ts: string }, checks: Set<string>): TimelineEntry {
  const { ts, host, run_id, play, task, module, status, changed, msg } = r;
  return { ts, host, run_id, play, task, module, status, changed, msg, check: checks.has(run_id) };
}

const FAILED = new Set(["failed", "unreachable", "interrupted", "cut"]);

export function timeline(dir: string, q: AuditQuery = {}): TimelineEntry[] {
  const since = q.since?.toISOString();
  const out: TimelineEntry[] = [];
  const wanted = (e: TimelineEntry): boolean =>
    !(since && e.ts < since) &&
    !(q.run && e.run_id !== q.run) &&
    // --changed: what was done; a check's "would …" changed nothing
    !(q.changed && (!e.changed || e.check)) &&
    !(q.failed && !FAILED.has(e.status));
  for (const path of auditFiles(dir, q.hosts)) {
    const checks = new Set<string>();
    // the run whose run_end has not come yet, at its last record
    let open: { ts: string; host: string; run_id: string } | undefined;
    const add = (e: TimelineEntry): void => void (wanted(e) && out.push(e));
    for (const r of readAudit(path)) {
      if (!r.ts || r.type === "genesis") continue;
      if (r.type === "run_start") {
        if (open) add(runEnd("cut", open));
        open = { ts: r.ts, host: r.host, run_id: r.run_id };
        if (r.check) checks.add(r.run_id);
      } else if (r.type === "run_end") {
        if (r.interrupted) add(runEnd("interrupted", { ts: r.ts, host: r.host, run_id: r.run_id }));
        open = undefined;
      } else {
        if (open?.run_id === r.run_id) open.ts = r.ts;
        add(r.type === "drift" ? driftEntry({ ...r, ts: r.ts }) : taskEntry({ ...r, ts: r.ts }, checks));
      }
    }
    if (open) add(runEnd("cut", open));
  }
  // ISO timestamps sort as text; a stable sort keeps each host's own order for equal times.
  return out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 2h` (s, m, h, d ago) or a date Date.parse reads. */
export function parseSince(text: string, now = Date.now()): Date {
  const rel = /^(\d+)([smhd])$/.exec(text.trim());
  if (rel) return new Date(now - Number(rel[1]) * UNITS[rel[2]!]!);
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new InputError(`--since '${text}' is neither a duration like 2h / 30m / 7d nor a date`, {
      hint: "e.g. --since 2h or --since 2026-11-28T10:00",
    });
  return new Date(at);
}
