// `armgo report` on a generated fleet (target: a 1,000-host, 30-day audit dir in under 2 s), three
// ways: a first render (no cache beside the logs), a rerun (each log's verified prefix cached,
// nothing appended) and a rerun after a day was appended to every log (what cron does after a drift
// run); beside them the floor, reading every log and hashing its bytes once. No hosts, no Docker.
// `npm run bench -- report-page [--hosts 1000] [--days 30] [--runs 5]`
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { report } from "../src/commands/report.js";
import { cachePath } from "../src/report/cache.js";
import { benchArgs } from "./args.js";
import { writeAuditFleet } from "./audit-fleet.js";
import { kib, median } from "./stats.js";

const USAGE = `
Usage: npm run bench -- report-page [--hosts 1000] [--days 30] [--runs 5]

Times armgo report over a generated audit dir: first render, rerun, rerun after a day appended, and
the floor (read and sha256 every log); prints medians of CPU and wall time and the page's size.
`;

interface Timed {
  wall: number;
  cpu: number;
}

/** Wall and CPU time of `body`: on a machine shared with other work, wall time measures the load. */
async function timed(body: () => unknown): Promise<Timed> {
  const [t, c] = [performance.now(), process.cpuUsage()];
  await body();
  const used = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}

const logsOf = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .map((f) => join(dir, f));

export async function reportPageBench(args: string[]): Promise<void> {
  const { values } = benchArgs(USAGE, {
    args,
    options: {
      hosts: { type: "string", default: "1000" },
      days: { type: "string", default: "30" },
      runs: { type: "string", default: "5" },
    },
  });
  const [hosts, days, runs] = [Number(values.hosts), Number(values.days), Number(values.runs)];
  const dir = mkdtempSync(join(tmpdir(), "armgo-report-bench-"));
  const [audit, later, work] = ["audit", "later", "work"].map((d) => join(dir, d)) as [string, string, string];
  const out = join(dir, "fleet.html");
  const end = new Date(Date.now() - 86_400_000);
  writeAuditFleet(audit, { hosts, days, end });
  // the same fleet a day on: each log is the one above with a day's records appended (but the canary's)
  writeAuditFleet(later, { hosts, days: days + 1, end: new Date(end.getTime() + 86_400_000) });
  const logs = logsOf(audit).reduce((n, f) => n + statSync(f).size, 0);
  const samples: Record<"floor" | "first" | "rerun" | "appended", Timed[]> = {
    floor: [],
    first: [],
    rerun: [],
    appended: [],
  };
  for (let i = 0; i < runs; i++) {
    samples.floor.push(
      await timed(() => {
        for (const f of logsOf(audit)) createHash("sha256").update(readFileSync(f)).digest("hex");
      }),
    );
    rmSync(cachePath(audit), { force: true });
    samples.first.push(await timed(() => report({ auditDirs: [audit], out })));
    samples.rerun.push(await timed(() => report({ auditDirs: [audit], out })));
    rmSync(work, { recursive: true, force: true });
    cpSync(audit, work, { recursive: true });
    for (const f of logsOf(later)) cpSync(f, join(work, f.slice(later.length + 1)));
    samples.appended.push(await timed(() => report({ auditDirs: [work], out })));
  }
  // the CLI as cron runs it: a fresh process, start-up included, caches in place
  const cli = await timed(() =>
    execFileSync(process.execPath, [
      join(import.meta.dirname, "../src/cli/main.js"),
      "report",
      "--audit-dir",
      audit,
      "-o",
      out,
    ]),
  );
  const page = statSync(out).size;
  const caches = statSync(cachePath(audit)).size;
  const floor = median(samples.floor.map((s) => s.cpu));
  console.log(`report-page: ${hosts} hosts, ${days} days, logs ${kib(logs)}, cache ${kib(caches)}, page ${kib(page)}`);
  for (const [name, s] of Object.entries(samples)) {
    const cpu = median(s.map((x) => x.cpu));
    console.log(
      `  ${name.padEnd(8)} median CPU ${cpu.toFixed(0)} ms (${(cpu / floor).toFixed(1)}x floor), wall ${median(s.map((x) => x.wall)).toFixed(0)} ms; CPU ${s.map((x) => x.cpu.toFixed(0)).join(", ")}`,
    );
  }
  console.log(`  CLI rerun (fresh process) wall ${cli.wall.toFixed(0)} ms; load average ${loadavg()[0]!.toFixed(1)}`);
  rmSync(dir, { recursive: true, force: true });
}
