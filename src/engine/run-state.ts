// What a run holds while it goes: its id, recap, connections, audit logs, secrets, host locks and
// the hosts out of it; each part in its own file, put together here, and a host's parts given back when it is done.
import { randomUUID } from "node:crypto";
import pLimit from "p-limit";
import { auditDir } from "../audit/log.js";
import type { Loaded } from "../load/run.js";
import { AuditLogs } from "./audit-logs.js";
import { Connections } from "./connections.js";
import { createController } from "./controller.js";
import { DeployedTracker } from "./deployed.js";
import { HostLocks } from "./host-locks.js";
import { Recorder } from "./record.js";
import { RunSecrets } from "./secrets.js";
import { emptyRecap, type HostRecap, type Recap, type RunEvent, type RunOptions } from "./types.js";

export class Run {
  readonly id = randomUUID();
  readonly recap: Recap = {};
  readonly controller: ReturnType<typeof createController>;
  /** Hosts out of the run: failed or unreachable hosts take no part in later plays, as in Ansible. */
  readonly out = new Set<string>();
  readonly limit: ReturnType<typeof pLimit>;
  readonly deployed: DeployedTracker;
  readonly forks: number;
  readonly secrets: RunSecrets;
  readonly conns: Connections;
  readonly audits: AuditLogs;
  readonly locks: HostLocks;

  constructor(
    readonly opts: RunOptions,
    readonly loaded: Loaded,
  ) {
    this.controller = createController(undefined, opts.signal);
    this.deployed = new DeployedTracker([...loaded.inventory.hosts.keys()]);
    this.forks = Math.max(1, opts.forks ?? 10);
    this.limit = pLimit(this.forks);
    this.secrets = new RunSecrets(loaded, opts.extraVars);
    this.conns = new Connections(loaded, opts, this.controller);
    this.audits = new AuditLogs(
      auditDir(opts.auditDir),
      { runId: this.id, playbook: loaded.playbook, check: Boolean(opts.check) },
      this.secrets,
    );
    this.locks = new HostLocks((host) => this.conns.transport(host), { run: this.id, onNotice: opts.onNotice });
    // Ctrl-C: the commands in flight are stopped on their hosts; the hosts' runs end as they return,
    // and the locks are released (close) only after that
    opts.signal?.addEventListener("abort", () => void this.conns.interrupt(), { once: true });
  }

  emit(e: RunEvent): void {
    if (e.type === "task_result") this.deployed.note(e.result);
    this.opts.onEvent?.(e);
  }

  /** A host's events, its secrets masked: what -v and the task lines show reaches terminals and CI logs. */
  emitFor(host: string): (e: RunEvent) => void {
    const secrets = this.secrets.of(host);
    return (e) => this.emit(secrets.scrub(e));
  }

  recapOf(host: string): HostRecap {
    return (this.recap[host] ??= emptyRecap());
  }

  recorder(host: string): Recorder {
    return new Recorder({
      runId: this.id,
      audit: this.audits.of(host),
      recap: this.recapOf(host),
      emit: this.emitFor(host),
    });
  }

  /** The host has no play left: its lock, connection, audit log and secrets are given back now, not at the run's end. */
  async release(host: string): Promise<void> {
    // an interrupted run ends every log as interrupted, in close()
    if (this.opts.signal?.aborted) return;
    // its log ended first, in the turn of its last record: they share one audit lock (audit/log.ts)
    this.audits.end(host, false, this.recapOf(host));
    await this.locks.releaseHost(host);
    await this.conns.release(host);
    this.secrets.forget(host);
  }

  /** Ends every host's log; returns each log's new head (the run_end record's hash). */
  async close(interrupted: boolean): Promise<Record<string, string>> {
    await this.locks.release();
    await this.conns.close();
    return this.audits.close(interrupted, (host) => this.recapOf(host));
  }
}
