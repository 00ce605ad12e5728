// One host's tasks within a play, in order (the strategy's part): each task's units are carried
// out by attempt.ts, their probes planned by probe-plan.ts; here they are walked and recorded.
import type { CommandRecord } from "../audit/log.js";
import type { Task } from "../load/model.js";
import { TaskAttempt } from "./attempt.js";
import { Cursor } from "./cursor.js";
import { Executor } from "./exec.js";
import type { HostEffects, HostInputs, TaskRun } from "./host-env.js";
import { HostVars } from "./host-vars.js";
import { Lookahead } from "./lookahead.js";
import { failure, loopOutcome, registerValue } from "./outcome.js";
import { units, type Unit } from "./prepare.js";
import { ProbePlanner, type Speculation } from "./probe-plan.js";
import { taskName, taskResult } from "./result.js";
import type { Outcome } from "./types.js";

export class HostRunner {
  private readonly vars: HostVars;
  private readonly probes: ProbePlanner;
  private readonly attempts: TaskAttempt;
  private readonly notified = new Set<string>();

  constructor(
    private readonly inputs: HostInputs,
    private readonly effects: HostEffects,
    speculation?: Speculation,
  ) {
    const { host, facts, controller, play } = inputs;
    this.vars = new HostVars(inputs);
    const own = new Executor(effects.transport, {
      asRoot: facts.uid === 0,
      delegated: false,
      verbose: inputs.verbose,
      emit: effects.emit,
      signal: inputs.signal,
    });
    const prepare = {
      host,
      facts,
      controller,
      fleet: effects.fleet,
      playBecome: play.become,
      check: inputs.check,
      unknownUnderCheck: (names: Set<string>) => this.vars.guessedOf(names),
    };
    this.probes = new ProbePlanner(
      new Lookahead(this.vars, prepare, inputs.secrets, own),
      this.vars,
      inputs.seed,
      speculation,
    );
    this.attempts = new TaskAttempt({ inputs, effects, vars: this.vars, probes: this.probes, own });
  }

  /** Runs the play's tasks, then notified handlers. Returns false when the host failed or became unreachable. */
  async run(tasks: Task[]): Promise<boolean> {
    if (!(await this.runList(tasks))) return false;
    const handlers = this.inputs.play.handlers.filter((h) =>
      [h.name, ...(h.listen ?? [])].some((n) => this.notified.has(n)),
    );
    this.probes.clear();
    return handlers.length === 0 || this.runList(handlers);
  }

  private async runList(tasks: Task[]): Promise<boolean> {
    for (let i = 0; i < tasks.length; i++) {
      if (this.inputs.signal?.aborted) return false;
      if (!(await this.runTask(new Cursor(tasks, i)))) return false;
    }
    return true;
  }

  private async runTask(at: Cursor): Promise<boolean> {
    const { task } = at;
    if (!task.run_once) return this.finish(task, await this.execute(at));
    const { result, ranHere, by } = await this.effects.once.run(task, this.inputs.host, () => this.execute(at));
    if (ranHere) return this.finish(task, result);
    const o = result.outcome;
    // a failure of the batch's one run, or its host lost, fails every host of the batch, as in Ansible; each says why it stops
    const lost = o.status === "unreachable";
    if (lost || (o.status === "failed" && !task.ignore_errors)) {
      const msg = lost
        ? `run_once: ${by}, which ran the task for the batch, was unreachable: ${o.msg}`
        : `run_once: the task failed on ${by}, which ran it for the batch: ${o.msg}`;
      // this host is reachable: it counts a failure, never ignored (ignore_errors does not cover a lost host)
      const stopped = { ...o, status: "failed" as const, changed: false, msg };
      this.finish(task, { outcome: stopped, log: [], started: Date.now() }, false);
      return false;
    }
    // the others of the batch get the result in their vars, as Ansible does; it is recorded once, where it ran
    return this.adopt(task, o, false);
  }

  /** The task's units in turn: a loop's items are shown as each finishes, and registered together. */
  private async execute(at: Cursor): Promise<TaskRun> {
    const { task } = at;
    const { host, play, order } = this.inputs;
    const started = Date.now();
    let list: Unit[];
    try {
      list = units(task, this.vars.of(task));
    } catch (e) {
      return { outcome: failure(task, e), log: [], started };
    }
    const outcomes: Outcome[] = [];
    const log: CommandRecord[] = [];
    for (let ii = 0; ii < list.length; ii++) {
      const unit = list[ii]!;
      const unitLog: CommandRecord[] = [];
      const unitStart = Date.now();
      this.effects.emit({
        type: "task_start",
        host,
        play: play.name,
        task: taskName(this.vars, task),
        task_index: order.get(task),
      });
      const outcome = await this.attempts.run({ at: at.item(ii), unit, log: unitLog });
      if (outcome.status === "unreachable" || !unit.hasItem)
        return { outcome, log: unitLog, started: unit.hasItem ? unitStart : started, unit };
      this.effects.recorder.show(taskResult(this.inputs, this.vars, task, unit, outcome, unitStart));
      outcomes.push(outcome);
      log.push(...unitLog);
    }
    return {
      outcome: loopOutcome(
        list.map((u) => u.item),
        outcomes,
      ),
      log,
      started,
      shown: true,
    };
  }

  /** Record the task's run (shown, audited, counted), then let it act on this host. */
  private finish(task: Task, run: TaskRun, ignored = task.ignore_errors): boolean {
    const result = taskResult(this.inputs, this.vars, task, run.unit, run.outcome, run.started);
    const commands = task.no_log
      ? run.log.map((c) => ({ script: "(no_log)", code: c.code, duration_ms: c.duration_ms }))
      : run.log;
    this.effects.recorder.record(result, commands, { shown: run.shown, ignored });
    return this.adopt(task, run.outcome, true);
  }

  /** register and notify; true when the host goes on. `ranHere`: handlers are notified where the task ran. */
  private adopt(task: Task, o: Outcome, ranHere: boolean): boolean {
    if (task.register) {
      this.vars.register(
        task.register,
        registerValue(o),
        (task.check_mode ?? this.inputs.check) && Boolean(o.uncertain),
      );
      this.probes.registered();
    }
    if (ranHere && o.changed) task.notify.forEach((n) => this.notified.add(n));
    if (o.status === "unreachable") return false;
    return o.status !== "failed" || task.ignore_errors;
  }
}
