// One host's task pipeline within a play: prepare → probe (batched) → plan → apply, in task order.
import { ArmgoError, RemoteCommandError, TaskError, UnreachableError } from "../errors.js";
import { ansibleFacts } from "../facts/ansible.js";
import type { Facts } from "../facts/types.js";
import type { Play, Task } from "../load/model.js";
import { validator } from "../load/schema.js";
import type { ApplyResult, Controller, Module, ModuleContext, Plan, ProbeOutput } from "../modules/contract.js";
import { modules } from "../modules/index.js";
import { UndefinedError, test } from "../template/expr.js";
import { render } from "../template/render.js";
import type { ExecOptions, ExecResult, Transport } from "../transport/transport.js";
import type { AuditLog, CommandRecord } from "../audit/log.js";
import { batchScript, newMarker, splitBatch, type Section } from "./batch.js";
import type { HostRecap, RunEvent, TaskResult } from "./types.js";
import { lazyVars } from "./vars.js";

export interface HostEnv {
  host: string;
  play: Play;
  transport: Transport;
  verbose: boolean;
  facts: Facts;
  /** Role defaults, inventory and play vars, in rising precedence; then a task's own vars, then extra vars. */
  varLayers: Array<Record<string, unknown>>;
  extraVars: Record<string, unknown>;
  check: boolean;
  controller: Controller;
  audit: AuditLog;
  runId: string;
  recap: HostRecap;
  signal?: AbortSignal;
  emit(e: RunEvent): void;
}

interface Prepared {
  module: Module;
  args: unknown;
  become: boolean | string;
  script: string;
}

type Unit = { task: Task; item?: unknown; hasItem: boolean };
type Outcome = { status: TaskResult["status"]; changed: boolean; msg: string; data: Record<string, unknown>; plan?: Plan; uncertain?: boolean };

const EMPTY_OUTPUT: ProbeOutput = { stdout: "", stderr: "", code: 0 };

export class HostRunner {
  private readonly registered: Record<string, unknown> = {};
  /** Bumped whenever a change may have been made: batched probe results from before are stale. */
  private epoch = 0;
  /** Under --check: an earlier task would have changed the host, so later failures may be artefacts. */
  private pending = false;
  private readonly probes = new Map<string, { key: string; epoch: number; output: ProbeOutput }>();
  private readonly notified = new Set<string>();

  constructor(private readonly env: HostEnv) {}

  private vars(unit?: Unit, extra?: Record<string, unknown>): Record<string, unknown> {
    const item = unit?.hasItem ? { item: unit.item } : undefined;
    return lazyVars(ansibleFacts(this.env.facts), ...this.env.varLayers, unit?.task.vars, this.env.extraVars, { facts: this.env.facts, inventory_hostname: this.env.host }, this.registered, item, extra);
  }

  /** Runs the play's tasks, then notified handlers. Returns false when the host failed or became unreachable. */
  async run(tasks: Task[]): Promise<boolean> {
    if (!(await this.runList(tasks))) return false;
    const handlers = this.env.play.handlers.filter((h) => this.notified.has(h.name));
    return handlers.length === 0 || this.runList(handlers);
  }

  private async runList(tasks: Task[]): Promise<boolean> {
    this.probes.clear();
    for (let i = 0; i < tasks.length; i++) {
      if (this.env.signal?.aborted) return false;
      const ok = await this.runTask(tasks, i);
      if (!ok) return false;
    }
    return true;
  }

  private units(task: Task): Unit[] {
    if (task.loop === undefined) return [{ task, hasItem: false }];
    const items = render(task.loop, this.vars({ task, hasItem: false }));
    if (!Array.isArray(items)) throw new TaskError(`loop must be a list, got ${typeof items}`, { where: task.where });
    return items.map((item) => ({ task, item, hasItem: true }));
  }

