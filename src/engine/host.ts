// One host's tasks within a play, in order: prepare → probe (batched) → plan → apply → judge → record.
import type { CommandRecord } from "../audit/log.js";
import type { Secrets } from "../audit/redact.js";
import { LockHeldError, UnreachableError } from "../errors.js";
import { ansibleFacts } from "../facts/ansible.js";
import type { Facts } from "../facts/types.js";
import type { Play, Task } from "../load/model.js";
import type { ApplyResult, Controller, Fleet, ProbeOutput } from "../modules/contract.js";
import { render } from "../template/render.js";
import type { Transport } from "../transport/transport.js";
import { CheckMode } from "./check.js";
import { Executor, moduleContext } from "./exec.js";
import { judge, untilHolds } from "./judge.js";
import { Lookahead, unitKey } from "./lookahead.js";
import { failure, isTaskFailure, loopOutcome, registerValue } from "./outcome.js";
import { prepare, units, type Prepared, type Unit } from "./prepare.js";
import { pending, ProbeCache, type Pending, type Seed } from "./probes.js";
import type { Recorder } from "./record.js";
import { withRetries, type Attempt } from "./retry.js";
import type { RunOnce } from "./run-once.js";
import type { Outcome, RunEvent, TaskResult } from "./types.js";
import { data, lazyVars } from "./vars.js";

export interface HostEnv {
  host: string;
  play: Play;
  transport: Transport;
  verbose: boolean;
  facts: Facts;
  /** Inventory vars of the host (groups merged). */
  hostVars: Record<string, unknown>;
  extraVars: Record<string, unknown>;
  check: boolean;
  runId: string;
  controller: Controller;
  /** Other inventory hosts, for modules that check against the fleet. */
  fleet: Fleet;
  recorder: Pick<Recorder, "record" | "show">;
  signal?: AbortSignal;
  emit(e: RunEvent): void;
  /** delegate_to's target: the controller for localhost, else that host's one connection of the run. */
  delegate(name: string): Promise<Transport>;
  /** Shared by the hosts of a batch, for run_once. */
  once: Pick<RunOnce<TaskRun>, "run">;
  /** Take the host's lock before its first change of the run; true when taken just now. */
  lockHost(): Promise<boolean>;
  /** The host's secrets, masked in its audit records and events: each task's add to them. */
  secrets: Secrets;
  /** Probes already run with the facts command, for the units whose probe is still the same. */
  seed?: Seed;
  /** A run ahead of the facts (speculate.ts): its first probe batch is handed here, never sent. */
  speculation?: { batch(batch: Pending[]): never };
  /** Each task's position in the play's play_start `tasks`. */
  order: ReadonlyMap<Task, number>;
}

/** A task carried out on one host, not yet recorded. */
export interface TaskRun {
  outcome: Outcome;
  log: CommandRecord[];
  started: number;
  /** The unit whose result this is; undefined for a whole loop. */
  unit?: Unit;
  /** Each item was shown as it finished. */
  shown?: boolean;
}

const EMPTY_OUTPUT: ProbeOutput = { stdout: "", stderr: "", code: 0 };

export class HostRunner {
  private readonly registered: Record<string, unknown> = {};
  private readonly probes = new ProbeCache();
  private readonly lookahead: Lookahead;
  private readonly notified = new Set<string>();
  private readonly check: CheckMode;
  private readonly own: Executor;

  constructor(private readonly env: HostEnv) {
    this.check = new CheckMode(env.check);
    this.own = new Executor(env.transport, { asRoot: env.facts.uid === 0, delegated: false, verbose: env.verbose, emit: env.emit });
    this.lookahead = new Lookahead({
      units: (task, reads) => units(task, this.vars(task, undefined, undefined, reads)),
      prepare: (unit, reads) => this.prepareUnit(unit, reads),
      become: (become) => this.own.become(become),
    });
    if (env.seed) this.probes.seed(env.seed);
  }

