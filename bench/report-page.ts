// `armgo report` on a generated fleet: how long reading, verifying and rendering a 1,000-host audit
// dir takes (target under 2 s), and how big the page and the logs are. No hosts, no Docker.
// Usage: node dist/bench/report-page.js [--hosts 1000] [--days 30] [--runs 5]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { report } from "../src/commands/report.js";
import { writeAuditFleet } from "./audit-fleet.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "1000" },
    days: { type: "string", default: "30" },
    runs: { type: "string", default: "5" },
  },
});
const dir = mkdtempSync(join(tmpdir(), "armgo-report-bench-"));
const audit = join(dir, "audit");
const out = join(dir, "fleet.html");
const end = new Date(Date.now() - 86_400_000);
writeAuditFleet(audit, { hosts: Number(values.hosts), days: Number(values.days), end });
const logs = readdirSync(audit).reduce((n, f) => n + statSync(join(audit, f)).size, 0);

const walls: number[] = [];
const cpus: number[] = [];
for (let i = 0; i < Number(values.runs); i++) {
  const [t, c] = [performance.now(), process.cpuUsage()];
  await report({ auditDirs: [audit], out });
  walls.push(performance.now() - t);
  // CPU time as well: on a machine shared with other work, wall time measures the load
  const used = process.cpuUsage(c);
  cpus.push((used.user + used.system) / 1000);
}
// the CLI as cron runs it: a fresh process, start-up included
const t = performance.now();
execFileSync(process.execPath, [
  join(import.meta.dirname, "../src/cli/main.js"),
  "report",
  "--audit-dir",
  audit,
  "-o",
  out,
]);
const cli = performance.now() - t;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
console.log(
  `${values.hosts} hosts, ${values.days} days: logs ${mib(logs)}; report in-process median ${median(walls).toFixed(0)} ms wall, ${median(cpus).toFixed(0)} ms CPU (walls: ${walls.map((w) => w.toFixed(0)).join(", ")}); CLI ${cli.toFixed(0)} ms wall; page ${mib(statSync(out).size)}; load average ${loadavg()[0]!.toFixed(1)}`,
);
rmSync(dir, { recursive: true, force: true });
