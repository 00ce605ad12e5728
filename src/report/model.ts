// The report's data: what the HTML page draws and what `armgo report --json` prints, one shape for both.

/** Whether a host's audit log(s) hold their hash chain. */
export interface ChainVerdict {
  state: "verified" | "tampered";
  /** Records read, over all of the host's logs. */
  records: number;
  /** Where the chain breaks and how (file:line: what); absent when it holds. */
  detail?: string;
}

export type ReleaseStatus = "good" | "bad" | "unfinished" | "rolled back" | "none";

export interface HostApp {
  app: string;
  /** The release current after the host's last deploy of the app (null: none is). */
  release: string | null;
  status: ReleaseStatus;
  /** The release the last deploy found bad (and left), or left unfinished. */
  left?: string;
}

export type RunResult = "ok" | "changed" | "failed" | "unreachable" | "interrupted" | "unfinished";

export interface HostNow {
  host: string;
  arch?: string;
  os?: string;
  glibc?: string;
  /** As `go version` names it: go1.22.12; "none" when the host has no go. */
  go?: string;
  apps: HostApp[];
  last_run?: { ts: string; run_id: string; check: boolean; result: RunResult };
  /** What the last drift check concluded. */
  drift?: { ts: string; state: "in_sync" | "drifted" | "fixed" | "failed" | "unreachable" };
  chain: ChainVerdict;
  /** False when the chain is broken: the host's records are kept out of every view but its own. */
  trusted: boolean;
}

/** Hosts sharing one value (a Go version, an OS): the count and the first few names. */
export interface Group {
  key: string;
  hosts: number;
  sample: string[];
}

export interface ReleaseRow {
  app: string;
  release: string;
  /** bad when a host found it bad, unfinished when a deploy of it never settled, else good. */
  status: "good" | "bad" | "unfinished";
  /** Hosts it is current on now. */
  current: number;
  bad_on: string[];
  unfinished_on: string[];
  first_seen: string;
}

/** One UTC day of the window. */
export interface DayRow {
  day: string;
  /** Hosts a drift check found out of the wanted state, and those of them --fix brought back. */
  drift_found: number;
  drift_fixed: number;
  /** Distinct runs (check runs included) and those where a host failed or was unreachable. */
  runs: number;
  failed_runs: number;
  /** Task records that failed or found the host unreachable (check runs included). */
  failures: number;
}

export interface RunRow {
  run_id: string;
  ts: string;
  playbook: string;
  kind: "play" | "check" | "drift";
  hosts: number;
  failed_hosts: number;
  /** From the first host's start to the last host's end. */
  duration_s: number;
}

export interface DeployEvent {
  ts: string;
  app: string;
  host: string;
  /** rolled back: the deploy's release went bad and the host went back; rollback: `armgo rollback` switched it. */
  kind: "deployed" | "rolled back" | "rollback" | "unfinished";
  release: string | null;
  /** deployed/rollback: the release before; rolled back: the bad release left; unfinished: the one not settled. */
  other?: string;
}

export interface TimelineRow {
  ts: string;
  run_id: string;
  what: string;
  status: string;
  /** A check or drift run's "would …": nothing was done. */
  check: boolean;
  msg: string;
}

export interface HostTimeline {
  chain: ChainVerdict;
  rows: TimelineRow[];
  /** Rows left out (the page keeps the newest). */
  older: number;
}

export interface FleetReport {
  generated_at: string;
  /** Start of the over-time views' window. */
  since: string;
  audit_dirs: string[];
  hosts: HostNow[];
  /** Over trusted hosts only. */
  go_versions: Group[];
  os_releases: Group[];
  releases: ReleaseRow[];
  days: DayRow[];
  runs: RunRow[];
  deploys: DeployEvent[];
  /** Hosts whose log is tampered: shown, not counted. */
  untrusted: string[];
  timelines: Record<string, HostTimeline>;
}
