// What a run takes, what it tells the renderer while it goes, and what it returns.
import type { InventorySources } from "../load/inventory.js";
import type { Diff, HostStatus, Plan } from "../modules/contract.js";
import type { HostKeyChecking } from "../transport/connect.js";
import type { Transport } from "../transport/transport.js";
import type { Shard } from "./shard.js";

export interface RunOptions {
  /** Files to load; a caller that built the model in memory passes it to runPlaybook instead. */
  playbook?: string;
  inventory?: InventorySources;
  check?: boolean;
  diff?: boolean;
  limit?: string;
  /** Only these inventory hosts (of those the play's pattern selects): a set, not a pattern. */
  hosts?: string[];
  /** Only this runner's share of the fleet (--shard I/N). */
  shard?: Shard;
  tags?: string[];
  skipTags?: string[];
  forks?: number;
  extraVars?: Record<string, unknown>;
  auditDir?: string;
  hostKeyChecking?: HostKeyChecking;
  knownHosts?: string;
  /** -F: the OpenSSH client config (default ~/.ssh/config). */
  sshConfig?: string;
  /** -u, --private-key, -K's password (engine/connection.ts), -b and --become-user (load/become.ts). */
  user?: string;
  privateKey?: string;
  becomePassword?: string;
  become?: boolean;
  becomeUser?: string;
  /** Opens a host's connection in place of ssh or local from its vars (bench/sim.ts's simulated fleet). */
  connect?: (host: string) => Promise<Transport>;
  /** Stops the run: no new task or command starts; the commands in flight are stopped on their hosts (watch.ts). */
  signal?: AbortSignal;
  /** Report every remote command with its output (-v). */
  verbose?: boolean;
  onEvent?: (e: RunEvent) => void;
  /** One line for the user beside the output (a stale host lock taken over). */
  onNotice?: (line: string) => void;
}

export type { HostStatus };

/** What one task (or one loop item) came to on a host, before it is recorded. */
export interface Outcome {
  status: HostStatus;
  changed: boolean;
  msg: string;
  data: Record<string, unknown>;
  plan?: Plan;
  uncertain?: boolean;
}

export interface TaskResult {
  host: string;
  play: string;
  task: string;
  module: string;
  status: HostStatus;
  changed: boolean;
  msg: string;
  diff?: Diff;
  /** Outcome unknown in advance (check mode of an unguarded command). */
  uncertain?: boolean;
  data?: Record<string, unknown>;
  duration_ms: number;
  item?: unknown;
  /** Position of the task in its play_start's `tasks` (for grouping output by task). */
  task_index?: number;
}

export interface RemoteCommand {
  host: string;
  script: string;
  code: number;
  stdout: string;
  stderr: string;
  duration_ms: number;
}

export type RunEvent =
  /** What loading the playbook accepted but Ansible warns about (`file:line:col: what`), before the first play. */
  | { type: "warning"; text: string }
  /** `tasks`: what a host of the play may report, in order (Gathering Facts, the tasks, then the handlers). */
  | { type: "play_start"; play: string; hosts: string[]; check: boolean; tasks: string[] }
  | { type: "play_skip"; play: string; reason: string }
  /** A batch of the play (all its hosts without `serial`) begins: its hosts start in this order, `forks` at once, each next one when one is done. */
  | { type: "batch_start"; play: string; hosts: string[]; forks: number }
  | { type: "task_start"; host: string; play: string; task: string; task_index?: number }
  /** The host has nothing more to do in this play (finished, failed or unreachable). */
  | { type: "host_done"; host: string; play: string }
  | { type: "task_result"; result: TaskResult }
  | { type: "progress"; host: string; task: string; text: string }
  | { type: "command"; command: RemoteCommand }
  /** `deployed`: per app, which hosts run which release, when some result named one. */
  | { type: "recap"; recap: Recap; deployed?: DeployedSummary };

export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  ignored: number;
}

export type Recap = Record<string, HostRecap>;

export interface RunResult {
  recap: Recap;
  /** Per app, which hosts run which release, when some result named one (data.deployed). */
  deployed?: DeployedSummary;
  interrupted: boolean;
  runId: string;
  stats: { connections: number; execs: number; bytesSent: number };
  /** Per host, the audit log's chain head after this run: keep it to catch a truncated log later. */
  auditHeads: Record<string, string>;
}

export function emptyRecap(): HostRecap {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, ignored: 0 };
}

/** Per app, which release each host runs after a run (engine/deployed.ts collects it). */
export interface DeployedApp {
  /** Host → the release current there after its newest result that named one (inventory order); null: none. */
  hosts: Record<string, string | null>;
  /** Hosts of the rollout's play that no batch reached: they run what they ran before. */
  not_started: string[];
  /** Hosts the play ran on whose results named no release (unreachable, or failed before). */
  unknown: string[];
  /** The release was never made (its build failed): why, and the hosts left as they were. */
  not_shipped?: { why: string; hosts: string[] };
}

export type DeployedSummary = Record<string, DeployedApp>;
