// Per-host audit log: append-only JSONL, one record per task plus run start and end, written as it happens.
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { HostStatus } from "../modules/contract.js";

export interface CommandRecord {
  /** The host that ran it, when the task was delegated to another. */
  host?: string;
  script: string;
  code: number;
  duration_ms: number;
  stderr_tail?: string;
}

export interface RunStartRecord {
  type: "run_start";
  run_id: string;
  host: string;
  controller_user: string;
  armgo_version: string;
  playbook: string;
  playbook_sha256: string;
  check: boolean;
}

export interface TaskRecord {
  type: "task";
  run_id: string;
  host: string;
  play: string;
  task: string;
  module: string;
  status: HostStatus;
  changed: boolean;
  msg: string;
  diff?: string;
  commands: CommandRecord[];
  duration_ms: number;
}

export interface RunEndRecord {
  type: "run_end";
  run_id: string;
  host: string;
  recap?: Record<string, number>;
  interrupted?: boolean;
}

export type AuditRecord = (RunStartRecord | TaskRecord | RunEndRecord) & { ts?: string };

/** File name for a host's log: inventory names are ours, but never let one climb out of the dir. */
export function auditPath(dir: string, host: string): string {
  return join(dir, `${host.replace(/[^A-Za-z0-9._-]/g, "_")}.jsonl`);
}

export class AuditLog {
  private fd: number | undefined;

  constructor(
    readonly path: string,
    private readonly scrub: <T>(v: T) => T,
  ) {}

  static open(dir: string, host: string, scrub: <T>(v: T) => T): AuditLog {
    mkdirSync(dir, { recursive: true });
    return new AuditLog(auditPath(dir, host), scrub);
  }

  write(record: AuditRecord): void {
    // O_APPEND: concurrent runs interleave whole lines, never overwrite each other.
    this.fd ??= openSync(this.path, "a", 0o600);
    writeSync(this.fd, JSON.stringify(this.scrub({ ts: new Date().toISOString(), ...record })) + "\n");
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function readAudit(path: string): AuditRecord[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
}
