// Channel budget of one SSH connection: sshd refuses sessions beyond MaxSessions (default 10).
import { retry } from "./retry.js";

/** At most this many channels (exec sessions plus the sftp session) are open on one connection. */
export const MAX_CHANNELS = 9;

/** A counting semaphore: `acquire` resolves with a release function once a slot is free. */
export class ChannelGate {
  private open = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number = MAX_CHANNELS) {}

  async acquire(): Promise<() => void> {
    if (this.open >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `open` only drops when nobody waits.
      if (next) next();
      else this.open--;
    };
  }

  get inUse(): number {
    return this.open;
  }
}

/** sshd said no to a new channel (MaxSessions reached, or ssh2 ran out of local channel ids). */
export function isChannelRefusal(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /Channel open failure|open failed|No free channels available/i.test(msg);
}

/** Open a channel, retrying with backoff while the server refuses it. */
export function openChannel<T>(open: () => Promise<T>): Promise<T> {
  return retry(open, { attempts: 8, baseMs: 50, maxMs: 2000, retryable: isChannelRefusal });
}
