// `armgo audit` and `armgo audit verify`: read the per-host logs a run wrote, never the hosts.
import { auditDir } from "../audit/log.js";
import { auditFiles, parseSince, timeline, type TimelineEntry } from "../audit/query.js";
import { verifyLog, type Verdict } from "../audit/verify.js";

export interface AuditOptions {
  auditDir?: string;
  hosts?: string[];
  since?: string;
  run?: string;
  changed?: boolean;
  failed?: boolean;
}

export async function auditTimeline(opts: AuditOptions): Promise<TimelineEntry[]> {
  return timeline(auditDir(opts.auditDir), {
    hosts: opts.hosts,
    since: opts.since === undefined ? undefined : parseSince(opts.since),
    run: opts.run,
    changed: opts.changed,
    failed: opts.failed,
  });
}

export interface VerifyOptions {
  auditDir?: string;
  hosts?: string[];
  /** A head saved elsewhere (from `play --json`): catches a log cut back to an earlier record. */
  head?: string;
}

export async function auditVerify(opts: VerifyOptions): Promise<Verdict[]> {
  return auditFiles(auditDir(opts.auditDir), opts.hosts).map((path) => verifyLog(path, { head: opts.head }));
}
