// Canary analysis: after a release passed its health check, what it does under real traffic decides.
// A Prometheus query through the HTTP API, sampled every `interval` s over `duration` s, every sample
// with data within the threshold; or a command on the host whose exit code decides, sampled alike. A
// failure goes to deploy's existing fail-over (apply.ts): the release is bad, the host goes back, the
// host fails.
import { TaskError } from "../../errors.js";
import { sh } from "../../transport/quote.js";
import type { ModuleContext } from "../contract.js";
import { oneLine } from "./health.js";

export interface AnalysisSpec {
  /** Prometheus' base URL, e.g. http://127.0.0.1:9090 (reached from the controller). */
  prometheus?: string;
  /** PromQL; every series of its result must hold the threshold. */
  query?: string;
  /** e.g. "< 0.03" */
  threshold?: string;
  /** A command run on the host, in the app's directory: exit 0 passes. */
  command?: string;
  /** Seconds between samples (the first one after one interval). */
  interval?: number;
  /** Seconds all samples span. */
  duration?: number;
}

export const ANALYSIS_DEFAULTS = { interval: 10, duration: 60 } as const;

/** What an analysis found: passed, and the sample that decided (the failing one, or the last). */
export interface AnalysisResult {
  ok: boolean;
  samples: number;
  /** One line: the query or command, the value or exit code, the threshold. */
  why: string;
  query?: string;
  value?: string;
  threshold?: string;
}

/** The effects analysis needs: a PromQL query's sample values, a command's exit code on the host, a pause. */
export interface AnalysisEffects {
  query(base: string, promql: string): Promise<number[]>;
  run(command: string): Promise<{ code: number; output: string }>;
  sleep(seconds: number): Promise<void>;
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
};

/** A threshold's operator and bound; TaskError when it is not `<op> <number>`. */
export function parseThreshold(text: string): { op: string; bound: number } {
  const m = /^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/.exec(text);
  if (!m)
    throw new TaskError(`analysis threshold '${text}' is not an operator and a number`, {
      hint: "write it like '< 0.03' (one of < <= > >= == !=)",
    });
  return { op: m[1]!, bound: Number(m[2]) };
}

/** How many samples, `interval` s apart, span `duration` s (at least one). */
export function sampleCount(a: AnalysisSpec): number {
  const interval = a.interval ?? ANALYSIS_DEFAULTS.interval;
  return Math.max(1, Math.floor((a.duration ?? ANALYSIS_DEFAULTS.duration) / interval));
}

/** One line for --check and the plan: what would be evaluated. */
export function describeAnalysis(a: AnalysisSpec): string {
  const what = a.query !== undefined ? `${a.query} ${a.threshold ?? ""} at ${a.prometheus}` : `command ${a.command}`;
  const every = `every ${a.interval ?? ANALYSIS_DEFAULTS.interval} s for ${a.duration ?? ANALYSIS_DEFAULTS.duration} s`;
  return `analysis: ${what.trim()}, ${every} (${sampleCount(a)} samples)`;
}

/**
 * Samples until one fails, `n` held, or `n` had no data. A sample without data (no series, or only
 * NaN: 0/0, no traffic) is no evidence either way: it does not count toward the `n`, so a fresh
 * series that Prometheus has not yet scraped twice delays the verdict instead of deciding it.
 */
export async function analyse(a: AnalysisSpec, fx: AnalysisEffects): Promise<AnalysisResult> {
  const n = sampleCount(a);
  const threshold = a.query !== undefined ? parseThreshold(a.threshold ?? "") : undefined;
  let last: AnalysisResult = { ok: true, samples: 0, why: "" };
  let held = 0;
  let silent = 0;
  for (let i = 1; held < n; i++) {
    await fx.sleep(a.interval ?? ANALYSIS_DEFAULTS.interval);
    if (a.query !== undefined && threshold) {
      const values = (await fx.query(a.prometheus!, a.query)).filter((v) => !Number.isNaN(v));
      const wanted = a.threshold!.trim();
      const report = (ok: boolean, value: string, at: string): AnalysisResult => ({
        ok,
        samples: i,
        why: `analysis ${ok ? "passed" : "failed"}: ${a.query} = ${value}, wanted ${wanted} (${at})`,
        query: a.query,
        value,
        threshold: wanted,
      });
      if (values.length === 0) {
        // silence as long as the samples wanted: nothing to judge the release by, so it is not good
        if (++silent === n) return report(false, "no data", `no data in ${n} samples; ${held} of ${n} held`);
        continue;
      }
      const bad = values.find((v) => !OPS[threshold.op]!(v, threshold.bound));
      const after = silent > 0 ? `, after ${silent} without data` : "";
      last = report(bad === undefined, String(bad ?? values[values.length - 1]), `sample ${++held} of ${n}${after}`);
    } else {
      const r = await fx.run(a.command!);
      const ok = r.code === 0;
      last = {
        ok,
        samples: i,
        why: `analysis ${ok ? "passed" : "failed"}: command ${a.command} exited ${r.code}${r.output ? `: ${oneLine(r.output).slice(-300)}` : ""} (sample ${++held} of ${n})`,
        value: `exit ${r.code}`,
      };
    }
    if (!last.ok) return last;
  }
  return last;
}

/** Prometheus' instant query API: the values of the result's samples (a vector, or a scalar). */
export async function promQuery(base: string, promql: string): Promise<number[]> {
  const url = `${base.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const res = await fetch(url).catch((e: unknown) => {
    throw new TaskError(`analysis: Prometheus at ${base} cannot be reached: ${(e as Error).message}`, {
      cause: e,
      hint: "check analysis.prometheus: the controller queries it",
    });
  });
  const body = (await res.json().catch(() => ({}))) as {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  if (body.status !== "success")
    throw new TaskError(`analysis: Prometheus refused the query ${promql}: ${body.error ?? `HTTP ${res.status}`}`, {
      hint: "check analysis.query",
    });
  const result = body.data?.result;
  if (body.data?.resultType === "scalar") return [Number((result as [number, string])[1])];
  return ((result as Array<{ value: [number, string] }>) ?? []).map((s) => Number(s.value[1]));
}

/** The analysis with its real effects: Prometheus from the controller, the command on the host in the app's directory. */
export async function analyseRelease(ctx: ModuleContext, a: AnalysisSpec, appDir: string): Promise<AnalysisResult> {
  ctx.progress(`analysis of ${ctx.host}: ${a.query ?? a.command}`);
  return analyse(a, {
    query: promQuery,
    run: async (command) => {
      const r = await ctx.run(sh`cd ${appDir} && sh -c ${command} 2>&1 </dev/null`);
      return { code: r.code, output: r.stdout + r.stderr };
    },
    sleep: (s) => new Promise((done) => setTimeout(done, s * 1000)),
  });
}

/** The spec is complete before anything changes: a query with its Prometheus and threshold, or a command. */
export function checkAnalysis(a: AnalysisSpec): void {
  const bad = (what: string) =>
    new TaskError(`analysis ${what}`, {
      hint: "give query, threshold and prometheus, or command (docs/rollouts.md)",
    });
  if ((a.query === undefined) === (a.command === undefined)) throw bad("needs exactly one of query and command");
  if (a.query !== undefined && (a.prometheus === undefined || a.threshold === undefined))
    throw bad("with a query needs prometheus and threshold");
  if (a.threshold !== undefined) parseThreshold(a.threshold);
}
