// A whole run: plays in order, hosts in parallel under --forks, one connection per host throughout.
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import pLimit from "p-limit";
import { AuditLog } from "../audit/log.js";
import { Secrets, secretValues } from "../audit/redact.js";
import { InputError, TaskError, UnreachableError } from "../errors.js";
import { factsScript, parseFacts } from "../facts/gather.js";
import type { Facts } from "../facts/types.js";
import type { Inventory, Play, Playbook } from "../load/model.js";
import type { Fleet } from "../modules/contract.js";
import { loadInventory, type InventorySources } from "../load/inventory.js";
import { loadPlaybook } from "../load/playbook.js";
import { recipeHash } from "../hash.js";
import { version } from "../paths.js";
import { isTemplated } from "../template/render.js";
import { acquireHostLock, HOST_LOCK_PATH, type HostLock } from "../lock/host-lock.js";
import { JumpPool } from "../transport/jump.js";
import { LocalTransport } from "../transport/local.js";
import type { Transport } from "../transport/transport.js";
import { checkRoutes, connectHost } from "./connection.js";
import { createController } from "./controller.js";
import { DeployedTracker } from "./deployed.js";
import { cachedFacts, gather, keepFacts, type Gathered } from "./gather.js";
import { HostRunner, type HostEnv, type TaskRun } from "./host.js";
import { GATHERING_FACTS, playOrder, type PlayOrder } from "./order.js";
import type { Pending, Seed } from "./probes.js";
import { firstBatch } from "./speculate.js";
import { Recorder } from "./record.js";
import { RunOnce } from "./run-once.js";
import { selectHosts, selectOrFail } from "./select.js";
import { inShard } from "./shard.js";
import { batches, overFailLimit } from "./serial.js";
import { lazyVars } from "./vars.js";
import { emptyRecap, type HostRecap, type Recap, type RunEvent, type RunOptions, type RunResult } from "./types.js";

export interface Loaded {
  playbook: Playbook;
  inventory: Inventory;
}

/** delegate_to's targets besides the inventory's hosts: the controller itself. */
const LOCALHOST = new Set(["localhost", "127.0.0.1"]);

/** Why delegate_to can't point at `name`, or undefined when it can. */
function badDelegate(inv: Inventory, name: string): string | undefined {
  if (inv.hosts.has(name) || LOCALHOST.has(name)) return undefined;
  return `delegate_to '${name}' is neither localhost nor a host of ${inv.file}`;
}

/** Load and validate everything up front: bad input stops the run before any host is contacted. */
export function loadRun(opts: Pick<RunOptions, "playbook" | "inventory" | "limit">): Loaded {
  if (!opts.playbook || !opts.inventory) throw new InputError("a run needs a playbook and an inventory", { hint: "armgo play PLAYBOOK -i INVENTORY" });
  const playbook = loadPlaybook(opts.playbook);
  const inventory = loadInventory(opts.inventory, { playbookDir: dirname(resolve(opts.playbook)) });
  if (opts.limit) selectOrFail(inventory, opts.limit, "--limit");
  for (const t of playbook.plays.flatMap((p) => [...p.tasks, ...p.handlers])) {
    // a templated target is known only at run time
    const bad = t.delegate_to === undefined || isTemplated(t.delegate_to) ? undefined : badDelegate(inventory, t.delegate_to);
    if (bad) throw new InputError(bad, { where: t.where, hint: "add it to the inventory" });
  }
  return { playbook, inventory };
}

/** A host's secrets known before any task: its inventory vars' and -e's, rendered. */
export function inventorySecrets(hostVars: Record<string, unknown>, extraVars: Record<string, unknown> | undefined): Secrets {
  return new Secrets().addVars(lazyVars([hostVars, extraVars]));
}

/** The hosts a play runs on, in inventory order, after --limit, an explicit host set and --shard. */
export function playHosts(inv: Inventory, play: Play, opts: Pick<RunOptions, "limit" | "hosts" | "shard"> = {}): string[] {
  const allowed = opts.limit ? new Set(selectHosts(inv, opts.limit)) : undefined;
  const only = opts.hosts ? new Set(opts.hosts) : undefined;
  return selectHosts(inv, play.hosts).filter((h) => (!allowed || allowed.has(h)) && (!only || only.has(h)) && (!opts.shard || inShard(h, opts.shard)));
}

