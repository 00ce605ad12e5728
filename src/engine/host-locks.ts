// Each host's lock for the rest of the run, taken before its first change (lock/host-lock.ts).
import { acquireHostLock, HOST_LOCK_PATH, type HostLock } from "../lock/host-lock.js";
import { LocalTransport } from "../transport/local.js";
import type { Transport } from "../transport/transport.js";

export class HostLocks {
  private readonly locks = new Map<string, Promise<HostLock | undefined>>();

  constructor(
    private readonly transport: (host: string) => Promise<Transport>,
    private readonly opts: { run: string; onNotice?: (line: string) => void },
  ) {}

  /**
   * The host to ourselves for the rest of the run: true when the lock was taken just now (what was
   * probed before may be another controller's doing), false when already held or not needed.
   */
  async take(host: string): Promise<boolean> {
    if (this.locks.has(host)) return (await this.locks.get(host), false);
    const t = await this.transport(host);
    // The controller itself is covered by the run lock; several local "hosts" share one machine.
    const taking =
      t instanceof LocalTransport ? Promise.resolve(undefined) : acquireHostLock(t, HOST_LOCK_PATH, this.opts);
    this.locks.set(host, taking);
    return (await taking) !== undefined;
  }

  /** A lock we fail to release (connection gone) is stale once this process has ended. */
  async release(): Promise<void> {
    await Promise.allSettled([...this.locks.keys()].map((host) => this.releaseHost(host)));
  }

  /** The host's lock given back before its connection closes: the host is done with this run. */
  async releaseHost(host: string): Promise<void> {
    const lock = this.locks.get(host);
    this.locks.delete(host);
    // a lock never taken (another controller holds it, the host is down) has nothing to give back;
    // one we fail to release (connection gone) is stale once this process has ended
    await Promise.allSettled([lock?.then((l) => l?.release())]);
  }
}
