// Markdown tables from the samples of one host count: timings with ratios against the issue's targets, then per-host costs.
import type { Quiet } from "./machine.js";
import { kib, median, mib, seconds } from "./stats.js";
import { TOOLS, type Scenario, type Tool } from "./tools.js";

export interface Sample {
  hosts: number;
  round: number;
  tool: Tool;
  scenario: Scenario;
  wallMs: number;
  /** The tool's CPU (user + sys, waited-for children included); absent in samples from before it was recorded. */
  cpuMs?: number;
  before: Quiet;
  /** Per host, in fleet order. */
  connections: number[];
  sessions: number[];
  bytesToSshd: number[];
  sessionKinds: Record<string, number>;
  /** Per host: CPU of its container over the run (sshd, the command and its children), and processes started there. */
  hostCpuMs?: number[];
  hostProcesses?: number[];
  maxRssBytes: number;
  peakPssBytes: number;
  processesAtPeak: number;
  log: string;
}

export const SCENARIOS: Scenario[] = ["install", "converged", "check"];
export const LABEL: Record<Tool, string> = { armgo: "armgo", floor: "floor", ansible: "Ansible", mitogen: "Mitogen" };
/** Issue 13's targets: armgo's median over the other's median, at most this. */
const TARGET: Record<Scenario, Partial<Record<Tool, number>>> = {
  install: { floor: 1.3 },
  converged: { floor: 1.5, ansible: 0.05, mitogen: 0.25 },
  check: { floor: 1.5, ansible: 0.05, mitogen: 0.25 },
};
const OTHERS: Tool[] = ["floor", "ansible", "mitogen"];

export const pick = (samples: Sample[], tool: Tool, scenario: Scenario) =>
  samples.filter((s) => s.tool === tool && s.scenario === scenario);
export const medianWall = (samples: Sample[], tool: Tool, scenario: Scenario): number | undefined => {
  const xs = pick(samples, tool, scenario).map((s) => s.wallMs);
  return xs.length ? median(xs) : undefined;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
// Per-host figure of one run: the mean over hosts, and the spread when hosts differ.
const perHost = (xs: number[], fmt: (n: number) => string) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? fmt(lo) : `${fmt(mean(xs))} (${fmt(lo)}–${fmt(hi)})`;
};
const count = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const ms = (x: number) => `${x.toFixed(1)} ms`;
const opt = (ms: number | undefined) => (ms === undefined ? "—" : seconds(ms));

/** `0.123 (≤ 0.25 yes)`, or the ratio alone where the issue sets no target. */
function ratioCell(armgo: number | undefined, other: number | undefined, target: number | undefined): string {
  if (armgo === undefined || other === undefined) return "—";
  const r = armgo / other;
  const text = r >= 10 ? r.toFixed(1) : r.toFixed(3);
  if (target === undefined) return text;
  return `${text} (≤ ${target}: ${r <= target ? "yes" : `**no**, ${(r / target).toFixed(1)}×`})`;
}

export function report(samples: Sample[]): string {
  const n = samples[0]?.hosts ?? 0;
  const out = [
    `### N = ${n} hosts (forks = ${n})`,
    "",
    "Wall time, median; ratio = armgo's median over the other's (target and whether met).",
    "",
    "| scenario | armgo | floor | Ansible | Mitogen | armgo/floor | armgo/Ansible | armgo/Mitogen | runs (armgo, floor, Ansible, Mitogen) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const sc of SCENARIOS) {
    const m = Object.fromEntries(TOOLS.map((t) => [t, medianWall(samples, t, sc)])) as Record<Tool, number | undefined>;
    if (m.armgo === undefined) continue;
    const ratios = OTHERS.map((t) => ratioCell(m.armgo, m[t], TARGET[sc][t]));
    const runs = ["armgo", "floor", "ansible", "mitogen"].map((t) => pick(samples, t as Tool, sc).length).join(", ");
    out.push(
      `| ${sc} | ${opt(m.armgo)} | ${opt(m.floor)} | ${opt(m.ansible)} | ${opt(m.mitogen)} | ${ratios.join(" | ")} | ${runs} |`,
    );
  }
  out.push("", "Per host (median run; mean over hosts, min–max when hosts differ) and the controller:", "");
  out.push(
    "| scenario | tool | SSH connections/host | remote commands/host | bytes to sshd/host | host CPU/host | processes/host | controller CPU | max RSS (GNU time %M) | peak PSS, all processes (count) |",
  );
  out.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const sc of SCENARIOS) {
    for (const tool of TOOLS) {
      const runs = pick(samples, tool, sc);
      if (!runs.length) continue;
      const mid = [...runs].sort((x, y) => x.wallMs - y.wallMs)[Math.floor(runs.length / 2)]!;
      const kinds = Object.entries(mid.sessionKinds)
        .map(([k, v]) => `${k} ${count(v / n)}`)
        .join(", ");
      const cpu = runs.every((r) => r.cpuMs !== undefined) ? seconds(median(runs.map((r) => r.cpuMs!))) : "—";
      out.push(
        `| ${sc} | ${LABEL[tool]} | ${perHost(mid.connections, count)} | ${perHost(mid.sessions, count)}${kinds ? ` (${kinds})` : ""} | ${perHost(mid.bytesToSshd, kib)} | ${mid.hostCpuMs ? perHost(mid.hostCpuMs, ms) : "—"} | ${mid.hostProcesses ? perHost(mid.hostProcesses, count) : "—"} | ${cpu} | ${mib(median(runs.map((r) => r.maxRssBytes)))} | ${mib(median(runs.map((r) => r.peakPssBytes)))} (${mid.processesAtPeak}) |`,
      );
    }
  }
  out.push(
    "",
    "Every run (load = 1-min load average before the run; busy = CPU busy fraction in the second before it):",
    "",
  );
  out.push(
    "| round | tool | scenario | wall | CPU | load | busy | output |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const s of samples) {
    out.push(
      `| ${s.round} | ${LABEL[s.tool]} | ${s.scenario} | ${seconds(s.wallMs)} | ${s.cpuMs === undefined ? "—" : seconds(s.cpuMs)} | ${s.before.load1.toFixed(2)} | ${(s.before.busy * 100).toFixed(0)}% | ${s.log} |`,
    );
  }
  return out.join("\n") + "\n";
}