  private vars(task?: Task, unit?: Unit, extra?: Record<string, unknown>, reads?: Set<string>): Record<string, unknown> {
    const item = unit?.hasItem ? { item: unit.item } : undefined;
    // Ansible's precedence (docs/roles.md): facts over inventory vars, role params over registered vars
    return lazyVars(
      [
        this.env.play.defaults,
        this.env.hostVars,
        data(ansibleFacts(this.env.facts)),
        this.env.play.vars,
        this.env.play.roleVars,
        task?.vars,
        data({ facts: this.env.facts, inventory_hostname: this.env.host }),
        data(this.registered),
        task?.params,
        this.env.extraVars,
        data(item),
        data(extra),
      ],
      reads,
    );
  }

  /** Runs the play's tasks, then notified handlers. Returns false when the host failed or became unreachable. */
  async run(tasks: Task[]): Promise<boolean> {
    if (!(await this.runList(tasks))) return false;
    const handlers = this.env.play.handlers.filter((h) => [h.name, ...(h.listen ?? [])].some((n) => this.notified.has(n)));
    // units are numbered per list: what the tasks probed or prepared is not the handlers'
    this.probes.clear();
    this.lookahead.clear();
    return handlers.length === 0 || this.runList(handlers);
  }

  private async runList(tasks: Task[]): Promise<boolean> {
    for (let i = 0; i < tasks.length; i++) {
      if (this.env.signal?.aborted) return false;
      if (!(await this.runTask(tasks, i))) return false;
    }
    return true;
  }

  private async runTask(tasks: Task[], ti: number): Promise<boolean> {
    const task = tasks[ti]!;
    if (!task.run_once) return this.finish(task, await this.execute(tasks, ti));
    const { result, ranHere } = await this.env.once.run(task, this.env.host, () => this.execute(tasks, ti));
    // the others of the batch get the result in their vars, as Ansible does; it is recorded once, where it ran
    return ranHere ? this.finish(task, result) : this.adopt(task, result.outcome, false);
  }

  private async execute(tasks: Task[], ti: number): Promise<TaskRun> {
    const task = tasks[ti]!;
    const started = Date.now();
    let list: Unit[];
    try {
      list = units(task, this.vars(task));
    } catch (e) {
      return { outcome: failure(task, e), log: [], started };
    }
    const outcomes: Outcome[] = [];
    const log: CommandRecord[] = [];
    for (let ii = 0; ii < list.length; ii++) {
      const unit = list[ii]!;
      const unitLog: CommandRecord[] = [];
      const unitStart = Date.now();
      this.env.emit({ type: "task_start", host: this.env.host, play: this.env.play.name, task: task.name, task_index: this.env.order.get(task) });
      const outcome = await this.runUnit(tasks, ti, ii, unit, unitLog);
      if (outcome.status === "unreachable" || !unit.hasItem) return { outcome, log: unitLog, started: unit.hasItem ? unitStart : started, unit };
      this.env.recorder.show(this.toResult(task, unit, outcome, unitStart));
      outcomes.push(outcome);
      log.push(...unitLog);
    }
    return { outcome: loopOutcome(list.map((u) => u.item), outcomes), log, started, shown: true };
  }

  private async runUnit(tasks: Task[], ti: number, ii: number, unit: Unit, log: CommandRecord[]): Promise<Outcome> {
    const { task } = unit;
    const check = this.check.of(task);
    const vars = (extra: Record<string, unknown>) => this.vars(task, unit, extra);
    try {
      const outcome = await withRetries(
        task,
        async (n) => {
          const a = await this.attempt(tasks, ti, ii, unit, check, log);
          if (a.outcome.status === "skipped") return a;
          // Ansible shows changed_when and failed_when the attempt number
          if (task.until !== undefined) a.outcome.data = { ...a.outcome.data, attempts: n };
          return { ...a, outcome: judge(task, a.outcome, vars) };
        },
        (o) => untilHolds(task, o, vars),
        {
          again: (left) => {
            // the next attempt must read the host again
            this.probes.invalidate();
            this.env.emit({ type: "progress", host: this.env.host, task: task.name, text: `until not met, retrying (${left} left)` });
          },
          signal: this.env.signal,
        },
      );
      return this.check.settle(check, outcome);
    } catch (e) {
      if (this.env.signal?.aborted) return { status: "failed", changed: false, msg: "interrupted (SIGINT/SIGTERM): the connection was closed mid-task", data: {} };
      if (e instanceof UnreachableError) return { status: "unreachable", changed: false, msg: e.oneLine(), data: {} };
      // Nothing was applied because another controller holds the host: no failed_when or until judges that.
      if (e instanceof LockHeldError) return { status: "failed", changed: false, msg: e.oneLine(), data: {} };
      return this.check.settle(check, failure(task, e));
    }
  }

