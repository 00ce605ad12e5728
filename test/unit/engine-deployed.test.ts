// Which hosts run which release after a run: read from results' data.deployed, never a module name.
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { deployedLines } from "../../src/cli/deployed.js";
import { DeployedTracker } from "../../src/engine/deployed.js";
import type { DeployedSummary } from "../../src/engine/types.js";
import type { TaskResult } from "../../src/engine/types.js";

const result = (host: string, data: Record<string, unknown>, module = "anything"): TaskResult => ({
  host,
  play: "p",
  task: "t",
  module,
  status: "changed",
  changed: true,
  msg: "",
  data,
  duration_ms: 1,
});
const dep = (host: string, app: string, release: string | null, module?: string) =>
  result(host, { deployed: { app, release } }, module);

type Step = TaskResult | { started: string[]; notStarted: string[] };

const ORDER = ["h1", "h2", "h3", "h4", "h5"];

describe("DeployedTracker", () => {
  it.each<[string, Step[], DeployedSummary | undefined]>([
    [
      "no result names a release: no summary",
      [result("h1", { rc: 0 }), { started: ["h1"], notStarted: [] }],
      undefined,
    ],
    [
      "the newest result per host wins, hosts in inventory order, whatever the module",
      [
        dep("h2", "hello", "bbbbbbbbbbbb"),
        dep("h1", "hello", "aaaaaaaaaaaa", "other"),
        dep("h1", "hello", "bbbbbbbbbbbb"),
        { started: ["h1", "h2"], notStarted: [] },
      ],
      { hello: { hosts: { h1: "bbbbbbbbbbbb", h2: "bbbbbbbbbbbb" }, not_started: [], unknown: [] } },
    ],
    [
      "a stopped rollout: hosts no batch reached, and a reached host that named no release",
      [dep("h1", "hello", "aaaaaaaaaaaa"), result("h2", {}), { started: ["h1", "h2"], notStarted: ["h4", "h3"] }],
      { hello: { hosts: { h1: "aaaaaaaaaaaa" }, not_started: ["h3", "h4"], unknown: ["h2"] } },
    ],
    [
      "a play that deployed nothing adds no hosts to an app of an earlier play",
      [
        dep("h1", "hello", "aaaaaaaaaaaa"),
        { started: ["h1"], notStarted: [] },
        result("h2", {}),
        { started: ["h2"], notStarted: ["h3"] },
      ],
      { hello: { hosts: { h1: "aaaaaaaaaaaa" }, not_started: [], unknown: [] } },
    ],
    [
      "a host where no release is current (the first failed, nothing to go back to)",
      [dep("h1", "hello", null), { started: ["h1"], notStarted: ["h2"] }],
      { hello: { hosts: { h1: null }, not_started: ["h2"], unknown: [] } },
    ],
    [
      "two apps in one play, and a malformed deployed value ignored",
      [
        dep("h1", "a", "111111111111"),
        dep("h1", "b", "222222222222"),
        result("h2", { deployed: { app: "a" } }),
        { started: ["h1", "h2"], notStarted: ["h5"] },
      ],
      {
        a: { hosts: { h1: "111111111111" }, not_started: ["h5"], unknown: ["h2"] },
        b: { hosts: { h1: "222222222222" }, not_started: ["h5"], unknown: ["h2"] },
      },
    ],
  ])("%s", (_name, steps, want) => {
    const t = new DeployedTracker(ORDER);
    for (const s of steps)
      if ("host" in s) t.note(s);
      else t.endPlay(s.started, s.notStarted);
    expect(t.summary()).toEqual(want);
  });
});

describe("the recap's releases block", () => {
  const plain = new Chalk({ level: 0 });
  it("groups hosts by release and names the hosts the rollout never reached", () => {
    const lines = deployedLines(
      {
        hello: {
          hosts: { h1: "bbbbbbbbbbbb", h2: "aaaaaaaaaaaa", h3: "aaaaaaaaaaaa", h7: null },
          not_started: ["h4", "h5"],
          unknown: ["h6"],
        },
      },
      plain,
    );
    expect(lines).toEqual([
      "",
      `RELEASES [hello] ${"*".repeat(63)}`,
      "bbbbbbbbbbbb  h1",
      "aaaaaaaaaaaa  h2, h3",
      "(none)        h7",
      "not started: h4, h5 — unchanged",
      "unknown: h6 — no result named the release they run",
    ]);
  });

  it("says nothing when no result named a release", () => {
    expect(deployedLines(undefined, plain)).toEqual([]);
  });
});
