// The fleet now: per host its facts, each app's current release, its last run and drift check;
// per app release, where it is current, where it went bad and where it was left unfinished.
import type { Kept } from "./kept.js";
import type { Group, HostApp, HostNow, ReleaseRow, RunResult } from "./model.js";
import { byText, type HostLogs } from "./read.js";

function runResult(end: Kept | undefined): RunResult {
  if (end?.type !== "run_end") return "unfinished";
  if (end.interrupted) return "interrupted";
  const recap = end.recap ?? {};
  if (recap.unreachable) return "unreachable";
  if (recap.failed) return "failed";
  return recap.changed ? "changed" : "ok";
}

/** What a real (not check) task naming a release says about the app on the host. */
function appAfter(r: Extract<Kept, { type: "task" }>, before: HostApp | undefined): HostApp {
  const rel = r.release!;
  if (r.status === "failed" && rel.failed && rel.failed !== rel.release)
    return { app: rel.app, release: rel.release, status: "rolled back", left: rel.failed };
  if (r.status === "failed" && rel.target)
    return { app: rel.app, release: rel.release, status: "unfinished", left: rel.target };
  if (r.status === "failed") return { app: rel.app, release: rel.release, status: before?.status ?? "good" };
  return { app: rel.app, release: rel.release, status: rel.release === null ? "none" : "good" };
}

export function hostNow(h: HostLogs): HostNow {
  const checks = h.checks;
  const apps = new Map<string, HostApp>();
  let start: Extract<Kept, { type: "run_start" }> | undefined;
  let end: Kept | undefined;
  let drift: HostNow["drift"];
  for (const r of h.records) {
    if (r.type === "run_start") [start, end] = [r, undefined];
    else if (r.type === "run_end" && r.run_id === start?.run_id) end = r;
    else if (r.type === "drift") drift = { ts: r.ts ?? "", state: r.state };
    else if (r.type === "task" && r.release && !checks.has(r.run_id))
      apps.set(r.release.app, appAfter(r, apps.get(r.release.app)));
  }
  const f = h.facts;
  return {
    host: h.host,
    ...(f
      ? {
          arch: f.arch,
          os: f.os.pretty_name || `${f.os.id} ${f.os.version_id}`,
          glibc: f.libc.kind === "glibc" ? f.libc.version : `${f.libc.kind} ${f.libc.version}`,
          go: f.go_version ? `go${f.go_version}` : "none",
        }
      : {}),
    apps: [...apps.values()].sort((a, b) => byText(a.app, b.app)),
    ...(start
      ? { last_run: { ts: start.ts ?? "", run_id: start.run_id, check: start.check, result: runResult(end) } }
      : {}),
    ...(drift ? { drift } : {}),
    chain: h.chain,
    trusted: h.chain.state === "verified",
  };
}

const SAMPLE = 5;

/** Hosts per value of `key`, largest group first: 1,000 hosts read as a few rows. */
export function groupBy(hosts: HostNow[], key: (h: HostNow) => string): Group[] {
  const groups = new Map<string, string[]>();
  for (const h of hosts) {
    const k = key(h);
    groups.set(k, [...(groups.get(k) ?? []), h.host]);
  }
  return [...groups]
    .map(([k, names]) => ({ key: k, hosts: names.length, sample: names.slice(0, SAMPLE) }))
    .sort((a, b) => b.hosts - a.hosts || byText(a.key, b.key));
}

/** Every release the trusted logs name, per app, with where it stands. */
export class Releases {
  private readonly rows = new Map<string, ReleaseRow & { healthy: boolean }>();

  private row(app: string, release: string, ts: string): ReleaseRow & { healthy: boolean } {
    const key = `${app}\0${release}`;
    let r = this.rows.get(key);
    if (!r) {
      r = { app, release, status: "good", current: 0, bad_on: [], unfinished_on: [], first_seen: ts, healthy: false };
      this.rows.set(key, r);
    }
    return r;
  }

  /** A trusted host's records, and where it stands now. */
  add(h: HostLogs, now: HostNow): void {
    const checks = h.checks;
    for (const r of h.records) {
      if (r.type !== "task" || !r.release || checks.has(r.run_id)) continue;
      const { app, release, failed, target } = r.release;
      const ts = r.ts ?? "";
      if (release && r.status !== "failed") this.row(app, release, ts).healthy = true;
      else if (release) this.row(app, release, ts);
      if (failed && failed !== release) add(this.row(app, failed, ts).bad_on, h.host);
      if (target && !failed) add(this.row(app, target, ts).unfinished_on, h.host);
    }
    for (const a of now.apps) if (a.release !== null) this.row(a.app, a.release, "").current++;
  }

  /** Every release the trusted logs name, per app, with where it stands. */
  result(): ReleaseRow[] {
    return [...this.rows.values()]
      .map(({ healthy, ...r }) => ({
        ...r,
        status: r.bad_on.length > 0 ? "bad" : !healthy && r.unfinished_on.length > 0 ? "unfinished" : "good",
      }))
      .sort((a, b) => byText(a.app, b.app) || byText(a.first_seen, b.first_seen)) as ReleaseRow[];
  }
}

function add(list: string[], host: string): void {
  if (!list.includes(host)) list.push(host);
}