  /** One attempt at a unit: a task failure is an outcome; unreachable, interrupts and bugs throw. */
  private async attempt(tasks: Task[], ti: number, ii: number, unit: Unit, check: boolean, log: CommandRecord[]): Promise<Attempt> {
    let prep: Prepared | undefined;
    try {
      prep = await this.lookahead.take(unitKey(ti, ii), unit);
    } catch (e) {
      return { outcome: failure(unit.task, e), ran: false };
    }
    if (!prep) return { outcome: { status: "skipped", changed: false, msg: `when: ${String(unit.task.when)} is false`, data: {} }, ran: false };
    const exec =
      prep.delegate === undefined
        ? this.own
        : new Executor(await this.env.delegate(prep.delegate), { asRoot: false, delegated: true, verbose: this.env.verbose, emit: this.env.emit });
    try {
      const out = await this.probe(tasks, ti, ii, prep, exec, log);
      const state = prep.module.parse(out, prep.args, { runsTask: prep.runsTask });
      const plan = prep.module.plan(state, prep.args);
      const changes = plan.steps.length > 0;
      if (changes && check && (unit.task.changed_when !== undefined || unit.task.failed_when !== undefined)) {
        // as Ansible skips it: changed_when and failed_when judge a result that check mode never has
        return { outcome: { status: "skipped", changed: false, msg: `check mode: would ${plan.msg}, not judged`, data: plan.data ?? {}, plan, uncertain: true }, ran: false };
      }
      // Another controller may have changed the host since it was probed: lock it, then read it again.
      if (changes && !check && prep.delegate === undefined && (await this.env.lockHost())) {
        this.probes.invalidate();
        return this.attempt(tasks, ti, ii, unit, check, log);
      }
      let applied: ApplyResult = {};
      const ctx = () => moduleContext(exec, { ...this.env, task: unit.task.name, check, become: prep.become, env: prep.env, noLog: unit.task.no_log }, log);
      if (changes && !check) {
        // whatever apply manages before it fails may have changed the host
        this.probes.invalidate();
        applied = await prep.module.apply(ctx(), prep.args, plan);
      } else if (!changes && prep.module.verify) {
        applied = await prep.module.verify(ctx(), prep.args, state, plan);
      }
      const msg = check && changes ? `would ${plan.msg}${plan.uncertain ? " (outcome unknown in advance)" : ""}` : (applied.msg ?? plan.msg);
      const outcome: Outcome = { status: changes ? "changed" : "ok", changed: changes, msg, data: { ...plan.data, ...applied.data }, plan, uncertain: plan.uncertain };
      return { outcome, ran: prep.runsTask || (changes && !check) };
    } catch (e) {
      if (e instanceof UnreachableError || e instanceof LockHeldError || this.env.signal?.aborted) throw e;
      return { outcome: failure(unit.task, e), ran: true };
    }
  }

  private async prepareUnit(unit: Unit, reads?: Set<string>): Promise<Prepared | undefined> {
    const { host, facts, controller, fleet, secrets } = this.env;
    // every layer's secret-named vars (play, role, task, params), rendered: known before anything is logged
    // (read through a view of their own: finding them reads every var, the unit itself may not)
    secrets.addVars(this.vars(unit.task, unit));
    const prep = await prepare(unit, this.vars(unit.task, unit, undefined, reads), { host, facts, controller, fleet, playBecome: this.env.play.become });
    if (prep) secrets.add(prep.secrets);
    return prep;
  }

