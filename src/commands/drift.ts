// `armgo drift`: a check-mode run that names, per host, each task out of the wanted state; with
// --fix the drifted hosts get a real run and a second check, which says whether drift remains.
import { AuditLog, auditDir } from "../audit/log.js";
import { FACTS_MODULE } from "../engine/order.js";
import { runPlaybook } from "../engine/run.js";
import { inventorySecrets } from "../engine/secrets.js";
import { type Loaded, loadRun } from "../load/run.js";
import type { RunOptions, RunResult, TaskResult } from "../engine/types.js";
import { type RunLockOptions, withRunLock } from "./locked.js";
import { writeMetrics } from "../metrics/prometheus.js";
import { report as fleetReport } from "./report.js";
import type { Diff } from "../modules/contract.js";
import { version } from "../paths.js";

export interface DriftOptions extends RunOptions {
  fix?: boolean;
  /** Prometheus textfile to write when the run ends. */
  metrics?: string;
  /** The HTML fleet report to rewrite when the run ends (armgo report over this inventory and audit dir). */
  report?: string;
  /** Queue behind another run of this inventory (default), or stop at once; how to tell the user. */
  lock?: RunLockOptions;
}

export interface DriftTask {
  play: string;
  task: string;
  msg: string;
  diff?: Diff;
}

export type HostDriftState = "in_sync" | "drifted" | "fixed" | "failed" | "unreachable";

export interface HostDrift {
  state: HostDriftState;
  /** What the first check found out of the wanted state. */
  drifted: DriftTask[];
  /** What is still out of it at the end (after --fix: what the second check found). */
  remaining: DriftTask[];
  /** Why the host failed or could not be reached. */
  error?: string;
  goVersion?: string;
}

export interface DriftReport {
  hosts: Record<string, HostDrift>;
  /** The check run, and with --fix the fix run and the second check. */
  runIds: string[];
  auditHeads: Record<string, string>;
  interrupted: boolean;
}

/** What one run said per host: its drifted tasks, its failure, the Go version its facts saw. */
interface Seen {
  tasks: Map<string, DriftTask[]>;
  errors: Map<string, { state: "failed" | "unreachable"; msg: string }>;
  go: Map<string, string>;
}

async function observe(opts: RunOptions, loaded: Loaded): Promise<{ result: RunResult; seen: Seen }> {
  const seen: Seen = { tasks: new Map(), errors: new Map(), go: new Map() };
  const note = (r: TaskResult): void => {
    const facts = r.module === FACTS_MODULE ? (r.data?.facts as { go_version?: string | null } | undefined) : undefined;
    // Named as `go version` prints it, as Go's own go_info metric labels it.
    if (facts?.go_version) seen.go.set(r.host, `go${facts.go_version}`);
    if (r.status === "failed" || r.status === "unreachable")
      seen.errors.set(r.host, { state: r.status, msg: `${r.task}: ${r.msg}` });
    // A task that can't know in advance (a command without creates) is not evidence of drift.
    else if (r.changed && !r.uncertain)
      seen.tasks.set(r.host, [
        ...(seen.tasks.get(r.host) ?? []),
        { play: r.play, task: r.task, msg: r.msg, diff: r.diff },
      ]);
  };
  const result = await runPlaybook(
    {
      ...opts,
      onEvent: (e) => {
        if (e.type === "task_result") note(e.result);
        opts.onEvent?.(e);
      },
    },
    loaded,
  );
  return { result, seen };
}

export async function drift(opts: DriftOptions, loaded: Loaded = loadRun(opts)): Promise<DriftReport> {
  return withRunLock(opts, loaded, `armgo drift ${loaded.playbook.file}${opts.fix ? " --fix" : ""}`, () =>
    driftLocked(opts, loaded),
  );
}

async function driftLocked(opts: DriftOptions, loaded: Loaded): Promise<DriftReport> {
  const first = await observe({ ...opts, check: true }, loaded);
  const hosts = Object.keys(first.result.recap);
  const drifted = hosts.filter((h) => first.seen.tasks.has(h) && !first.seen.errors.has(h));
  const runIds = [first.result.runId];
  let last = first;
  let interrupted = first.result.interrupted;
  if (opts.fix && drifted.length > 0 && !interrupted) {
    // the playbook's warnings were shown with the first check
    loaded = { ...loaded, playbook: { ...loaded.playbook, warnings: undefined } };
    // the hosts themselves, not a pattern: a name may hold glob characters or also name a group
    const only = { hosts: drifted };
    const fixed = await observe({ ...opts, check: false, ...only }, loaded);
    runIds.push(fixed.result.runId);
    interrupted = fixed.result.interrupted;
    for (const [h, e] of fixed.seen.errors) first.seen.errors.set(h, e);
    if (!interrupted) {
      last = await observe({ ...opts, check: true, ...only }, loaded);
      runIds.push(last.result.runId);
      interrupted = last.result.interrupted;
      for (const [h, e] of last.seen.errors) first.seen.errors.set(h, e);
    }
  }

  const report: DriftReport = { hosts: {}, runIds, auditHeads: {}, interrupted };
  for (const h of hosts) {
    const error = first.seen.errors.get(h);
    const found = first.seen.tasks.get(h) ?? [];
    const remaining = opts.fix && drifted.includes(h) ? (last.seen.tasks.get(h) ?? []) : found;
    const state: HostDriftState = error
      ? error.state
      : found.length === 0
        ? "in_sync"
        : remaining.length === 0
          ? "fixed"
          : "drifted";
    report.hosts[h] = {
      state,
      drifted: found,
      remaining,
      ...(error ? { error: error.msg } : {}),
      goVersion: last.seen.go.get(h) ?? first.seen.go.get(h),
    };
  }

  // An interrupted drift concluded nothing: the runs' own logs say they were interrupted, and
  // the metrics keep what the last whole drift found rather than a guess.
  if (interrupted) return report;
  // Each host's log gets what drift concluded, chained after the runs' own records.
  const dir = auditDir(opts.auditDir);
  for (const [h, d] of Object.entries(report.hosts)) {
    const secrets = inventorySecrets(loaded.inventory.hosts.get(h)?.vars ?? {}, opts.extraVars);
    const log = AuditLog.open(dir, h, (v) => secrets.scrub(v), version);
    report.auditHeads[h] = log.write({
      type: "drift",
      run_id: runIds[0]!,
      host: h,
      state: d.state,
      drifted: d.drifted.map((t) => t.task),
      remaining: d.remaining.map((t) => t.task),
      fix: Boolean(opts.fix),
    });
    log.close();
  }

  if (opts.metrics) {
    const now = Math.floor(Date.now() / 1000);
    writeMetrics(
      opts.metrics,
      Object.entries(report.hosts).map(([host, d]) => ({
        host,
        driftTasks: d.remaining.length,
        success: d.state !== "failed" && d.state !== "unreachable",
        timestamp: now,
        goVersion: d.goVersion,
      })),
    );
  }
  if (opts.report) await fleetReport({ auditDirs: [dir], inventory: opts.inventory, out: opts.report });
  return report;
}
