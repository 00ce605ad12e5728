// Per-host audit log: append-only JSONL, one record per task plus run start and end, written as it
// happens, each line chained to the one before it by hash (audit/chain.ts).
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import type { HostStatus } from "../modules/contract.js";
import { chainLine, GENESIS_PREV, readChained } from "./chain.js";

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

/** A task that named an app's release (data.deployed): which is current after it, and what it tried. */
export interface AuditedRelease {
  app: string;
  release: string | null;
  /** current before the task */
  previous?: string;
  /** the release found bad and left (its health check or precheck failed) */
  failed?: string;
  /** the release the task set out to make current, when it failed before settling it */
  target?: string;
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
  release?: AuditedRelease;
}

export interface RunEndRecord {
  type: "run_end";
  run_id: string;
  host: string;
  recap?: Record<string, number>;
  interrupted?: boolean;
}

/** The first record of every log: what the chain starts from. */
export interface GenesisRecord {
  type: "genesis";
  host: string;
  armgo_version: string;
}

/** What `armgo drift` concluded for the host, after the check (and with --fix, the fix and re-check). */
export interface DriftRecord {
  type: "drift";
  /** The check run's id. */
  run_id: string;
  host: string;
  state: "in_sync" | "drifted" | "fixed" | "failed" | "unreachable";
  drifted: string[];
  remaining: string[];
  fix: boolean;
}

export type AuditRecord = (GenesisRecord | RunStartRecord | TaskRecord | RunEndRecord | DriftRecord) & {
  ts?: string;
  prev?: string;
  hash?: string;
};

/** File name for a host's log: inventory names are ours, but never let one climb out of the dir. */
/** Where the per-host logs are when no --audit-dir says otherwise: beside the playbook run, in the working directory. */
export const DEFAULT_AUDIT_DIR = ".armgo/audit";

/** The audit dir asked for (default DEFAULT_AUDIT_DIR), absolute. */
export function auditDir(dir: string | undefined): string {
  return resolve(dir ?? DEFAULT_AUDIT_DIR);
}

export function auditPath(dir: string, host: string): string {
  return join(dir, `${host.replace(/[^A-Za-z0-9._-]/g, "_")}.jsonl`);
}

export class AuditLog {
  private fd: number | undefined;
  /** Hash of the last line, and the file size it was read or written at. */
  private head = { hash: GENESIS_PREV, size: -1 };
  /** When this log took its lock (held to the end of the current event-loop turn); 0: not held. */
  private lockedAt = 0;

  constructor(
    readonly path: string,
    private readonly scrub: <T>(v: T) => T,
    private readonly genesis: Omit<GenesisRecord, "type">,
  ) {}

  static open(dir: string, host: string, scrub: <T>(v: T) => T, armgoVersion: string): AuditLog {
    mkdirSync(dir, { recursive: true });
    return new AuditLog(auditPath(dir, host), scrub, { host, armgo_version: armgoVersion });
  }

  /** Append one record (masked, then chained); returns its hash, the log's new head. */
  write(record: AuditRecord): string {
    // Held since our last line: no other writer came in between, our head is the file's end.
    const mine = this.lock();
    if (!mine || this.fd === undefined) {
      this.fd ??= this.openChained();
      const { size } = fstatSync(this.fd);
      // Another writer appended since our last line (or we just opened): chain from the file's real end.
      if (size !== this.head.size) {
        this.head = { hash: size === 0 ? GENESIS_PREV : (lastHash(this.fd, size) ?? GENESIS_PREV), size };
        if (size === 0) this.append({ ts: new Date().toISOString(), type: "genesis", ...this.genesis });
      }
    }
    return this.append(this.scrub({ ts: new Date().toISOString(), ...record }));
  }

  close(): void {
    this.unlock();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.head.size = -1;
  }