  /** Probe output for a unit: from the batch when still valid, else a new batch from here on. */
  private async probe(tasks: Task[], ti: number, ii: number, prep: Prepared, exec: Executor, log: CommandRecord[]): Promise<ProbeOutput> {
    if (prep.script === "") return EMPTY_OUTPUT;
    const first = pending(unitKey(ti, ii), prep, exec.become(prep.become));
    if (prep.delegate !== undefined) {
      // another host's state: probed there, alone
      const r = await exec.exec(first.section.script, log, { become: first.section.become }, tasks[ti]!.no_log);
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    }
    const hit = this.probes.get(first.id, first.key, log);
    if (hit) return hit;
    const batch: Pending[] = [first];
    await this.lookahead.collect(tasks, ti, ii + 1, batch);
    if (this.env.speculation) this.env.speculation.batch(await this.aheadOfFacts(tasks, ti, ii, batch));
    return this.probes.run(batch, (script) => exec.exec(script, log, {}, tasks[ti]!.no_log));
  }

  /**
   * What of a batch built from the last run's facts may go with the facts command: nothing for a
   * no_log task (-v shows that batch, and a later task may record it), and no read-only probe on from
   * the first that read a fact or a result registered ahead of the facts (fresh ones may skip or change it: it would have run).
   */
  private async aheadOfFacts(tasks: Task[], ti: number, ii: number, batch: Pending[]): Promise<Pending[]> {
    if (tasks[ti]!.no_log) return [];
    let watched = batch;
    // the first unit was prepared unwatched: a read-only one again, its reads watched
    if (batch[0]!.runsTask) {
      watched = [];
      await this.lookahead.collect(tasks, ti, ii, watched);
    }
    const stale = new Set(["facts", ...Object.keys(ansibleFacts(this.env.facts)), ...Object.keys(this.registered)]);
    const cut = watched.findIndex((p) => p.runsTask && (!p.reads || [...p.reads].some((r) => stale.has(r))));
    return cut < 0 ? watched : watched.slice(0, cut);
  }

  /** The result as the renderer and the audit log see it (no_log hides output). */
  private toResult(task: Task, unit: Unit | undefined, o: Outcome, started: number): TaskResult {
    const hidden = task.no_log;
    return {
      host: this.env.host,
      play: this.env.play.name,
      task: task.name,
      module: task.module,
      status: o.status,
      changed: o.changed,
      msg: hidden ? "(output hidden: no_log)" : o.msg,
      diff: hidden ? undefined : o.plan?.diff,
      uncertain: o.uncertain,
      data: hidden ? {} : o.data,
      duration_ms: Date.now() - started,
      ...(unit?.hasItem ? { item: hidden ? "(hidden)" : this.label(unit) } : {}),
      task_index: this.env.order.get(task),
    };
  }

  /** loop_control.label: what the output shows for an item. */
  private label(unit: Unit): unknown {
    if (unit.task.label === undefined) return unit.item;
    try {
      return render(unit.task.label, this.vars(unit.task, unit));
    } catch (e) {
      if (!isTaskFailure(e)) throw e;
      return unit.item;
    }
  }

  /** Record the task's run (shown, audited, counted), then let it act on this host. */
  private finish(task: Task, run: TaskRun): boolean {
    const result = this.toResult(task, run.unit, run.outcome, run.started);
    const commands = task.no_log ? run.log.map((c) => ({ script: "(no_log)", code: c.code, duration_ms: c.duration_ms })) : run.log;
    this.env.recorder.record(result, commands, { shown: run.shown, ignored: task.ignore_errors });
    return this.adopt(task, run.outcome, true);
  }

  /** register and notify; true when the host goes on. `ranHere`: handlers are notified where the task ran. */
  private adopt(task: Task, o: Outcome, ranHere: boolean): boolean {
    if (task.register) {
      this.registered[task.register] = registerValue(o);
      this.lookahead.stale();
    }
    if (ranHere && o.changed) task.notify.forEach((n) => this.notified.add(n));
    if (o.status === "unreachable") return false;
    return o.status !== "failed" || task.ignore_errors;
  }
}