/** A playbook built in memory (armgo releases, rollback) over an inventory file, checked as loadRun checks a file's. */
export function loadBuilt(opts: Pick<RunOptions, "inventory" | "limit"> & { inventory: InventorySources }, source: string, plays: Play[]): Loaded {
  const inventory = loadInventory(opts.inventory);
  if (opts.limit) selectOrFail(inventory, opts.limit, "--limit");
  return { playbook: { file: source, sha256: recipeHash(plays), plays }, inventory };
}

class Run {
  readonly id = randomUUID();
  readonly recap: Recap = {};
  readonly controller = createController();
  private readonly conns = new Map<string, Promise<Transport>>();
  /** Jump host connections, each shared by the run's hosts behind it. */
  private readonly jumps = new JumpPool();
  private readonly audits = new Map<string, AuditLog>();
  private readonly hostSecrets = new Map<string, Secrets>();
  /** Hosts out of the run: failed or unreachable hosts take no part in later plays, as in Ansible. */
  readonly out = new Set<string>();
  readonly limit: ReturnType<typeof pLimit>;
  readonly deployed: DeployedTracker;
  readonly forks: number;

  constructor(
    readonly opts: RunOptions,
    readonly loaded: Loaded,
  ) {
    this.deployed = new DeployedTracker([...loaded.inventory.hosts.keys()]);
    this.forks = Math.max(1, opts.forks ?? 10);
    this.limit = pLimit(this.forks);
    // Ctrl-C means stop now: closing the connections ends the commands in flight
    opts.signal?.addEventListener("abort", () => void this.closeConnections(), { once: true });
  }

  private async closeConnections(): Promise<void> {
    await Promise.allSettled([...this.conns.values()].map(async (t) => (await t).close()));
    await this.jumps.close();
  }

  emit(e: RunEvent): void {
    if (e.type === "task_result") this.deployed.note(e.result);
    this.opts.onEvent?.(e);
  }

  hostVars(host: string): Record<string, unknown> {
    return this.loaded.inventory.hosts.get(host)!.vars;
  }

  recapOf(host: string): HostRecap {
    return (this.recap[host] ??= emptyRecap());
  }

  /**
   * The host's secrets: its inventory's and -e's, and the playbook's written out (a later task's var
   * may hold what an earlier task prints), from the start; each task's rendered ones as it is prepared.
   */
  secrets(host: string): Secrets {
    let s = this.hostSecrets.get(host);
    if (!s) {
      s = inventorySecrets(this.hostVars(host), this.opts.extraVars);
      for (const play of this.loaded.playbook.plays) {
        const tasks = [...play.tasks, ...play.handlers];
        for (const layer of [play.defaults, play.vars, play.roleVars, ...tasks.flatMap((t) => [t.vars, t.params])]) s.add(secretValues(layer ?? {}));
      }
      this.hostSecrets.set(host, s);
    }
    return s;
  }

  /** A host's events, its secrets masked: what -v and the task lines show reaches terminals and CI logs. */
  emitFor(host: string): (e: RunEvent) => void {
    const secrets = this.secrets(host);
    return (e) => this.emit(secrets.scrub(e));
  }

  get auditDir(): string {
    return resolve(this.opts.auditDir ?? ".armgo/audit");
  }

  audit(host: string): AuditLog {
    let log = this.audits.get(host);
    if (!log) {
      const secrets = this.secrets(host);
      log = AuditLog.open(this.auditDir, host, (v) => secrets.scrub(v), version);
      log.write({
        type: "run_start",
        run_id: this.id,
        host,
        controller_user: userInfo().username,
        armgo_version: version,
        // a play built in memory (rollback, drift --fix) names its source instead of a file
        playbook: existsSync(this.loaded.playbook.file) ? resolve(this.loaded.playbook.file) : this.loaded.playbook.file,
        playbook_sha256: this.loaded.playbook.sha256,
        check: Boolean(this.opts.check),
      });
      this.audits.set(host, log);
    }
    return log;
  }

  recorder(host: string): Recorder {
    return new Recorder({ runId: this.id, audit: this.audit(host), recap: this.recapOf(host), emit: this.emitFor(host) });
  }

  /** delegate_to: an inventory host over its one connection of the run, or the controller for localhost. */
  delegate(name: string): Promise<Transport> {
    if (this.loaded.inventory.hosts.has(name)) return this.transport(name);
    const bad = badDelegate(this.loaded.inventory, name);
    if (bad) return Promise.reject(new TaskError(bad, { hint: "add it to the inventory" }));
    let t = this.conns.get(name);
    if (!t) {
      t = Promise.resolve(new LocalTransport(name));
      this.conns.set(name, t);
    }
    return t;
  }