  /** Template, validate and resolve one unit; undefined when `when` says skip. */
  private async prepare(unit: Unit): Promise<Prepared | undefined> {
    const { task } = unit;
    const vars = this.vars(unit);
    if (task.when !== undefined && !test(task.when, vars)) return undefined;
    const module = modules.get(task.module)!;
    let args = render(task.args, vars);
    // `changed_when: false` declares a command read-only: it may run while probing, also under --check
    if (task.module === "command" && task.changed_when === false) {
      args = typeof args === "string" ? { cmd: args, read_only: true } : { ...(args as object), read_only: true };
    }
    const validate = validator(`modules/${task.module}.json`);
    if (!validate(args)) {
      const e = validate.errors![0]!;
      throw new TaskError(`${task.module}: ${e.instancePath ? `'${e.instancePath.slice(1)}' ` : ""}${e.message ?? "invalid"}`, {
        hint: "check the module's arguments (docs/modules.md)",
      });
    }
    if (module.resolve) {
      args = await module.resolve(args, { host: this.env.host, facts: this.env.facts, controller: this.env.controller });
    }
    const become = task.become ?? this.env.play.become;
    return { module, args, become, script: module.probe(args, this.env.facts) };
  }

  /** What a cached probe result was made for: the same args and become give the same probe. */
  private probeKey(prep: Prepared): string {
    return JSON.stringify([prep.args, prep.become]);
  }

  private unitKey(taskIndex: number, itemIndex: number): string {
    return `${taskIndex}:${itemIndex}`;
  }

  /** Probe output for a unit: from the batch when still valid, else a new batch from here on. */
  private async probe(tasks: Task[], ti: number, ii: number, prep: Prepared, log: CommandRecord[]): Promise<ProbeOutput> {
    if (prep.script === "") return EMPTY_OUTPUT;
    const key = this.probeKey(prep);
    const hit = this.probes.get(this.unitKey(ti, ii));
    if (hit && hit.key === key && hit.epoch === this.epoch) return hit.output;
    const sections: Array<{ id: string; key: string; section: Section }> = [
      { id: this.unitKey(ti, ii), key, section: this.section(prep) },
    ];
    await this.lookahead(tasks, ti, ii + 1, sections);
    const marker = newMarker();
    const r = await this.exec(batchScript(sections.map((s) => s.section), marker), log, {});
    const outs = splitBatch(sections.length, marker, r.stdout, r.stderr);
    sections.forEach((s, i) => this.probes.set(s.id, { key: s.key, epoch: this.epoch, output: outs[i]! }));
    return outs[0]!;
  }

  private section(prep: Prepared): Section {
    // root needs no sudo, and may not have it installed
    return { script: prep.script, become: this.env.facts.uid === 0 ? false : prep.become };
  }

  /** Add the probes of the following units whose args are known now; stop at the first that isn't. */
  private async lookahead(tasks: Task[], ti: number, fromItem: number, out: Array<{ id: string; key: string; section: Section }>): Promise<void> {
    try {
      for (let t = ti; t < tasks.length; t++) {
        const units = this.units(tasks[t]!);
        for (let i = t === ti ? fromItem : 0; i < units.length; i++) {
          const prep = await this.prepare(units[i]!);
          if (!prep || prep.script === "") continue;
          out.push({ id: this.unitKey(t, i), key: this.probeKey(prep), section: this.section(prep) });
        }
      }
    } catch {
      // a unit that can't be prepared yet (needs a result registered later) is probed when its turn comes
    }
  }

  private async exec(script: string, log: CommandRecord[], opts: ExecOptions): Promise<ExecResult> {
    const r = await this.env.transport.exec(script, opts);
    if (this.env.verbose) {
      this.env.emit({ type: "command", command: { host: this.env.host, script, code: r.code, stdout: r.stdout, stderr: r.stderr, duration_ms: r.durationMs } });
    }
    log.push({ script, code: r.code, duration_ms: r.durationMs, ...(r.code !== 0 && r.stderr ? { stderr_tail: r.stderr.slice(-2000) } : {}) });
    return r;
  }

