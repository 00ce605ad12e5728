// The report's data from the fleet's logs: every host shown, only trusted hosts counted.
import { days, deploys, runs, timeline } from "./history.js";
import type { FleetReport, HostNow } from "./model.js";
import { groupBy, hostNow, releaseRows } from "./now.js";
import type { HostLogs } from "./read.js";

export interface BuildOptions {
  auditDirs: string[];
  since: Date;
  now: Date;
  /** Inventory hosts no log names: shown as never run. */
  unseen?: string[];
}

export function buildReport(logs: HostLogs[], opts: BuildOptions): FleetReport {
  const since = opts.since.toISOString();
  const trusted = logs.filter((h) => h.chain.state === "verified");
  const now: HostNow[] = [
    ...logs.map(hostNow),
    ...(opts.unseen ?? []).map((host) => ({
      host,
      apps: [],
      chain: { state: "verified" as const, records: 0 },
      trusted: true,
    })),
  ].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const counted = now.filter((h) => h.trusted);
  return {
    generated_at: opts.now.toISOString(),
    since,
    audit_dirs: opts.auditDirs,
    hosts: now,
    go_versions: groupBy(counted, (h) => h.go ?? "unknown (no facts kept)"),
    os_releases: groupBy(counted, (h) => (h.os ? `${h.os} · ${h.arch} · glibc ${h.glibc}` : "unknown (no facts kept)")),
    releases: releaseRows(trusted, counted),
    days: days(trusted, since, opts.now.toISOString()),
    runs: runs(trusted, since),
    deploys: deploys(trusted, since),
    untrusted: logs.filter((h) => h.chain.state !== "verified").map((h) => h.host),
    timelines: Object.fromEntries(logs.map((h) => [h.host, timeline(h)])),
  };
}
