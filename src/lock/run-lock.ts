// One run per inventory on a controller: a second play/drift waits for the first (or stops with
// --no-wait), so two runs never interleave their changes on a host.
import { createHash } from "node:crypto";
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { InterruptedError, LockHeldError } from "../errors.js";
import { cacheDir } from "../paths.js";

export interface LockOwner {
  pid: number;
  controller: string;
  /** The kernel's boot id: after a reboot the same pid is another process. */
  boot?: string;
  started: string;
  command: string;
}

export interface RunLock {
  path: string;
  release(): void;
}

export interface LockOptions {
  /** Where lock files live (one per inventory): the controller cache. */
  dir: string;
  /** The inventory's sources: runs of the same set of sources share one lock. */
  inventory: string | readonly string[];
  /** A share of the inventory's hosts (a shard, "2of3"): each share runs under its own lock. */
  part?: string;
  command: string;
  /** Queue behind the holder (default), or stop at once with LockHeldError. */
  wait?: boolean;
  /** Told once when the run has to wait, and when a dead holder's lock is taken over. */
  onNotice?: (line: string) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

/** Lock files of this controller's runs: in its cache, shared by every working directory. */
export function runLockDir(): string {
  return join(cacheDir(), "locks");
}

export function describeOwner(o: LockOwner): string {
  return `pid ${o.pid} on ${o.controller}, started ${o.started}: ${o.command}`;
}

/** The lock file of an inventory (and part): the same inventory reached by any path shares one. */
export function lockPath(dir: string, inventory: string | readonly string[], part?: string): string {
  const paths = [inventory]
    .flat()
    .map((i) => realpathSync(i))
    .sort();
  const id = createHash("sha256").update(paths.join("\n")).digest("hex").slice(0, 16);
  return join(dir, `run-${id}${part ? `-${part}` : ""}.lock`);
}

function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

/** A holder on this controller that is gone: its process ended, or the machine rebooted since. */
function gone(holder: LockOwner, me: LockOwner): boolean {
  if (holder.controller !== me.controller) return false;
  return (holder.boot !== undefined && holder.boot !== me.boot) || !alive(holder.pid);
}

/** Whether a process of this machine still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it just isn't ours.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

const EMPTY_STALE_MS = 10_000;

function sameOwner(a: LockOwner | undefined, b: LockOwner): boolean {
  return a !== undefined && a.pid === b.pid && a.controller === b.controller && a.started === b.started;
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

// Moved aside first (rename is atomic, so of two runs taking over only one gets it), then checked:
// a lock that turns out not to be the one judged stale is put back, unless a new one is there.
function removeIf(path: string, still: (owner: LockOwner | undefined) => boolean): boolean {
  const tomb = `${path}.${process.pid}.${Date.now()}.gone`;
  try {
    renameSync(path, tomb);
  } catch {
    return false;
  }
  const ok = still(readOwner(tomb));
  if (!ok) {
    try {
      linkSync(tomb, path);
    } catch {
      // a new lock was made meanwhile: it stands
    }
  }
  unlinkSync(tomb);
  return ok;
}

function tryCreate(path: string, me: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  writeSync(fd, JSON.stringify(me));
  closeSync(fd);
  return true;
}

export async function acquireRunLock(opts: LockOptions): Promise<RunLock> {
  mkdirSync(opts.dir, { recursive: true });
  const path = lockPath(opts.dir, opts.inventory, opts.part);
  const me: LockOwner = {
    pid: process.pid,
    controller: hostname(),
    boot: bootId(),
    started: new Date().toISOString(),
    command: opts.command,
  };
  let told = false;
  for (;;) {
    if (tryCreate(path, me)) break;
    const holder = readOwner(path);
    if (holder === undefined) {
      // Created but not yet written: look again. Empty for long means its writer died in that instant.
      if (Date.now() - mtimeMs(path) > EMPTY_STALE_MS) removeIf(path, (owner) => owner === undefined);
    } else if (gone(holder, me)) {
      // A holder that died (SIGKILL, reboot) never released: its lock is taken over, said aloud.
      if (removeIf(path, (owner) => sameOwner(owner, holder)))
        opts.onNotice?.(`took over the run lock of a run that is gone (${describeOwner(holder)})`);
      continue;
    } else if (opts.wait === false) {
      throw new LockHeldError(`another run holds the lock for this inventory (${describeOwner(holder)})`, {
        hint: "wait for it, or leave out --no-wait to queue behind it",
      });
    } else if (!told) {
      opts.onNotice?.(`waiting for the run lock held by ${describeOwner(holder)}`);
      told = true;
    }
    if (opts.signal?.aborted) throw new InterruptedError("interrupted while waiting for the run lock");
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  return {
    path,
    release: () => void removeIf(path, (owner) => sameOwner(owner, me)),
  };
}
