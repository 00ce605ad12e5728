// Exponential backoff with jitter, for connects and channel opens that a busy sshd refuses.
import { setTimeout as sleep } from "node:timers/promises";

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  retryable: (err: unknown) => boolean;
}

/** Run `fn` until it succeeds, a non-retryable error occurs, or attempts run out (the last error is thrown). */
export async function retry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !policy.retryable(err)) throw err;
      const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      // Half fixed, half random: many hosts or channels retrying never move in lockstep.
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }
}
