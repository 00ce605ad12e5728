// One unit of a task on one host, as Ansible's TaskExecutor runs it: attempts under until/retries,
// each prepared, probed, planned and (outside check mode) applied, then judged and settled for --check.
import { LockHeldError, NotJudgedError, UnreachableError } from "../errors.js";
import type { ApplyResult } from "../modules/contract.js";
import { changes as isChange, checks } from "./capabilities.js";
import { CheckMode } from "./check.js";
import type { Turn } from "./cursor.js";
import { Executor, moduleContext } from "./exec.js";
import type { HostEffects, HostInputs } from "./host-env.js";
import type { HostVars } from "./host-vars.js";
import { judge, untilHolds } from "./judge.js";
import { failure } from "./outcome.js";
import type { Prepared } from "./prepare.js";
import type { ProbePlanner } from "./probe-plan.js";
import { withRetries, type Attempt } from "./retry.js";
import type { Outcome } from "./types.js";

export interface AttemptParts {
  inputs: HostInputs;
  effects: HostEffects;
  vars: HostVars;
  probes: ProbePlanner;
  /** Runs the host's own commands. */
  own: Executor;
}

export class TaskAttempt {
  private readonly check: CheckMode;

  constructor(private readonly p: AttemptParts) {
    this.check = new CheckMode(p.inputs.check);
  }

  /** The unit's outcome after its attempts, judged (changed_when, failed_when, until) and settled for check mode. */
  async run(turn: Omit<Turn, "check">): Promise<Outcome> {
    const { task } = turn.unit;
    const { inputs, effects } = this.p;
    const check = this.check.of(task);
    const vars = (extra: Record<string, unknown>) => this.p.vars.of(task, turn.unit, extra);
    try {
      const outcome = await withRetries(
        task,
        async (n) => {
          const a = await this.attempt({ ...turn, check });
          if (a.outcome.status === "skipped") return a;
          // Ansible shows changed_when and failed_when the attempt number
          if (task.until !== undefined) a.outcome.data = { ...a.outcome.data, attempts: n };
          return { ...a, outcome: judge(task, a.outcome, vars) };
        },
        (o) => untilHolds(task, o, vars),
        {
          again: (left) => {
            // the next attempt must read the host again
            this.p.probes.invalidate();
            effects.emit({
              type: "progress",
              host: inputs.host,
              task: task.name,
              text: `until not met, retrying (${left} left)`,
            });
          },
          signal: inputs.signal,
        },
      );
      return this.check.settle(check, outcome);
    } catch (e) {
      if (inputs.signal?.aborted)
        return {
          status: "failed",
          changed: false,
          // a step past its point of no return (a switch) finishes; steps before it in the task stay done
          msg: "interrupted (SIGINT/SIGTERM): the command in flight was stopped, or finished if past its point of no return",
          data: {},
        };
      if (e instanceof UnreachableError) return { status: "unreachable", changed: false, msg: e.oneLine(), data: {} };
      // Nothing was applied because another controller holds the host: no failed_when or until judges that.
      if (e instanceof LockHeldError) return { status: "failed", changed: false, msg: e.oneLine(), data: {} };
      return this.check.settle(check, failure(task, e));
    }
  }

  /** One attempt at a unit: a task failure is an outcome; unreachable, interrupts and bugs throw. */
  private async attempt(turn: Turn): Promise<Attempt> {
    const { unit, check, log } = turn;
    const { inputs, effects, probes } = this.p;
    let prep: Prepared | undefined;
    try {
      prep = await probes.prepared(turn.at, unit);
    } catch (e) {
      if (e instanceof NotJudgedError)
        return {
          outcome: { status: "skipped", changed: false, msg: e.message, data: {}, uncertain: true },
          ran: false,
        };
      return { outcome: failure(unit.task, e), ran: false };
    }
    if (!prep)
      return {
        outcome: { status: "skipped", changed: false, msg: `when: ${String(unit.task.when)} is false`, data: {} },
        ran: false,
      };
    const exec = await this.executor(prep);
    try {
      const out = await probes.probe(turn, prep, exec);
      const state = prep.module.parse(out, prep.args, { runsTask: prep.runsTask });
      const plan = prep.module.plan(state, prep.args);
      const changes = isChange(prep.module, plan);
      if (changes && check && (unit.task.changed_when !== undefined || unit.task.failed_when !== undefined)) {
        // as Ansible skips it: changed_when and failed_when judge a result that check mode never has
        return {
          outcome: {
            status: "skipped",
            changed: false,
            msg: `check mode: would ${plan.msg}, not judged`,
            data: plan.data ?? {},
            plan,
            uncertain: true,
          },
          ran: false,
        };
      }
      // Another controller may have changed the host since it was probed: lock it, then read it again.
      if (changes && !check && prep.delegate === undefined && (await effects.lockHost())) {
        probes.invalidate();
        return this.attempt(turn);
      }
      let applied: ApplyResult = {};
      const ctx = () =>
        moduleContext(
          exec,
          {
            ...inputs,
            fleet: effects.fleet,
            emit: effects.emit,
            task: unit.task.name,
            check,
            become: prep.become,
            env: prep.env,
            noLog: unit.task.no_log,
          },
          log,
        );
      if (changes && !check) {
        // whatever apply manages before it fails may have changed the host
        probes.invalidate();
        applied = await prep.module.apply(ctx(), prep.args, plan);
      } else if (checks(prep.module, plan)) {
        applied = await prep.module.apply(ctx(), prep.args, plan);
      }
      const msg =
        check && changes
          ? `would ${plan.msg}${plan.uncertain ? " (outcome unknown in advance)" : ""}`
          : (applied.msg ?? plan.msg);
      const outcome: Outcome = {
        status: changes ? "changed" : "ok",
        changed: changes,
        msg,
        data: { ...plan.data, ...applied.data },
        plan,
        uncertain: plan.uncertain,
      };
      return { outcome, ran: prep.runsTask || (changes && !check) };
    } catch (e) {
      if (e instanceof UnreachableError || e instanceof LockHeldError || inputs.signal?.aborted) throw e;
      return { outcome: failure(unit.task, e), ran: true };
    }
  }

  /** The host's own executor, or one on the host the unit delegates to. */
  private async executor(prep: Prepared): Promise<Executor> {
    if (prep.delegate === undefined) return this.p.own;
    const { verbose } = this.p.inputs;
    return new Executor(await this.p.effects.delegate(prep.delegate), {
      asRoot: false,
      delegated: true,
      verbose,
      emit: this.p.effects.emit,
      signal: this.p.inputs.signal,
    });
  }
}
