// Markdown tables from the samples of one host count: timings with ratios and targets, then per-host costs.
import type { Quiet } from "./machine.js";
import { kib, median, mib, seconds } from "./stats.js";
import type { Scenario, Tool } from "./tools.js";

export interface Sample {
  hosts: number;
  round: number;
  tool: Tool;
  scenario: Scenario;
  wallMs: number;
  before: Quiet;
  /** Per host, in fleet order. */
  connections: number[];
  sessions: number[];
  bytesToSshd: number[];
  sessionKinds: Record<string, number>;
  maxRssBytes: number;
  peakPssBytes: number;
  processesAtPeak: number;
  log: string;
}

const SCENARIOS: Scenario[] = ["install", "converged", "check"];
const TARGET: Record<Scenario, number> = { install: 0.3, converged: 0.1, check: 0.1 };
const TOOLS: Tool[] = ["armgo", "ansible"];

const pick = (samples: Sample[], tool: Tool, scenario: Scenario) => samples.filter((s) => s.tool === tool && s.scenario === scenario);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
// Per-host figure of one run: the mean over hosts, and the spread when hosts differ.
const perHost = (xs: number[], fmt: (n: number) => string) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? fmt(lo) : `${fmt(mean(xs))} (${fmt(lo)}–${fmt(hi)})`;
};
const count = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function report(samples: Sample[]): string {
  const n = samples[0]?.hosts ?? 0;
  const out = [`### N = ${n} hosts (forks = ${n})`, "", "| scenario | armgo | Ansible | armgo/Ansible | target | met | runs (armgo, Ansible) |", "| --- | --- | --- | --- | --- | --- | --- |"];
  for (const sc of SCENARIOS) {
    const a = pick(samples, "armgo", sc).map((s) => s.wallMs);
    const b = pick(samples, "ansible", sc).map((s) => s.wallMs);
    if (!a.length || !b.length) continue;
    const ratio = median(a) / median(b);
    out.push(`| ${sc} | ${seconds(median(a))} | ${seconds(median(b))} | ${ratio.toFixed(3)} | ≤ ${TARGET[sc].toFixed(2)} | ${ratio <= TARGET[sc] ? "yes" : "**no**"} | ${a.length}, ${b.length} |`);
  }
  out.push("", "Per host (median run; mean over hosts, min–max when hosts differ) and controller memory:", "");
  out.push("| scenario | tool | SSH connections/host | remote commands/host | bytes to sshd/host | max RSS (GNU time %M) | peak PSS, all processes (count) |");
  out.push("| --- | --- | --- | --- | --- | --- | --- |");
  for (const sc of SCENARIOS) {
    for (const tool of TOOLS) {
      const runs = pick(samples, tool, sc);
      if (!runs.length) continue;
      const mid = [...runs].sort((x, y) => x.wallMs - y.wallMs)[Math.floor(runs.length / 2)]!;
      const kinds = Object.entries(mid.sessionKinds).map(([k, v]) => `${k} ${count(v / n)}`).join(", ");
      out.push(
        `| ${sc} | ${tool} | ${perHost(mid.connections, count)} | ${perHost(mid.sessions, count)}${kinds ? ` (${kinds})` : ""} | ${perHost(mid.bytesToSshd, kib)} | ${mib(median(runs.map((r) => r.maxRssBytes)))} | ${mib(median(runs.map((r) => r.peakPssBytes)))} (${mid.processesAtPeak}) |`,
      );
    }
  }
  out.push("", "Every run (load = 1-min load average before the run; busy = CPU busy fraction in the second before it):", "");
  out.push("| round | tool | scenario | wall | load | busy | output |", "| --- | --- | --- | --- | --- | --- | --- |");
  for (const s of samples) out.push(`| ${s.round} | ${s.tool} | ${s.scenario} | ${seconds(s.wallMs)} | ${s.before.load1.toFixed(2)} | ${(s.before.busy * 100).toFixed(0)}% | ${s.log} |`);
  return out.join("\n") + "\n";
}
