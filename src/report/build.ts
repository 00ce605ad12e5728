// The report's data from the fleet's logs, folded host after host: every host shown, only trusted
// hosts counted.
import { Days, deploys, Runs, timeline } from "./history.js";
import type { DeployEvent, FleetReport, HostNow, HostTimeline } from "./model.js";
import { groupBy, hostNow, Releases } from "./now.js";
import { byText, type HostLogs } from "./read.js";

export interface BuildOptions {
  auditDirs: string[];
  since: Date;
  now: Date;
  /** Only these hosts (the inventory's); those no log names are shown as never run. */
  only?: string[];
}

export function buildReport(logs: Iterable<HostLogs>, opts: BuildOptions): FleetReport {
  const since = opts.since.toISOString();
  const only = opts.only && new Set(opts.only);
  const hosts: HostNow[] = [];
  const timelines: Record<string, HostTimeline> = {};
  const untrusted: string[] = [];
  const [days, runs, releases] = [new Days(since, opts.now.toISOString()), new Runs(since), new Releases()];
  const moves: DeployEvent[] = [];
  for (const h of logs) {
    if (only && !only.has(h.host)) continue;
    const now = hostNow(h);
    hosts.push(now);
    timelines[h.host] = timeline(h);
    if (!now.trusted) {
      untrusted.push(h.host);
      continue;
    }
    days.add(h);
    runs.add(h);
    releases.add(h, now);
    moves.push(...deploys(h, since));
  }
  const seen = new Set(hosts.map((h) => h.host));
  for (const host of opts.only ?? [])
    if (!seen.has(host)) hosts.push({ host, apps: [], chain: { state: "verified", records: 0 }, trusted: true });
  hosts.sort((a, b) => byText(a.host, b.host));
  const counted = hosts.filter((h) => h.trusted);
  return {
    generated_at: opts.now.toISOString(),
    since,
    audit_dirs: opts.auditDirs,
    hosts,
    go_versions: groupBy(counted, (h) => h.go ?? "unknown (no facts kept)"),
    os_releases: groupBy(counted, (h) => (h.os ? `${h.os} · ${h.arch} · glibc ${h.glibc}` : "unknown (no facts kept)")),
    releases: releases.result(),
    days: days.result(),
    runs: runs.result(),
    deploys: moves.sort((a, b) => byText(a.ts, b.ts)),
    untrusted,
    timelines,
  };
}
