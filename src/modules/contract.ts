// The module contract (docs/architecture.md): probe (read-only) -> plan (pure) -> apply.
// --check runs probe + plan only, through the same code, so a check can't disagree with a run.
import type { Facts } from "../facts/types.js";
import type { ExecOptions, ExecResult, PutOptions } from "../transport/transport.js";

// Probes print key=value lines, as the facts script does: modules read them with the same parser.
export { parseKv } from "../facts/kv.js";

export type Status = "ok" | "changed" | "failed" | "skipped";

/** What a task came to on a host: a module's status, or the host could not be reached. */
export type HostStatus = Status | "unreachable";

export interface Diff {
  before: string;
  after: string;
  /** Labels for the two sides, e.g. file paths or versions. */
  beforeHeader?: string;
  afterHeader?: string;
}

export interface Plan<Step = unknown, Data extends object = Record<string, unknown>> {
  /**
   * Changes to make, in order; empty means the host already is as wanted ("ok"). A module that
   * `checksOnly` lists its checks here instead: they are no change.
   */
  steps: Step[];
  /** One line: why nothing is needed ("go1.22.12 already at /usr/local/go"), or what will change. */
  msg: string;
  diff?: Diff;
  /** The module cannot know the outcome in advance (command without creates): said, not guessed. */
  uncertain?: boolean;
  /** Facts learned while probing, returned in the result and to `register`; apply reads them as typed here. */
  data?: Data;
}

/** What the probe script printed; the engine may have run it batched with other tasks' probes. */
export interface ProbeOutput {
  stdout: string;
  stderr: string;
  code: number;
}

export interface FetchOptions {
  onProgress?: (done: number, total: number) => void;
  /** Seconds without a byte before the fetch is given up (a slow but moving transfer goes on); default 30. */
  stallSeconds?: number;
}

/** Controller-side services shared by all hosts and tasks of one run (memoised per run). */
export interface Controller {
  /** GET a URL once per run, as text (feeds, checksum files). */
  fetchText(url: string): Promise<string>;
  /** Fetch a URL once per run into the controller cache and verify its sha256; returns the local path. */
  fetchFile(url: string, sha256: string, opts?: FetchOptions): Promise<string>;
  /** Per-run memo for anything else a module resolves once (key -> promise). */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** The run's Ctrl-C or SIGTERM: work a module does on the controller (a sysroot build) stops when it fires. */
  interrupt?: AbortSignal;
}

/** Other hosts of the inventory, over the run's connections: for a module that checks its result against the fleet. */
export interface Fleet {
  /** Hosts a pattern names, in inventory order; InputError when it names none. */
  hosts(pattern: string): string[];
  /** A host's facts, gathered once per run. */
  facts(host: string): Promise<Facts>;
  exec(host: string, script: string, opts?: ExecOptions): Promise<ExecResult>;
  put(host: string, local: string, remote: string, opts?: PutOptions): Promise<void>;
}

export interface ResolveContext {
  host: string;
  /** The run is --check: what an earlier task would make on the controller may not exist yet. */
  check?: boolean;
  facts: Facts;
  controller: Controller;
  fleet: Fleet;
}

export interface ModuleContext extends ResolveContext {
  check: boolean;
  /** The run's id: what a module records on the host as the change's author (a release manifest). */
  runId: string;
  /** The task's become (true = root). */
  become: boolean | string;
  /** Run a script on the host with the task's become; recorded in the audit log. */
  run(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Like run, but a non-zero exit throws RemoteCommandError (stderr tail in the message). */
  runOk(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Upload a local file (temp name beside `remote`, then rename); `become` in opts lands it as that user (shared/upload.ts does). */
  put(local: string, remote: string, opts?: PutOptions): Promise<void>;
  /** Live progress of a long step (shown on a TTY). */
  progress(text: string): void;
}

/** How the engine runs a probe. */
export interface ProbeOptions {
  /** The probe carries out the task itself: the module can (`probeRunsTask`) and the engine decided it may. */
  runsTask?: boolean;
}

/** What a module can do besides probe → plan → apply; whether a task uses it is the engine's decision. */
export interface Capabilities {
  /**
   * Its probe can carry the task out (it only reads): the engine has it do so, batched with other
   * probes and under --check too, when the task says it changes nothing and runs in check mode anyway.
   */
  probeRunsTask?: boolean;
  /**
   * It changes nothing: its plan's steps are checks (on other hosts), carried out by apply also
   * under --check (ctx.check says so, and they must leave nothing behind); its result is never a change.
   */
  checksOnly?: boolean;
}

/**
 * `data.deployed` of a result (also a failed one): the release of an app current on the host after
 * the task. The engine reads it, not the module's name, to say which hosts run which release.
 */
export interface Deployed {
  app: string;
  /** null: no release is current (the first one failed, with nothing to go back to). */
  release: string | null;
}

/** `data.deployed` of a task that failed before any release existed (its build failed): nothing shipped, the host is unchanged. */
export interface NotShipped {
  app: string;
  /** What happened, for the RELEASES block: "the build failed". */
  not_shipped: string;
}

export interface ApplyResult {
  msg?: string;
  data?: Record<string, unknown>;
}

export interface Module<
  Args = unknown,
  State = unknown,
  Step = unknown,
  Data extends object = Record<string, unknown>,
> {
  readonly name: string;
  readonly capabilities?: Capabilities;
  /**
   * Controller-side, before probing: turn user args into concrete ones (resolve go_version
   * against a feed, fetch a checksum file). Throw TaskError when that fails.
   */
  resolve?(args: Args, ctx: ResolveContext): Promise<Args>;
  /** Read-only: one POSIX sh script that reports the host's state. Never changes anything. */
  probe(args: Args, facts: Facts, opts?: ProbeOptions): string;
  /** Parse the probe output into state. Throw TaskError when the state makes the task impossible. */
  parse(out: ProbeOutput, args: Args, opts?: ProbeOptions): State;
  /** Pure: the changes needed to get from state to args. */
  plan(state: State, args: Args): Plan<Step, Data>;
  /** Carry out the plan; never called under --check (but see `checksOnly`). Throw TaskError (with data) on failure. */
  apply(ctx: ModuleContext, args: Args, plan: Plan<Step, Data>): Promise<ApplyResult>;
}