  /** Other hosts for modules that check against the fleet: the run's connections, facts gathered once. */
  readonly fleet: Fleet = {
    hosts: (pattern) => selectOrFail(this.loaded.inventory, pattern, "targets"),
    facts: (host) => this.controller.memo(`facts:${host}`, async () => parseFacts((await (await this.transport(host)).exec(factsScript)).stdout)),
    exec: async (host, script, opts) => (await this.transport(host)).exec(script, opts),
    put: async (host, local, remote, opts) => (await this.transport(host)).put(local, remote, opts),
  };

  private readonly hostLocks = new Map<string, Promise<HostLock | undefined>>();

  /**
   * The host to ourselves for the rest of the run: true when the lock was taken just now (what was
   * probed before may be another controller's doing), false when already held or not needed.
   */
  async lockHost(host: string): Promise<boolean> {
    if (this.hostLocks.has(host)) return (await this.hostLocks.get(host), false);
    const t = await this.transport(host);
    // The controller itself is covered by the run lock; several local "hosts" share one machine.
    const taking = t instanceof LocalTransport ? Promise.resolve(undefined) : acquireHostLock(t, HOST_LOCK_PATH, { run: this.id, onNotice: this.opts.onNotice });
    this.hostLocks.set(host, taking);
    return (await taking) !== undefined;
  }

  transport(host: string): Promise<Transport> {
    let t = this.conns.get(host);
    if (!t) {
      t = this.opts.connect ? this.opts.connect(host) : connectHost(this.loaded.inventory, host, { ...this.opts, jumps: this.jumps });
      this.conns.set(host, t);
    }
    return t;
  }

  /** Ends every host's log; returns each log's new head (the run_end record's hash). */
  async close(interrupted: boolean): Promise<Record<string, string>> {
    // A lock we fail to release (connection gone) is stale once this process has ended.
    await Promise.allSettled([...this.hostLocks.values()].map(async (l) => (await l)?.release()));
    await this.closeConnections();
    const heads: Record<string, string> = {};
    for (const [host, log] of this.audits) {
      heads[host] = log.write({ type: "run_end", run_id: this.id, host, ...(interrupted ? { interrupted: true } : {}), recap: { ...this.recapOf(host) } });
      log.close();
    }
    return heads;
  }

  async stats(): Promise<RunResult["stats"]> {
    const s = { connections: 0, execs: 0, bytesSent: 0 };
    for (const t of await Promise.allSettled(this.conns.values())) {
      if (t.status !== "fulfilled") continue;
      const st = t.value.stats();
      s.connections += st.connections;
      s.execs += st.execs;
      s.bytesSent += st.bytesSent;
    }
    return s;
  }
}

/** The host's facts, with the probes of `batch` in the same exec; recorded as before, and kept for the next run. */
async function gatherFacts(run: Run, host: string, play: Play, transport: Transport, batch: Pending[]): Promise<Gathered> {
  const t0 = Date.now();
  const gathered = await gather(transport, batch);
  const { facts } = gathered;
  run.recorder(host).record(
    {
      host,
      play: play.name,
      task: GATHERING_FACTS,
      module: "facts",
      status: "ok",
      changed: false,
      msg: `${facts.arch} (${facts.goarch}), ${facts.os.pretty_name || facts.os.id}, ${facts.libc.kind} ${facts.libc.version}`,
      data: { facts },
      duration_ms: Date.now() - t0,
      task_index: 0,
    },
    [{ script: "(facts)", code: gathered.code, duration_ms: gathered.durationMs }],
  );
  const { seed, probed } = gathered;
  if (run.opts.verbose && seed && probed) run.emitFor(host)({ type: "command", command: { host, script: seed.command.script, code: seed.command.code, ...probed, duration_ms: seed.command.duration_ms } });
  // facts that failed or came back empty would only predict the wrong probes
  if (gathered.code === 0 && facts.arch) keepFacts(run.auditDir, host, version, run.secrets(host).scrub(facts));
  return gathered;
}

const NO_FACTS: Facts = {
  arch: "",
  goarch: "",
  goos: "linux",
  os: { id: "", version_id: "", pretty_name: "" },
  libc: { kind: "unknown", version: "" },
  shell: "/bin/sh",
  home: "",
  user: "",
  uid: -1,
  tools: {},
  go_version: null,
  hostname: "",
};

