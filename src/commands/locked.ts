// A run's turn on its inventory (or its shard of it): what play and drift --fix wait for before changing hosts.
import { shardName } from "../engine/shard.js";
import type { RunOptions } from "../engine/types.js";
import type { Loaded } from "../load/run.js";
import { acquireRunLock, type LockOptions, runLockDir } from "../lock/run-lock.js";

/** How a command queues behind another run of the inventory, and tells the user. */
export type RunLockOptions = Pick<LockOptions, "wait" | "onNotice">;

/** `work` under the run lock of the loaded inventory and the run's shard; released however it ends. */
export async function withRunLock<T>(
  opts: Pick<RunOptions, "shard" | "signal"> & { lock?: RunLockOptions },
  loaded: Loaded,
  command: string,
  work: () => Promise<T>,
): Promise<T> {
  const lock = await acquireRunLock({
    ...opts.lock,
    dir: runLockDir(),
    inventory: loaded.inventory.sources ?? loaded.inventory.file,
    part: shardName(opts.shard),
    command,
    signal: opts.signal,
  });
  try {
    return await work();
  } finally {
    lock.release();
  }
}
