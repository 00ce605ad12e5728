// --shard I/N: each host in exactly one of N shards, by rendezvous (highest random weight) hashing,
// so N runners split a fleet with no coordination, and a new host never moves any other.
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";

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

/** `--shard 2/3` (1-based, as people count), or `--shards 3` with JOB_COMPLETION_INDEX (0-based). */
export function parseShard(opts: { shard?: string; shards?: string; env?: NodeJS.ProcessEnv }): Shard | undefined {
  if (opts.shard !== undefined && opts.shards !== undefined)
    throw new InputError("--shard and --shards both name a shard: give one of them");
  if (opts.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(opts.shard);
    const [i, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
    if (!m || n < 1 || i < 1 || i > n)
      throw new InputError(`--shard '${opts.shard}' must be I/N with 1 ≤ I ≤ N, e.g. --shard 2/3`);
    return { index: i - 1, count: n };
  }
  if (opts.shards === undefined) return undefined;
  const n = Number(opts.shards);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`--shards '${opts.shards}' must be a whole number of at least 1`);
  const raw = (opts.env ?? process.env).JOB_COMPLETION_INDEX;
  const i = Number(raw);
  if (raw === undefined || raw === "" || !Number.isInteger(i) || i < 0 || i >= n) {
    throw new InputError(
      `--shards ${n} needs JOB_COMPLETION_INDEX between 0 and ${n - 1} (got ${raw === undefined ? "nothing" : `'${raw}'`})`,
      {
        hint: "run as a Kubernetes Indexed Job, or use --shard I/N",
      },
    );
  }
  return { index: i, count: n };
}
