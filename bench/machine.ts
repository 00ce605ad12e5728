// The machine a result was measured on, and how busy it is right before a run.
import { readFile } from "node:fs/promises";
import { cpus, loadavg, release, totalmem } from "node:os";

export function describeMachine(): string {
  const model = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} cores (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const fields = (await readFile("/proc/stat", "utf8")).split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle + iowait
  return { busy: total - fields[3]! - (fields[4] ?? 0), total };
}

/** Fraction of all CPUs busy over `ms`. */
export async function busyFraction(ms = 1_000): Promise<number> {
  const a = await cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = await cpuTimes();
  return (b.busy - a.busy) / Math.max(1, b.total - a.total);
}

export interface Quiet {
  load1: number;
  busy: number;
}

/** Wait (up to `maxWaitMs`) for the CPUs to be mostly idle, so another engineer's test run does not skew a timing. */
export async function waitQuiet(maxBusy = 0.25, maxWaitMs = 20_000): Promise<Quiet> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const busy = await busyFraction();
    if (busy <= maxBusy || Date.now() > deadline) return { load1: loadavg()[0]!, busy };
  }
}
