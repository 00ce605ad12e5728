// Each host's audit log for a run: begun with run_start for every targeted host before any is contacted, ended with run_end.
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { AuditLog, type RunStartRecord } from "../audit/log.js";
import type { Playbook } from "../load/model.js";
import { version } from "../paths.js";
import type { RunSecrets } from "./secrets.js";
import type { HostRecap } from "./types.js";

export interface RunStart {
  runId: string;
  playbook: Playbook;
  check: boolean;
}

export class AuditLogs {
  private readonly logs = new Map<string, AuditLog>();
  /** Each ended log's head (its run_end record's hash). */
  private readonly heads: Record<string, string> = {};

  constructor(
    readonly dir: string,
    private readonly start: RunStart,
    private readonly secrets: RunSecrets,
  ) {}

  /**
   * run_start on every host the run targets, before the first is contacted: a run killed (SIGKILL)
   * before a host's turn under --forks still leaves that host's log open, which `armgo audit` shows as cut.
   * Each file is closed again, so open files stay bounded by --forks.
   */
  begin(hosts: Iterable<string>): void {
    for (const host of hosts) this.of(host).close();
  }

  /** What every host's run_start says but its name: the same for the whole run, found once. */
  private common?: Omit<RunStartRecord, "host">;

  of(host: string): AuditLog {
    let log = this.logs.get(host);
    if (!log) {
      const secrets = this.secrets.of(host);
      if (!this.common) {
        const { playbook } = this.start;
        this.common = {
          type: "run_start",
          run_id: this.start.runId,
          controller_user: userInfo().username,
          armgo_version: version,
          // a play built in memory (rollback, drift --fix) names its source instead of a file
          playbook: existsSync(playbook.file) ? resolve(playbook.file) : playbook.file,
          playbook_sha256: playbook.sha256,
          check: this.start.check,
        };
      }
      log = AuditLog.open(this.dir, host, (v) => secrets.scrub(v), version);
      const { type, run_id, ...rest } = this.common;
      log.write({ type, run_id, host, ...rest });
      this.logs.set(host, log);
    }
    return log;
  }

  /** Ends the host's log, its file closed: the host has no record left in this run. */
  end(host: string, interrupted: boolean, recap: HostRecap): void {
    const log = this.logs.get(host);
    if (!log) return;
    this.heads[host] = log.write({
      type: "run_end",
      run_id: this.start.runId,
      host,
      ...(interrupted ? { interrupted: true } : {}),
      recap: { ...recap },
    });
    log.close();
    this.logs.delete(host);
  }

  /** Ends every host's log still open; returns each log's new head (the run_end record's hash). */
  close(interrupted: boolean, recap: (host: string) => HostRecap): Record<string, string> {
    for (const host of [...this.logs.keys()]) this.end(host, interrupted, recap(host));
    return this.heads;
  }
}
