// A lock on a host, so two controllers never change it at once: `mkdir` is atomic on every POSIX
// filesystem, and the owner token inside says who holds it. Used for a host's changes and per app.
import { hostname } from "node:os";
import { LockHeldError } from "../errors.js";
import { alive } from "./run-lock.js";
import { parseKv } from "../facts/kv.js";
import { readFirstLine, sh } from "../transport/quote.js";
import type { Transport } from "../transport/transport.js";

export interface HostLockOwner {
  run: string;
  controller: string;
  pid: number;
  /** Unix seconds. */
  since: number;
}

/** A lock older than this whose holder can't be asked is taken to be left by a killed run. */
export const STALE_SECONDS = 2 * 3600;

/** One lock per host, whoever logs in: controllers connecting as different users exclude each other too. */
export const HOST_LOCK_PATH = "/tmp/armgo-host.lock";

/** A lock with no readable owner is one whose taker died between mkdir and writing it. */
const OWNERLESS_STALE_SECONDS = 60;

const token = (o: HostLockOwner): string => `run=${o.run} controller=${o.controller} pid=${o.pid} since=${o.since}`;

function parseToken(text: string): HostLockOwner | undefined {
  const m = /^run=(\S+) controller=(\S+) pid=(\d+) since=(\d+)$/.exec(text.trim());
  return m ? { run: m[1]!, controller: m[2]!, pid: Number(m[3]), since: Number(m[4]) } : undefined;
}

/** One round trip: take the lock, or report who holds it and for how long. */
export function acquireScript(path: string, owner: HostLockOwner): string {
  return (
    sh`l=${path}; t=${token(owner)}` +
    `
if mkdir "$l" 2>/dev/null; then printf '%s\\n' "$t" >"$l/owner" && echo lock=acquired; exit; fi
echo lock=held
o=; ${readFirstLine("o", '"$l/owner"')}
echo "owner=$o"
echo "age=$(( $(date +%s) - $(stat -c %Y "$l" 2>/dev/null || date +%s) ))"
`
  );
}

/** Remove the lock only while it still holds `expected` (a stale owner, or ourselves on release): moved aside
 * first, so of two removers only one gets it, then checked, and put back if it was not the one expected. */
export function removeScript(path: string, expected: HostLockOwner | undefined): string {
  return (
    sh`l=${path}; t=${expected ? token(expected) : ""}` +
    `
g="$l.gone.$$"
mv "$l" "$g" 2>/dev/null || { echo lock=other; exit; }
o=; ${readFirstLine("o", '"$g/owner"')}
if [ "$o" = "$t" ]; then rm -rf "$g"; echo lock=removed; exit; fi
mv -T "$g" "$l" 2>/dev/null || rm -rf "$g"
echo lock=other
`
  );
}

export type AcquireOutcome =
  { acquired: true; tookOver?: HostLockOwner } | { acquired: false; holder?: HostLockOwner; ageSeconds: number };

export function parseAcquire(stdout: string): AcquireOutcome {
  const kv = parseKv(stdout);
  if (kv.lock === "acquired") return { acquired: true };
  return { acquired: false, holder: parseToken(kv.owner ?? ""), ageSeconds: Number(kv.age ?? 0) };
}

/** Stale: its holder ran on this controller and is gone, or it is older than STALE_SECONDS. */
export function isStale(holder: HostLockOwner | undefined, ageSeconds: number, controller = hostname()): boolean {
  if (!holder) return ageSeconds > OWNERLESS_STALE_SECONDS;
  if (holder.controller === controller && !alive(holder.pid)) return true;
  return ageSeconds > STALE_SECONDS;
}

export interface HostLock {
  release(): Promise<void>;
}

/** Take the lock at `path` on the host; a stale one is taken over (`onNotice` says so); a live one is LockHeldError. */
export async function acquireHostLock(
  transport: Pick<Transport, "host" | "exec">,
  path: string,
  opts: { run: string; become?: boolean | string; onNotice?: (line: string) => void },
): Promise<HostLock> {
  const me: HostLockOwner = {
    run: opts.run,
    controller: hostname(),
    pid: process.pid,
    since: Math.floor(Date.now() / 1000),
  };
  for (let attempt = 0; ; attempt++) {
    const got = parseAcquire((await transport.exec(acquireScript(path, me), { become: opts.become })).stdout);
    if (got.acquired) break;
    const who = got.holder
      ? `run ${got.holder.run} from ${got.holder.controller} (pid ${got.holder.pid}), ${got.ageSeconds} s ago`
      : `an unreadable owner, ${got.ageSeconds} s ago`;
    if (attempt > 0 || !isStale(got.holder, got.ageSeconds)) {
      throw new LockHeldError(`${path} is held by ${who}`, {
        where: { host: transport.host },
        hint: "let that run finish; a lock left by a killed run is taken over once it is stale",
      });
    }
    await transport.exec(removeScript(path, got.holder), { become: opts.become });
    opts.onNotice?.(`${transport.host}: took over the stale lock ${path} held by ${who}`);
  }
  // a lock is released after Ctrl-C too, once the commands in flight have stopped
  return {
    release: async () =>
      void (await transport.exec(removeScript(path, me), { become: opts.become, afterInterrupt: true })),
  };
}