  private async runTask(tasks: Task[], ti: number): Promise<boolean> {
    const task = tasks[ti]!;
    const started = Date.now();
    let units: Unit[];
    try {
      units = this.units(task);
    } catch (e) {
      return this.finish(task, undefined, this.failure(task, e), [], started);
    }
    const outcomes: Outcome[] = [];
    const itemLogs: CommandRecord[] = [];
    for (let ii = 0; ii < units.length; ii++) {
      const unit = units[ii]!;
      const log: CommandRecord[] = [];
      const unitStart = Date.now();
      this.env.emit({ type: "task_start", host: this.env.host, play: this.env.play.name, task: task.name });
      const outcome = await this.runUnit(tasks, ti, ii, unit, log);
      if (outcome.status === "unreachable") {
        return this.finish(task, unit, outcome, log, unitStart);
      }
      outcomes.push(outcome);
      if (!unit.hasItem) return this.finish(task, unit, outcome, log, started);
      this.report(task, unit, outcome, unitStart);
      itemLogs.push(...log);
    }
    // a loop registers every item's result, and its status is the worst of them
    const failed = outcomes.find((o) => o.status === "failed");
    const changed = outcomes.some((o) => o.changed);
    const all: Outcome = {
      status: failed ? "failed" : changed ? "changed" : outcomes.every((o) => o.status === "skipped") ? "skipped" : "ok",
      changed,
      msg: failed?.msg ?? `${outcomes.length} items`,
      data: { results: outcomes.map((o, i) => ({ item: units[i]!.item, status: o.status, changed: o.changed, msg: o.msg, ...o.data })) },
    };
    return this.finish(task, undefined, all, itemLogs, started, false);
  }

  private async runUnit(tasks: Task[], ti: number, ii: number, unit: Unit, log: CommandRecord[]): Promise<Outcome> {
    const { task } = unit;
    let outcome: Outcome;
    try {
      const prep = await this.prepare(unit);
      if (!prep) return { status: "skipped", changed: false, msg: `when: ${String(task.when)} is false`, data: {} };
      const out = await this.probe(tasks, ti, ii, prep, log);
      const state = prep.module.parse(out, prep.args);
      const plan = prep.module.plan(state, prep.args);
      const changes = plan.steps.length > 0;
      let applied: ApplyResult = {};
      if (changes && !this.env.check) {
        // whatever apply manages before it fails may have changed the host
        this.epoch++;
        applied = await prep.module.apply(this.context(task, prep, log), prep.args, plan);
      }
      outcome = {
        status: changes ? "changed" : "ok",
        changed: changes,
        msg: this.env.check && changes ? `would ${plan.msg}${plan.uncertain ? " (outcome unknown in advance)" : ""}` : (applied.msg ?? plan.msg),
        data: { ...plan.data, ...applied.data },
        plan,
        uncertain: plan.uncertain,
      };
    } catch (e) {
      if (this.env.signal?.aborted) return { status: "failed", changed: false, msg: "interrupted (SIGINT/SIGTERM): the connection was closed mid-task", data: {} };
      if (e instanceof UnreachableError) return { status: "unreachable", changed: false, msg: e.oneLine(), data: {} };
      outcome = this.failure(task, e);
    }
    const judged = this.judge(task, unit, outcome);
    if (this.env.check && judged.status === "failed" && this.pending) {
      return { ...judged, status: "skipped", uncertain: true, msg: `not judged under --check: an earlier task would change this host first (${judged.msg})` };
    }
    if (this.env.check && judged.changed) this.pending = true;
    return judged;
  }

  /** changed_when / failed_when, evaluated against the result as `register` will hold it. */
  private judge(task: Task, unit: Unit, o: Outcome): Outcome {
    if (task.changed_when === undefined && task.failed_when === undefined) return o;
    const result = this.registerValue(o);
    const vars = this.vars(unit, { result, ...(task.register ? { [task.register]: result } : {}) });
    try {
      const changed = task.changed_when === undefined ? o.changed : test(task.changed_when, vars);
      const failed = task.failed_when === undefined ? o.status === "failed" : test(task.failed_when, vars);
      const status = failed ? "failed" : changed ? "changed" : "ok";
      const msg = failed && o.status !== "failed" ? `failed_when: ${String(task.failed_when)}` : o.msg;
      return { ...o, status, changed: changed && !failed, msg };
    } catch (e) {
      return this.failure(task, e);
    }
  }

