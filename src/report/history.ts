// The fleet over time, from the trusted logs within the window: drift found and fixed per day, the
// runs and how long they took, failures, and each app's deploys and rollbacks.
import type { DayRow, DeployEvent, HostTimeline, RunRow, TimelineRow } from "./model.js";
import type { Kept } from "./kept.js";
import { byText, type HostLogs } from "./read.js";

const DAY_MS = 86_400_000;
const day = (ts: string): string => ts.slice(0, 10);

type DayCount = DayRow & { runIds: Set<string>; failedIds: Set<string> };

/** Every UTC day from `since` to `until`, each with its counts, host after host. */
export class Days {
  private readonly out = new Map<string, DayCount>();

  constructor(
    private readonly since: string,
    until: string,
  ) {
    for (let t = Date.parse(day(since)); t <= Date.parse(until); t += DAY_MS) {
      const d = new Date(t).toISOString().slice(0, 10);
      this.out.set(d, {
        day: d,
        drift_found: 0,
        drift_fixed: 0,
        runs: 0,
        failed_runs: 0,
        failures: 0,
        runIds: new Set(),
        failedIds: new Set(),
      });
    }
  }

  add(h: HostLogs): void {
    for (const r of h.records) {
      const row = r.ts && r.ts >= this.since ? this.out.get(day(r.ts)) : undefined;
      if (!row) continue;
      if (r.type === "run_start") row.runIds.add(r.run_id);
      else if (r.type === "drift" && (r.state === "drifted" || r.state === "fixed")) {
        row.drift_found++;
        if (r.state === "fixed") row.drift_fixed++;
      } else if (r.type === "task" && (r.status === "failed" || r.status === "unreachable")) {
        row.failures++;
        row.failedIds.add(r.run_id);
      }
    }
  }

  result(): DayRow[] {
    return [...this.out.values()].map(({ runIds, failedIds, ...row }) => ({
      ...row,
      runs: runIds.size,
      failed_runs: [...failedIds].filter((id) => runIds.has(id)).length,
    }));
  }
}

type RunCount = Omit<RunRow, "kind"> & { check: boolean; end: string; failed: Set<string> };

/** One row per run (a run spans many hosts' logs), oldest first, host after host. */
export class Runs {
  private readonly out = new Map<string, RunCount>();
  /** Check runs a drift record names: the drift's own check. */
  private readonly drifts = new Set<string>();

  constructor(private readonly since: string) {}

  add(h: HostLogs): void {
    for (const r of h.records) {
      if (!r.ts || r.ts < this.since) continue;
      let run = this.out.get(r.run_id);
      if (r.type === "drift") this.drifts.add(r.run_id);
      else if (r.type === "run_start") {
        if (!run)
          this.out.set(
            r.run_id,
            (run = {
              run_id: r.run_id,
              ts: r.ts,
              playbook: r.playbook,
              check: r.check,
              hosts: 0,
              failed_hosts: 0,
              duration_s: 0,
              end: r.ts,
              failed: new Set(),
            }),
          );
        run.hosts++;
        if (r.ts < run.ts) run.ts = r.ts;
      } else if (run) {
        if (r.ts > run.end) run.end = r.ts;
        if (r.type === "task" && (r.status === "failed" || r.status === "unreachable")) run.failed.add(h.host);
      }
    }
    // the records not kept (ok and skipped tasks) still end their runs
    for (const [id, ts] of Object.entries(h.tail)) {
      const run = this.out.get(id);
      if (run && ts >= this.since && ts > run.end) run.end = ts;
    }
  }

  result(): RunRow[] {
    return [...this.out.values()]
      .map(({ end, failed, check, ...run }) => ({
        ...run,
        kind: this.drifts.has(run.run_id) ? ("drift" as const) : check ? ("check" as const) : ("play" as const),
        failed_hosts: failed.size,
        duration_s: (Date.parse(end) - Date.parse(run.ts)) / 1000,
      }))
      .sort((a, b) => byText(a.ts, b.ts));
  }
}

/** Each real task that moved an app's release on the host, or tried to. */
export function deploys(h: HostLogs, since: string): DeployEvent[] {
  const out: DeployEvent[] = [];
  const checks = h.checks;
  const rollbacks = new Set(
    h.records.flatMap((r) => (r.type === "run_start" && r.playbook.startsWith("armgo rollback") ? [r.run_id] : [])),
  );
  for (const r of h.records) {
    if (r.type !== "task" || !r.release || !r.ts || r.ts < since || checks.has(r.run_id)) continue;
    const { app, release, previous, failed, target } = r.release;
    const at = { ts: r.ts, app, host: h.host, release };
    if (r.status === "failed" && failed && failed !== release) out.push({ ...at, kind: "rolled back", other: failed });
    else if (r.status === "failed" && target) out.push({ ...at, kind: "unfinished", other: target });
    else if (r.changed && release !== (previous ?? null))
      out.push({
        ...at,
        kind: rollbacks.has(r.run_id) ? "rollback" : "deployed",
        ...(previous ? { other: previous } : {}),
      });
  }
  return out;
}

/** The newest rows a host's timeline keeps on the page. */
export const TIMELINE_ROWS = 40;

function row(r: Kept, checks: Set<string>): TimelineRow {
  // fields written out, not spread from a shared base: a spread per row was most of the timelines' cost
  const [ts, run_id] = [r.ts ?? "", r.run_id];
  switch (r.type) {
    case "run_start":
      return { ts, run_id, what: "run start", status: r.check ? "check" : "run", check: r.check, msg: r.playbook };
    case "run_end": {
      const recap = Object.entries(r.recap ?? {})
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k}=${n}`)
        .join(" ");
      return {
        ts,
        run_id,
        what: "run end",
        status: r.interrupted ? "interrupted" : "done",
        check: checks.has(r.run_id),
        msg: recap,
      };
    }
    case "drift":
      return {
        ts,
        run_id,
        what: r.fix ? "drift --fix" : "drift",
        status: r.state,
        check: true,
        msg: [...r.drifted.map((t) => `drifted: ${t}`), ...r.remaining.map((t) => `remaining: ${t}`)].join("; "),
      };
    case "task":
      return { ts, run_id, what: r.task, status: r.status, check: checks.has(r.run_id), msg: r.msg };
  }
}

/** Whether the timeline shows a record: an unchanged, successful task is in its run's recap instead. */
const shown = (r: Kept): boolean => r.type !== "task" || (r.status !== "ok" && r.status !== "skipped");

export function timeline(h: HostLogs): HostTimeline {
  const checks = h.checks;
  const rows: TimelineRow[] = [];
  let older = 0;
  // newest first, and only as many as the page keeps built: a year of logs costs little more than a day
  for (let i = h.records.length - 1; i >= 0; i--) {
    const r = h.records[i]!;
    if (!shown(r)) continue;
    if (rows.length < TIMELINE_ROWS) rows.push(row(r, checks));
    else older++;
  }
  return { chain: h.chain, rows, older };
}
