// `armgo audit`: the task records of every host's log, filtered and merged into one timeline.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { auditPath, readAudit, type TaskRecord } from "./log.js";

export interface AuditQuery {
  /** Inventory names; none = every log in the directory. */
  hosts?: string[];
  since?: Date;
  run?: string;
  changed?: boolean;
  failed?: boolean;
}

export type TimelineEntry = Pick<
  TaskRecord,
  "host" | "run_id" | "play" | "task" | "module" | "status" | "changed" | "msg"
> & { ts: string };

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

export function timeline(dir: string, q: AuditQuery = {}): TimelineEntry[] {
  const since = q.since?.toISOString();
  const out: TimelineEntry[] = [];
  for (const path of auditFiles(dir, q.hosts)) {
    for (const r of readAudit(path)) {
      if (r.type !== "task" || !r.ts) continue;
      if ((since && r.ts < since) || (q.run && r.run_id !== q.run)) continue;
      if ((q.changed && !r.changed) || (q.failed && r.status !== "failed" && r.status !== "unreachable")) continue;
      const { ts, host, run_id, play, task, module, status, changed, msg } = r;
      out.push({ ts, host, run_id, play, task, module, status, changed, msg });
    }
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
