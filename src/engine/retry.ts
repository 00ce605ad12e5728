// until / retries / delay as Ansible runs them: retries + 1 attempts (retries 3 when unset), `attempts` in the result.
import { setTimeout as sleep } from "node:timers/promises";
import type { Task } from "../load/model.js";
import type { Outcome } from "./types.js";

export const DEFAULT_RETRIES = 3;
export const DEFAULT_DELAY_S = 5;

export interface Attempt {
  outcome: Outcome;
  /** Something was carried out (or probed read-only): only then can another attempt differ. */
  ran: boolean;
}

export function maxAttempts(task: Task): number {
  if (task.until === undefined) return 1;
  return Math.max(0, task.retries ?? DEFAULT_RETRIES) + 1;
}

/**
 * Runs `attempt` until `holds` says the result is good or attempts run out (then the result fails).
 * `again` runs before each further attempt (stale probes are dropped there).
 */
export async function withRetries(
  task: Task,
  attempt: (n: number) => Promise<Attempt>,
  holds: (o: Outcome) => boolean,
  hooks: { again(left: number): void; signal?: AbortSignal },
): Promise<Outcome> {
  const max = maxAttempts(task);
  for (let n = 1; ; n++) {
    const { outcome, ran } = await attempt(n);
    if (task.until === undefined || !ran || holds(outcome)) return outcome;
    if (n >= max) {
      return {
        ...outcome,
        status: "failed",
        changed: false,
        msg: `until '${String(task.until)}' still false after ${n} attempts: ${outcome.msg}`,
      };
    }
    hooks.again(max - n);
    await sleep((task.delay ?? DEFAULT_DELAY_S) * 1000, undefined, { signal: hooks.signal });
  }
}
