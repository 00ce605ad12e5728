// `armgo report`: the fleet as one self-contained HTML page (or its data as JSON), from the audit
// logs and the kept facts alone: no host is contacted.
import { auditDir } from "../audit/log.js";
import { parseSince } from "../audit/query.js";
import { loadInventory, type InventorySources } from "../load/inventory.js";
import { buildReport } from "../report/build.js";
import { reportHtml } from "../report/html.js";
import type { FleetReport } from "../report/model.js";
import { readFleet } from "../report/read.js";
import { writeFileAtomic } from "../write-file.js";

export interface ReportOptions {
  /** One audit dir, or one per shard: merged into the fleet's report (default .armgo/audit). */
  auditDirs?: string[];
  /** Only these hosts, and those without a log shown as never run. */
  inventory?: InventorySources;
  /** Window of the over-time views (default 30d). */
  since?: string;
  /** Where the page goes (written to a temp name, then renamed). */
  out?: string;
  now?: Date;
}

export const DEFAULT_SINCE = "30d";

export interface Reported {
  report: FleetReport;
  html: string;
}

export async function report(opts: ReportOptions): Promise<Reported> {
  const now = opts.now ?? new Date();
  const dirs = (opts.auditDirs?.length ? opts.auditDirs : [undefined]).map(auditDir);
  const data = buildReport(readFleet(dirs), {
    auditDirs: dirs,
    since: parseSince(opts.since ?? DEFAULT_SINCE, now.getTime()),
    now,
    only: opts.inventory === undefined ? undefined : [...loadInventory(opts.inventory).hosts.keys()],
  });
  const html = reportHtml(data);
  if (opts.out) writeFileAtomic(opts.out, html);
  return { report: data, html };
}
