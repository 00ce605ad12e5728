// --shard I/N: each host in exactly one of N shards, by rendezvous (highest random weight) hashing,
// so N runners split a fleet with no coordination, and a new host never moves any other.
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";
import { runnerShard } from "./shard-runners.js";

export interface Shard {
  /** 0-based, as Kubernetes' JOB_COMPLETION_INDEX counts. */
  index: number;
  count: number;
}

function weight(host: string, shard: number): bigint {
  return createHash("sha256").update(`${shard}\0${host}`).digest().readBigUInt64BE(0);
}

/** The shard a host belongs to: the one whose weight for it is highest. */
export function shardOf(host: string, count: number): number {
  let best = 0;
  let top = -1n;
  for (let s = 0; s < count; s++) {
    const w = weight(host, s);
    if (w > top) [best, top] = [s, w];
  }
  return best;
}

/** "2of3": how a shard is named where one word is wanted (its run lock). */
export function shardName(shard: Shard | undefined): string | undefined {
  return shard && `${shard.index + 1}of${shard.count}`;
}

export function inShard(host: string, shard: Shard): boolean {
  return shardOf(host, shard.count) === shard.index;
}

/**
 * `--shard 2/3` (1-based, as people count); `--shard auto` or `--shards N` read the job runner's own
 * index (shard-runners.ts), `--shards N` giving the count where the runner does not.
 */
export function parseShard(opts: { shard?: string; shards?: string; env?: NodeJS.ProcessEnv }): Shard | undefined {
  const count = opts.shards === undefined ? undefined : Number(opts.shards);
  if (count !== undefined && (!Number.isInteger(count) || count < 1))
    throw new InputError(`--shards '${opts.shards}' must be a whole number of at least 1`);
  if (opts.shard === "auto" || (opts.shard === undefined && count !== undefined))
    return runnerShard(opts.env ?? process.env, count);
  if (opts.shard === undefined) return undefined;
  if (count !== undefined)
    throw new InputError(
      "--shard I/N and --shards both name a shard count: give one of them, or --shard auto --shards N",
    );
  const m = /^(\d+)\/(\d+)$/.exec(opts.shard);
  const [i, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || n < 1 || i < 1 || i > n)
    throw new InputError(`--shard '${opts.shard}' must be I/N with 1 ≤ I ≤ N (e.g. --shard 2/3), or auto`);
  return { index: i - 1, count: n };
}
