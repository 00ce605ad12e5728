// Canary analysis: samples × threshold → verdict and the line the recap shows; the spec checked before
// anything changes; what --check says would be evaluated. Effects are fakes: no clock, no network.
import { describe, expect, it } from "vitest";
import {
  analyse,
  checkAnalysis,
  describeAnalysis,
  parseThreshold,
  type AnalysisSpec,
} from "../../src/modules/deploy/analysis.js";

const Q = "errors / requests";
const query = (over: Partial<AnalysisSpec> = {}): AnalysisSpec => ({
  prometheus: "http://127.0.0.1:9090",
  query: Q,
  threshold: "< 0.03",
  interval: 5,
  duration: 20,
  ...over,
});

/** Effects that answer each sample from a list, and record the pauses. */
function fakes(samples: number[][], codes: number[] = []) {
  const slept: number[] = [];
  let i = 0;
  let j = 0;
  return {
    slept,
    fx: {
      query: async () => samples[i++] ?? [],
      run: async () => ({ code: codes[j++] ?? 0, output: codes[j - 1] ? "5 errors in the log" : "" }),
      sleep: async (s: number) => void slept.push(s),
    },
  };
}

describe("analysis", () => {
  it.each<{
    name: string;
    spec: AnalysisSpec;
    samples?: number[][];
    codes?: number[];
    ok: boolean;
    why: string;
    slept: number;
  }>([
    {
      name: "every sample under the threshold",
      spec: query(),
      samples: [[0], [0.01], [0.02], [0.029]],
      ok: true,
      why: "analysis passed: errors / requests = 0.029, wanted < 0.03 (sample 4 of 4)",
      slept: 4,
    },
    {
      name: "the second sample breaks it: stops there",
      spec: query(),
      samples: [[0.01], [0.2], [0]],
      ok: false,
      why: "analysis failed: errors / requests = 0.2, wanted < 0.03 (sample 2 of 4)",
      slept: 2,
    },
    {
      name: "one series of several breaks it",
      spec: query({ duration: 5 }),
      samples: [[0.01, 0.5, 0.02]],
      ok: false,
      why: "analysis failed: errors / requests = 0.5, wanted < 0.03 (sample 1 of 1)",
      slept: 1,
    },
    {
      name: "no data in as many samples as wanted fails: nothing to judge by",
      spec: query(),
      samples: [[], [], [], []],
      ok: false,
      why: "analysis failed: errors / requests = no data, wanted < 0.03 (no data in 4 samples; 0 of 4 held)",
      slept: 4,
    },
    {
      name: "no data at first (a fresh series not yet scraped twice) delays the verdict, does not decide it",
      spec: query(),
      samples: [[], [0], [0.01], [], [0], [0.02]],
      ok: true,
      why: "analysis passed: errors / requests = 0.02, wanted < 0.03 (sample 4 of 4, after 2 without data)",
      slept: 6,
    },
    {
      name: "a break after no data",
      spec: query(),
      samples: [[], [0.2]],
      ok: false,
      why: "analysis failed: errors / requests = 0.2, wanted < 0.03 (sample 1 of 4, after 1 without data)",
      slept: 2,
    },
    {
      name: "data, then silence: held samples do not make up for it",
      spec: query(),
      samples: [[0], [0.01], [], [], [], []],
      ok: false,
      why: "analysis failed: errors / requests = no data, wanted < 0.03 (no data in 4 samples; 2 of 4 held)",
      slept: 6,
    },
    {
      name: "NaN (no traffic: 0/0) is no data too",
      spec: query({ duration: 10 }),
      samples: [[NaN], [NaN]],
      ok: false,
      why: "analysis failed: errors / requests = no data, wanted < 0.03 (no data in 2 samples; 0 of 2 held)",
      slept: 2,
    },
    {
      name: "a NaN series beside a number: the number judges",
      spec: query({ duration: 5 }),
      samples: [[NaN, 0.5]],
      ok: false,
      why: "analysis failed: errors / requests = 0.5, wanted < 0.03 (sample 1 of 1)",
      slept: 1,
    },
    {
      name: ">= threshold",
      spec: query({ threshold: ">= 0.99", duration: 10 }),
      samples: [[1], [0.995]],
      ok: true,
      why: "analysis passed: errors / requests = 0.995, wanted >= 0.99 (sample 2 of 2)",
      slept: 2,
    },
    {
      name: "a command that passes each time",
      spec: { command: "./check", interval: 2, duration: 6 },
      codes: [0, 0, 0],
      ok: true,
      why: "analysis passed: command ./check exited 0 (sample 3 of 3)",
      slept: 3,
    },
    {
      name: "a command that fails",
      spec: { command: "./check", interval: 2, duration: 6 },
      codes: [0, 1],
      ok: false,
      why: "analysis failed: command ./check exited 1: 5 errors in the log (sample 2 of 3)",
      slept: 2,
    },
  ])("$name", async ({ spec, samples, codes, ok, why, slept }) => {
    const f = fakes(samples ?? [], codes);
    const r = await analyse(spec, f.fx);
    expect({ ok: r.ok, why: r.why }).toEqual({ ok, why });
    expect(f.slept).toEqual(Array(slept).fill(spec.interval));
  });

  it.each<{ name: string; spec: AnalysisSpec; want: string }>([
    {
      name: "both query and command",
      spec: { ...query(), command: "x" },
      want: "analysis needs exactly one of query and command",
    },
    { name: "neither", spec: { interval: 1 }, want: "analysis needs exactly one of query and command" },
    {
      name: "query without prometheus",
      spec: query({ prometheus: undefined }),
      want: "analysis with a query needs prometheus and threshold",
    },
    {
      name: "query without threshold",
      spec: query({ threshold: undefined }),
      want: "analysis with a query needs prometheus and threshold",
    },
    {
      name: "a threshold without an operator",
      spec: query({ threshold: "0.03" }),
      want: "analysis threshold '0.03' is not an operator and a number",
    },
  ])("$name: refused in one line", ({ spec, want }) => {
    expect(() => checkAnalysis(spec)).toThrow(want);
  });

  it("parses thresholds", () => {
    expect(parseThreshold("<0.03")).toEqual({ op: "<", bound: 0.03 });
    expect(parseThreshold(" != -1e-3 ")).toEqual({ op: "!=", bound: -0.001 });
  });

  it("says under --check what would be evaluated", () => {
    expect(describeAnalysis(query())).toBe(
      "analysis: errors / requests < 0.03 at http://127.0.0.1:9090, every 5 s for 20 s (4 samples)",
    );
    expect(describeAnalysis({ command: "./check" })).toBe("analysis: command ./check, every 10 s for 60 s (6 samples)");
  });
});
