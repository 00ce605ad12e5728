// What `armgo cron install` schedules: the drift command line (absolute paths, for cron's bare
// environment) and when, spread by a delay derived from the entry's name.
import { createHash } from "node:crypto";
import { basename, extname } from "node:path";
import { InputError } from "../errors.js";
import { sh } from "../transport/quote.js";

export interface CronJob {
  name: string;
  playbook: string;
  /** Every -i, absolute. */
  inventory: string | readonly string[];
  every: string;
  fix: boolean;
  metrics?: string;
  /** The HTML fleet report drift rewrites after each run. */
  report?: string;
  auditDir: string;
  log: string;
  /** The node binary and armgo's main.js, absolute. */
  node: string;
  main: string;
  /** Where it was installed from: relative paths in the inventory (identity_file, known_hosts) resolve there. */
  cwd: string;
  /** The controller cache (run locks live there): the same one interactive runs use. */
  cache: string;
}

export const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

export function checkName(name: string): string {
  if (!NAME_PATTERN.test(name))
    throw new InputError(`cron name '${name}' may hold only letters, digits, '.', '_' and '-'`, {
      hint: "pass --name NAME",
    });
  return name;
}

/** A file name's stem, as a name may hold it. */
const stem = (path: string): string => basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]/g, "_");

/**
 * The name when none is given: the playbook's and the (first) inventory's stems, and a short hash of
 * every inventory's absolute path, so two inventories running one site.yaml get two entries.
 */
export function defaultName(playbook: string, inventories: readonly string[]): string {
  const hash = createHash("sha256").update(inventories.join("\n")).digest("hex").slice(0, 6);
  return `${stem(playbook)}-${stem(inventories[0] ?? "")}-${hash}`;
}

/** `--every 30m` / `2h` in minutes; the period must divide an hour or a day so every run is evenly spaced. */
export function periodMinutes(every: string): number {
  const m = /^(\d+)([mh])$/.exec(every);
  const n = m ? Number(m[1]) : 0;
  const minutes = m?.[2] === "h" ? n * 60 : n;
  if (!m || minutes < 1 || (minutes <= 60 ? 60 % minutes : (minutes % 60) + (1440 % minutes)) !== 0) {
    throw new InputError(
      `--every '${every}' must divide an hour (5m, 10m, 15m, 20m, 30m, 60m) or a day (1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h)`,
    );
  }
  return minutes;
}

/** A stable offset into the period from the name, so controllers with different names spread out. */
export function splayMinutes(name: string, period: number): number {
  return createHash("sha256").update(name).digest().readUInt32BE(0) % period;
}

/** The five cron time fields: every `period` minutes, starting `splay` minutes in. */
export function cronSchedule(period: number, splay: number): string {
  const list = (start: number, step: number, end: number): string =>
    Array.from({ length: Math.ceil((end - start) / step) }, (_, i) => start + i * step).join(",");
  if (period <= 60) return `${list(splay, period, 60)} * * * *`;
  return `${splay % 60} ${list(Math.floor(splay / 60), period / 60, 24)} * * *`;
}

/** The drift run as /bin/sh will get it; `%` is cron's newline, so it is escaped. */
export function commandLine(j: CronJob): string {
  const args = [
    j.node,
    j.main,
    "drift",
    j.playbook,
    ...[j.inventory].flat().flatMap((i) => ["-i", i]),
    "--audit-dir",
    j.auditDir,
    "--no-wait",
  ];
  if (j.fix) args.push("--fix");
  if (j.metrics) args.push("--metrics", j.metrics);
  if (j.report) args.push("--report", j.report);
  // the log is appended to run after run: each line says when it was written
  return sh`cd ${j.cwd} && ARMGO_CACHE=${j.cache} ARMGO_LOG_TIMESTAMPS=1 ${args} >>${j.log} 2>&1`;
}

export function crontabLine(j: CronJob): string {
  const period = periodMinutes(j.every);
  return `${cronSchedule(period, splayMinutes(j.name, period))} ${commandLine(j).replace(/%/g, "\\%")}`;
}