  private failure(task: Task, e: unknown): Outcome {
    if (e instanceof UndefinedError) {
      return { status: "failed", changed: false, msg: `undefined variable '${e.variable}' in task '${task.name}' (${task.where.file}:${task.where.line}:${task.where.col})`, data: {} };
    }
    if (e instanceof ArmgoError) {
      return { status: "failed", changed: false, msg: e.oneLine(), data: e instanceof TaskError ? e.data : {} };
    }
    return { status: "failed", changed: false, msg: (e as Error).message ?? String(e), data: {} };
  }

  private context(task: Task, prep: Prepared, log: CommandRecord[]): ModuleContext {
    const become = this.env.facts.uid === 0 ? false : prep.become;
    const run = (script: string, opts: ExecOptions = {}): Promise<ExecResult> => this.exec(script, log, { become, ...opts });
    return {
      host: this.env.host,
      facts: this.env.facts,
      controller: this.env.controller,
      check: this.env.check,
      become,
      run,
      runOk: async (script, opts) => {
        const r = await run(script, opts);
        if (r.code !== 0) throw new RemoteCommandError(script, r.code, r.stderr);
        return r;
      },
      put: async (local, remote, opts) => {
        const t0 = Date.now();
        await this.env.transport.put(local, remote, opts);
        log.push({ script: `sftp put ${remote}`, code: 0, duration_ms: Date.now() - t0 });
      },
      progress: (text) => this.env.emit({ type: "progress", host: this.env.host, task: task.name, text }),
    };
  }

  private registerValue(o: Outcome): Record<string, unknown> {
    return { ...o.data, status: o.status, changed: o.changed, failed: o.status === "failed", skipped: o.status === "skipped", msg: o.msg };
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
      ...(unit?.hasItem ? { item: hidden ? "(hidden)" : unit.item } : {}),
    };
  }

  private report(task: Task, unit: Unit | undefined, o: Outcome, started: number): TaskResult {
    const result = this.toResult(task, unit, o, started);
    this.env.emit({ type: "task_result", result });
    return result;
  }

  private audit(task: Task, result: TaskResult, log: CommandRecord[]): void {
    this.env.audit.write({
      type: "task",
      run_id: this.env.runId,
      host: this.env.host,
      play: this.env.play.name,
      task: task.name,
      module: task.module,
      status: result.status,
      changed: result.changed,
      msg: result.msg,
      ...(result.diff ? { diff: `${result.diff.beforeHeader ?? "before"} -> ${result.diff.afterHeader ?? "after"}` } : {}),
      commands: task.no_log ? log.map((c) => ({ script: "(no_log)", code: c.code, duration_ms: c.duration_ms })) : log,
      duration_ms: result.duration_ms,
    });
  }

  /** Record the task's outcome (recap, register, notify, audit); true when the host goes on. */
  private finish(task: Task, unit: Unit | undefined, o: Outcome, log: CommandRecord[], started: number, report = true): boolean {
    const result = report ? this.report(task, unit, o, started) : this.toResult(task, unit, o, started);
    this.audit(task, result, log);
    const r = this.env.recap;
    if (task.register) this.registered[task.register] = this.registerValue(o);
    if (o.changed) task.notify.forEach((n) => this.notified.add(n));
    switch (o.status) {
      case "unreachable":
        r.unreachable++;
        return false;
      case "failed":
        if (task.ignore_errors) {
          r.ignored++;
          return true;
        }
        r.failed++;
        return false;
      case "changed":
        r.changed++;
        r.ok++;
        return true;
      case "skipped":
        r.skipped++;
        return true;
      default:
        r.ok++;
        return true;
    }
  }
}
