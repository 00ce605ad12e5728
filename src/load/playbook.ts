// Playbook YAML → validated, typed Playbook. Every problem is an InputError at file:line:col.
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import { check, readCondition } from "../template/expr.js";
import { expressions } from "../template/render.js";
import type { Condition, Play, Playbook, Task } from "./model.js";
import { moduleSchemaNames, validate } from "./schema.js";
import { didYouMean } from "./suggest.js";
import { YamlFile, type Path } from "./yaml.js";

export const TASK_KEYWORDS = [
  "name",
  "when",
  "changed_when",
  "failed_when",
  "register",
  "tags",
  "notify",
  "ignore_errors",
  "no_log",
  "become",
  "loop",
] as const;

type RawTask = Record<string, unknown>;
type RawPlay = Record<string, unknown>;

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

export function loadPlaybook(file: string): Playbook {
  const yaml = YamlFile.read(file);
  return parsePlaybook(yaml);
}

export function parsePlaybook(yaml: YamlFile): Playbook {
  const modules = moduleSchemaNames();
  const data = yaml.data;
  validate("playbook.json", yaml, data, [], {
    unknownKey: (at, key) =>
      (at.length === 3 && (at[1] === "tasks" || at[1] === "handlers"))
        ? `unknown module '${key}'${didYouMean(key, [...modules, ...TASK_KEYWORDS])}`
        : undefined,
  });
  const plays = (data as RawPlay[]).map((p, i) => toPlay(yaml, p, i, modules));
  return { file: yaml.file, sha256: createHash("sha256").update(yaml.text).digest("hex"), plays };
}

function toPlay(yaml: YamlFile, p: RawPlay, i: number, modules: string[]): Play {
  const vars = { ...(p.vars as Record<string, unknown> | undefined) };
  for (const [j, vf] of list(p.vars_files).entries()) {
    const vfile = resolve(dirname(yaml.file), vf);
    const loaded = YamlFile.read(vfile).data;
    if (!loaded || typeof loaded !== "object" || Array.isArray(loaded)) {
      throw new InputError(`vars file ${vf} must hold a mapping of names to values`, { where: yaml.where([i, "vars_files", j]) });
    }
    Object.assign(vars, loaded);
  }
  const tasks = ((p.tasks as RawTask[] | undefined) ?? []).map((t, j) => toTask(yaml, t, [i, "tasks", j], modules));
  const handlers = ((p.handlers as RawTask[] | undefined) ?? []).map((t, j) => toTask(yaml, t, [i, "handlers", j], modules));
  const handlerNames = new Set(handlers.map((h) => h.name));
  for (const t of tasks) {
    for (const n of t.notify) {
      if (!handlerNames.has(n)) {
        throw new InputError(`notify names handler '${n}', which this play does not define${didYouMean(n, handlerNames)}`, {
          where: t.where,
        });
      }
    }
  }
  const serial = p.serial === undefined ? [] : Array.isArray(p.serial) ? p.serial : [p.serial];
  for (const [j, s] of (serial as unknown[]).entries()) {
    if (typeof s === "string" && !/^\d+%?$/.test(s)) {
      throw new InputError(`serial '${s}' must be a number or a percentage like "30%"`, {
        where: yaml.where(Array.isArray(p.serial) ? [i, "serial", j] : [i, "serial"]),
      });
    }
  }
  return {
    name: String(p.name ?? list(p.hosts).join(",")),
    hosts: list(p.hosts).join(":"),
    vars,
    become: (p.become as boolean | string | undefined) ?? false,
    gather_facts: (p.gather_facts as boolean | undefined) ?? true,
    serial: serial as Array<number | string>,
    max_fail_percentage: p.max_fail_percentage as number | undefined,
    tags: list(p.tags),
    tasks,
    handlers,
    where: yaml.where([i]),
  };
}

function toTask(yaml: YamlFile, t: RawTask, at: Path, modules: string[]): Task {
  const where = yaml.where(at);
  const named = Object.keys(t).filter((k) => modules.includes(k));
  if (named.length === 0) {
    throw new InputError(`task has no module — add one of: ${modules.join(", ")}`, { where });
  }
  if (named.length > 1) {
    throw new InputError(`task names ${named.length} modules (${named.join(", ")}) — one module per task`, { where });
  }
  const module = named[0]!;
  for (const key of ["when", "changed_when", "failed_when"] as const) {
    const conds = Array.isArray(t[key]) ? (t[key] as unknown[]) : [t[key]];
    conds.forEach((cond, j) => {
      if (typeof cond !== "string") return;
      const path = Array.isArray(t[key]) ? [...at, key, j] : [...at, key];
      checkExpr(() => readCondition(cond, yaml.where(path)), yaml, path);
    });
  }
  checkExpr(() => expressions(t[module]).forEach(check), yaml, [...at, module]);
  checkExpr(() => expressions(t.loop).forEach(check), yaml, [...at, "loop"]);
  return {
    name: String(t.name ?? `${module}`),
    module,
    args: t[module] ?? {},
    where,
    when: t.when as Condition | undefined,
    changed_when: t.changed_when as Condition | undefined,
    failed_when: t.failed_when as Condition | undefined,
    register: t.register as string | undefined,
    tags: list(t.tags),
    notify: list(t.notify),
    ignore_errors: (t.ignore_errors as boolean | undefined) ?? false,
    no_log: (t.no_log as boolean | undefined) ?? false,
    become: t.become as boolean | string | undefined,
    loop: t.loop,
  };
}

function checkExpr(read: () => unknown, yaml: YamlFile, at: Path): void {
  try {
    read();
  } catch (e) {
    throw new InputError(`bad expression: ${(e as Error).message}`, { where: yaml.where(at), cause: e });
  }
}
