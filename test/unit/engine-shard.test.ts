import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { inShard, parseShard, shardOf } from "../../src/engine/shard.js";

const fleet = (n: number) => Array.from({ length: n }, (_, i) => `web-${String(i + 1).padStart(3, "0")}`);

describe("rendezvous shards", () => {
  it("shards 1..3 of 50 hosts cover every host exactly once, none empty", () => {
    const hosts = fleet(50);
    const shards = [0, 1, 2].map((index) => hosts.filter((h) => inShard(h, { index, count: 3 })));
    expect(shards.flat().sort()).toEqual(hosts);
    for (const s of shards) expect(s.length).toBeGreaterThan(8);
  });

  it("a 51st host moves none of the other 50; a fourth shard moves about a quarter of them", () => {
    const hosts = fleet(51);
    const before = new Map(hosts.slice(0, 50).map((h) => [h, shardOf(h, 3)]));
    const moved = [...before].filter(([h, s]) => shardOf(h, 3) !== s);
    expect(moved).toEqual([]);
    const regrown = [...before].filter(([h, s]) => shardOf(h, 4) !== s);
    // every host that moves goes to the new shard, none between the old ones
    expect(regrown.every(([h]) => shardOf(h, 4) === 3)).toBe(true);
    expect(regrown.length).toBeGreaterThan(5);
    expect(regrown.length).toBeLessThan(25);
  });

  it.each<[{ shard?: string; shards?: string; env?: NodeJS.ProcessEnv }, unknown]>([
    [{}, undefined],
    [{ shard: "1/3" }, { index: 0, count: 3 }],
    [{ shard: "3/3" }, { index: 2, count: 3 }],
    [
      { shards: "4", env: { JOB_COMPLETION_INDEX: "0" } },
      { index: 0, count: 4 },
    ],
    [
      { shards: "4", env: { JOB_COMPLETION_INDEX: "3" } },
      { index: 3, count: 4 },
    ],
  ])("%j → %j", (opts, want) => {
    expect(parseShard(opts)).toEqual(want);
  });

  it.each<[{ shard?: string; shards?: string; env?: NodeJS.ProcessEnv }, RegExp]>([
    [{ shard: "0/3" }, /--shard '0\/3' must be I\/N/],
    [{ shard: "4/3" }, /must be I\/N/],
    [{ shard: "2" }, /must be I\/N/],
    [{ shards: "0" }, /--shards '0' must be a whole number/],
    [{ shards: "3", env: {} }, /needs JOB_COMPLETION_INDEX between 0 and 2 \(got nothing\)/],
    [{ shards: "3", env: { JOB_COMPLETION_INDEX: "3" } }, /got '3'/],
    [{ shard: "1/3", shards: "3", env: { JOB_COMPLETION_INDEX: "0" } }, /--shard and --shards both/],
  ])("%j is refused: %s", (opts, msg) => {
    const err = (() => {
      try {
        parseShard(opts);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(msg);
  });
});
