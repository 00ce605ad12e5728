// One unit of a task (the task, or one loop item) made ready to probe: `when`, templated args
// checked with load time's words, environment, delegation, resolve, and the probe script.
import { secretValues } from "../audit/redact.js";
import { NotJudgedError, TaskError } from "../errors.js";
import type { Facts } from "../facts/types.js";
import { becomeWithVars } from "../load/become.js";
import type { Task } from "../load/model.js";
import { ENVIRONMENT, schemaProblems } from "../load/schema.js";
import type { Controller, Fleet, Module } from "../modules/contract.js";
import { loadModule } from "../modules/index.js";
import { test } from "../template/expr.js";
import { render } from "../template/render.js";
import { exportLines } from "../transport/quote.js";
import { probeRunsTask } from "./capabilities.js";

export interface Unit {
  task: Task;
  item?: unknown;
  hasItem: boolean;
}

export interface Prepared {
  module: Module;
  args: unknown;
  become: boolean | string;
  /** The probe carries out the task itself (capabilities.ts decided). */
  runsTask: boolean;
  /** `export` lines of the task's environment, put before each of its remote commands. */
  env: string;
  /** The probe script, environment first; "" when the module has nothing to probe. */
  script: string;
  /** delegate_to, when it names another host than this one. */
  delegate?: string;
  /** Values under secret-looking names in the rendered args and environment, for redaction. */
  secrets: string[];
}

export interface PrepareContext {
  host: string;
  facts: Facts;
  controller: Controller;
  fleet: Fleet;
  playBecome: boolean | string;
  check: boolean;
  /** Of these var names, the registered results --check could not know (empty outside check mode). */
  unknownUnderCheck: (names: Set<string>) => string[];
}

/** The task's units: one per loop item, or the task alone. */
export function units(task: Task, vars: Record<string, unknown>): Unit[] {
  if (task.loop === undefined) return [{ task, hasItem: false }];
  const items: unknown = render(task.loop, vars);
  if (!Array.isArray(items)) throw new TaskError(`loop must be a list, got ${typeof items}`, { where: task.where });
  return (items as unknown[]).map((item) => ({ task, item, hasItem: true }));
}

/** A rendered value checked against a schema, in the words load time uses; `prefix` leads the message. */
function checkRendered(id: string, data: unknown, root: string, prefix: string, hint: string): void {
  const problems = schemaProblems(id, data, { root });
  if (problems.length) throw new TaskError(`${prefix}${problems.map((p) => p.message).join("; ")}`, { hint });
}

function environment(task: Task, vars: Record<string, unknown>): Record<string, unknown> {
  if (task.environment === undefined) return {};
  const env = render(task.environment, vars);
  const hint = "environment takes a mapping of variable names to values";
  if (!env || typeof env !== "object" || Array.isArray(env))
    throw new TaskError(`environment must be a mapping, got ${JSON.stringify(env)}`, { hint });
  checkRendered(ENVIRONMENT, env, "environment", "", hint);
  return env as Record<string, unknown>;
}

/** The unit's `when`; throws NotJudgedError when it reads a result unknown under --check. */
function whenHolds(task: Task, vars: Record<string, unknown>, ctx: PrepareContext): boolean {
  const reads = new Set<string>();
  const watched = new Proxy(vars, {
    get: (target, key): unknown => (typeof key === "string" && reads.add(key), Reflect.get(target, key)),
    has: (target, key) => (typeof key === "string" && reads.add(key), Reflect.has(target, key)),
  });
  const holds = test(task.when, watched);
  const unknown = ctx.unknownUnderCheck(reads);
  if (unknown.length)
    throw new NotJudgedError(`not judged under --check: when reads ${unknown.join(", ")}, which only a real run knows`);
  return holds;
}

/** undefined when `when` says skip. */
export async function prepare(
  unit: Unit,
  vars: Record<string, unknown>,
  ctx: PrepareContext,
): Promise<Prepared | undefined> {
  const { task } = unit;
  if (task.when !== undefined && !whenHolds(task, vars, ctx)) return undefined;
  const module = await loadModule(task.module);
  let args = render(task.args, vars);
  checkRendered(
    `modules/${task.module}.json`,
    args,
    task.module,
    `${task.module}: `,
    "check the module's arguments (docs/modules.md)",
  );
  const envVars = environment(task, vars);
  const env = exportLines(envVars);
  const delegate = task.delegate_to === undefined ? undefined : String(render(task.delegate_to, vars));
  if (module.resolve)
    args = await module.resolve(args, {
      host: ctx.host,
      check: ctx.check,
      facts: ctx.facts,
      controller: ctx.controller,
      fleet: ctx.fleet,
    });
  const runsTask = probeRunsTask(module, task);
  const script = module.probe(args, ctx.facts, { runsTask });
  return {
    module,
    args,
    become: becomeWithVars(task.become ?? ctx.playBecome, vars),
    runsTask,
    env,
    script: script && env + script,
    secrets: secretValues({ args, environment: envVars }),
    ...(delegate !== undefined && delegate !== ctx.host ? { delegate } : {}),
  };
}
