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

  type Opts = { shard?: string; shards?: string; env?: NodeJS.ProcessEnv };
  it.each<{ name: string; opts: Opts; want: unknown }>([
    { name: "no flag: no shard", opts: {}, want: undefined },
    { name: "--shard 1/3 counts from 1", opts: { shard: "1/3" }, want: { index: 0, count: 3 } },
    { name: "--shard 3/3", opts: { shard: "3/3" }, want: { index: 2, count: 3 } },
    {
      name: "Kubernetes: JOB_COMPLETION_INDEX from 0, the count from --shards",
      opts: { shard: "auto", shards: "4", env: { JOB_COMPLETION_INDEX: "3" } },
      want: { index: 3, count: 4 },
    },
    {
      name: "--shards N alone reads the runner too",
      opts: { shards: "4", env: { JOB_COMPLETION_INDEX: "0" } },
      want: { index: 0, count: 4 },
    },
    {
      name: "GitLab parallel: CI_NODE_INDEX from 1, CI_NODE_TOTAL",
      opts: { shard: "auto", env: { CI_NODE_INDEX: "1", CI_NODE_TOTAL: "5" } },
      want: { index: 0, count: 5 },
    },
    {
      name: "GitLab with an agreeing --shards",
      opts: { shard: "auto", shards: "5", env: { CI_NODE_INDEX: "5", CI_NODE_TOTAL: "5" } },
      want: { index: 4, count: 5 },
    },
    {
      name: "Nomad: NOMAD_ALLOC_INDEX from 0, the count from --shards",
      opts: { shard: "auto", shards: "3", env: { NOMAD_ALLOC_INDEX: "2" } },
      want: { index: 2, count: 3 },
    },
  ])("$name", ({ opts, want }) => {
    expect(parseShard(opts)).toEqual(want);
  });

  it.each<{ name: string; opts: Opts; msg: RegExp }>([
    { name: "index 0", opts: { shard: "0/3" }, msg: /--shard '0\/3' must be I\/N/ },
    { name: "index past the count", opts: { shard: "4/3" }, msg: /must be I\/N/ },
    { name: "no count", opts: { shard: "2" }, msg: /must be I\/N .*or auto/ },
    { name: "zero shards", opts: { shards: "0" }, msg: /--shards '0' must be a whole number/ },
    {
      name: "no runner: names every variable looked for",
      opts: { shard: "auto", env: {} },
      msg: /found no job runner's index: it looks for JOB_COMPLETION_INDEX \(a Kubernetes Indexed Job\), CI_NODE_INDEX \(GitLab parallel:\), NOMAD_ALLOC_INDEX \(a Nomad job\)/,
    },
    {
      name: "Kubernetes without a count",
      opts: { shard: "auto", env: { JOB_COMPLETION_INDEX: "1" } },
      msg: /JOB_COMPLETION_INDEX=1 \(a Kubernetes Indexed Job\) gives no count of shards: add --shards N/,
    },
    {
      name: "Kubernetes index out of range",
      opts: { shards: "3", env: { JOB_COMPLETION_INDEX: "3" } },
      msg: /JOB_COMPLETION_INDEX='3' .* must be between 0 and 2 for 3 shards/,
    },
    {
      name: "GitLab index 0",
      opts: { shard: "auto", env: { CI_NODE_INDEX: "0", CI_NODE_TOTAL: "2" } },
      msg: /CI_NODE_INDEX='0' .* must be between 1 and 2/,
    },
    {
      name: "GitLab without its total",
      opts: { shard: "auto", env: { CI_NODE_INDEX: "1" } },
      msg: /needs CI_NODE_TOTAL, a whole number \(got ''\)/,
    },
    {
      name: "GitLab total and --shards disagree",
      opts: { shard: "auto", shards: "3", env: { CI_NODE_INDEX: "1", CI_NODE_TOTAL: "2" } },
      msg: /--shards 3 disagrees with CI_NODE_TOTAL=2/,
    },
    {
      name: "two runners' variables",
      opts: { shard: "auto", shards: "2", env: { JOB_COMPLETION_INDEX: "0", NOMAD_ALLOC_INDEX: "1" } },
      msg: /found JOB_COMPLETION_INDEX and NOMAD_ALLOC_INDEX/,
    },
    {
      name: "a fixed shard and a count",
      opts: { shard: "1/3", shards: "3" },
      msg: /--shard I\/N and --shards both/,
    },
  ])("refused: $name", ({ opts, msg }) => {
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