async function runHost(run: Run, play: Play, order: PlayOrder, host: string, once: RunOnce<TaskRun>): Promise<boolean> {
  if (run.opts.signal?.aborted) return false;
  // every host of a play appears in the recap, even one that ran no task
  run.recapOf(host);
  const started = Date.now();
  try {
    const transport = await run.transport(host);
    const { tasks } = order;
    const env = (facts: Facts, seed?: Seed): HostEnv => ({
      host,
      play,
      transport,
      facts,
      seed,
      hostVars: run.hostVars(host),
      extraVars: run.opts.extraVars ?? {},
      check: Boolean(run.opts.check),
      runId: run.id,
      verbose: Boolean(run.opts.verbose),
      controller: run.controller,
      fleet: run.fleet,
      recorder: run.recorder(host),
      signal: run.opts.signal,
      emit: run.emitFor(host),
      delegate: (name) => run.delegate(name),
      lockHost: () => run.lockHost(host),
      secrets: run.secrets(host),
      once,
      order: order.index,
    });
    let gathered: Pick<Gathered, "facts" | "seed"> = { facts: NO_FACTS };
    if (play.gather_facts) {
      const cached = cachedFacts(run.auditDir, host, version);
      gathered = await gatherFacts(run, host, play, transport, cached ? await firstBatch(env(cached), tasks) : []);
    }
    const ok = await new HostRunner(env(gathered.facts, gathered.seed)).run(tasks);
    if (!ok) run.out.add(host);
    return ok;
  } catch (e) {
    if (!(e instanceof UnreachableError)) throw e;
    run.out.add(host);
    // shown where the host stopped: before its first task
    const result = { host, play: play.name, task: "connect", module: "ssh", status: "unreachable" as const, changed: false, msg: e.oneLine(), duration_ms: Date.now() - started, task_index: 0 };
    run.recorder(host).record(result, []);
    return false;
  } finally {
    once.leave(host);
    run.emit({ type: "host_done", host, play: play.name });
  }
}

/**
 * Run a playbook against an inventory, loaded from opts' files or built in memory (tasks then carry
 * a synthetic `where`). Input errors throw InputError before any host is contacted.
 */
export async function runPlaybook(opts: RunOptions, loaded: Loaded = loadRun(opts)): Promise<RunResult> {
  if (!opts.connect) checkRoutes(loaded.inventory, loaded.playbook.plays.flatMap((p) => playHosts(loaded.inventory, p, opts)), opts);
  const run = new Run(opts, loaded);
  let heads: Record<string, string> = {};
  try {
    for (const play of loaded.playbook.plays) {
      const hosts = playHosts(loaded.inventory, play, opts).filter((h) => !run.out.has(h));
      if (hosts.length === 0) {
        run.emit({ type: "play_skip", play: play.name, reason: "no hosts matched" });
        continue;
      }
      const order = playOrder(play, opts);
      run.emit({ type: "play_start", play: play.name, hosts, check: Boolean(opts.check), tasks: order.names });
      let stop = false;
      const started: string[] = [];
      let failed = 0;
      for (const batch of batches(hosts, play.serial)) {
        const once = new RunOnce<TaskRun>(batch);
        started.push(...batch);
        run.emit({ type: "batch_start", play: play.name, hosts: batch, forks: Math.min(run.forks, batch.length) });
        const oks = await Promise.all(batch.map((h) => run.limit(() => runHost(run, play, order, h, once))));
        const batchFailed = oks.filter((ok) => !ok).length;
        failed += batchFailed;
        if (opts.signal?.aborted) break;
        // a whole failed batch, or the play so far over max_fail_percentage, stops the rollout
        if (overFailLimit(failed, started.length, play.max_fail_percentage) || (play.serial.length > 0 && batchFailed === batch.length)) {
          stop = true;
          break;
        }
      }
      run.deployed.endPlay(started, hosts.slice(started.length));
      if (stop || opts.signal?.aborted) break;
    }
  } finally {
    heads = await run.close(Boolean(opts.signal?.aborted));
  }
  const deployed = run.deployed.summary();
  run.emit({ type: "recap", recap: run.recap, ...(deployed ? { deployed } : {}) });
  return { recap: run.recap, ...(deployed ? { deployed } : {}), interrupted: Boolean(opts.signal?.aborted), runId: run.id, stats: await run.stats(), auditHeads: heads };
}