  // A log that can't be chained on (written before the chain, or its last line cut short by a
  // crash) is kept beside it, under a name `armgo audit` doesn't read, and a new chain starts.
  private openChained(): number {
    // O_APPEND: every line lands whole at the end; read for the tail.
    const fd = openSync(this.path, "a+", 0o600);
    const { size } = fstatSync(fd);
    const hash = size === 0 ? GENESIS_PREV : lastHash(fd, size);
    // read once here: write() chains from it without reading the tail again
    if (hash !== undefined) {
      this.fd = fd;
      this.head = { hash, size };
      if (size === 0) this.append({ ts: new Date().toISOString(), type: "genesis", ...this.genesis });
      return fd;
    }
    closeSync(fd);
    renameSync(this.path, `${this.path}.${Date.now()}.unchained`);
    return openSync(this.path, "a+", 0o600);
  }

  private append(record: object): string {
    const { line, hash } = chainLine(record, this.head.hash);
    const bytes = Buffer.from(line + "\n");
    writeSync(this.fd!, bytes);
    this.head = { hash, size: this.head.size + bytes.length };
    return hash;
  }

  /** True when this log already held its lock (taken this turn, not long ago); else takes it and returns false. */
  private lock(): boolean {
    if (this.lockedAt && Date.now() - this.lockedAt < HOLD_MS) return true;
    this.unlock();
    // another log of this process on the same file gives way: we are one thread, it is between lines
    held.get(this.path)?.unlock();
    takeFileLock(this.path);
    held.set(this.path, this);
    this.lockedAt = Date.now();
    // given back once this turn's records are written: a host's records of one turn share one lock
    setImmediate(() => this.unlock());
    return false;
  }

  private unlock(): void {
    if (!this.lockedAt) return;
    this.lockedAt = 0;
    held.delete(this.path);
    dropLock(this.path);
  }
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
/** A record takes microseconds to append: a lock this old was left by a writer that died. */
const STALE_LOCK_MS = 5000;
/** Longer than a turn should take: taken again (after our head is checked) well before another writer may call it stale. */
const HOLD_MS = 1000;
/** The logs holding their file's lock in this process, by log path: given back at exit whatever happens. */
const held = new Map<string, AuditLog>();
process.on("exit", () => {
  for (const path of held.keys()) dropLock(path);
});

// Ours is a file: unlinked (rmSync would lstat it first); gone already only when another writer took it over as stale.
function dropLock(path: string): void {
  try {
    unlinkSync(`${path}.lock`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

// Appending reads the tail, chains to it and writes: no other writer (a --check beside a run, two
// inventories sharing a host) may come in between, or two lines would chain to one parent.
// The lock is a file made with O_EXCL: creating and unlinking one costs ~0.1 ms where a directory
// and rmSync cost ~3 ms of blocked event loop (ext4, measured); it is held to the end of the
// event-loop turn, so the records a host writes at once (its run start, its judged tasks) share one.
// A lock directory left by an older armgo still excludes (EEXIST either way) and goes stale alike.
function takeFileLock(path: string): void {
  const lock = `${path}.lock`;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(SLEEP, 0, 0, 2);
    }
  }
}

/** The hash the last line claims; undefined when it has none or the line was cut short. */
function lastHash(fd: number, size: number): string | undefined {
  let from = size;
  let tail = Buffer.alloc(0);
  // the last line is most often a short run_end: a small read first, larger ones for a long task record
  let step = 4096;
  // Read backwards until the last line is whole: a task record can be longer than one chunk.
  while (from > 0) {
    const n = Math.min(step, from);
    step *= 4;
    from -= n;
    const chunk = Buffer.alloc(n);
    readSync(fd, chunk, 0, n, from);
    tail = Buffer.concat([chunk, tail]);
    const text = tail.toString("utf8");
    if (!text.endsWith("\n")) return undefined;
    const nl = text.slice(0, -1).lastIndexOf("\n");
    if (nl >= 0 || from === 0) {
      try {
        return readChained(text.slice(nl + 1, -1))?.hash;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function readAudit(path: string): AuditRecord[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
}
