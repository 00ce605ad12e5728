// Playbook YAML → validated, typed Playbook. Every problem is an InputError at file:line:col.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { InputError, position } from "../errors.js";
import { check, readCondition } from "../template/expr.js";
import { expressions } from "../template/render.js";
import type { Condition, Play, Playbook, Task } from "./model.js";
import { moduleSchemaNames, TASK_LIST, validate } from "./schema.js";
import { findRole, roleFiles } from "./roles.js";
import { didYouMean, nearest } from "./suggest.js";
import { applyBecomeFlags, type BecomeFlags } from "./become.js";
import { Problems } from "./problems.js";
import { refuseRouteVar } from "./inventory/connection-vars.js";
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
  "loop_control",
  "check_mode",
  "vars",
  "environment",
  "until",
  "retries",
  "delay",
  "run_once",
  "delegate_to",
  "listen",
] as const;

type RawTask = Record<string, unknown>;
type RawPlay = Record<string, unknown>;

const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map((x) => `${x as string}`) : [`${v as string}`];
const conditions = (c: Condition | undefined): Array<string | boolean> =>
  c === undefined ? [] : Array.isArray(c) ? c : [c];

/** What a static import or a role gives every task it brings in, as Ansible applies it. */
interface Scope {
  when?: Condition;
  tags?: unknown;
  vars?: Record<string, unknown>;
  params?: Record<string, unknown>;
}

/** The keys a roles entry reads itself; any other is a role param, as in Ansible. */
const ROLE_ENTRY_KEYS = ["role", "vars", "tags", "when"];

/** Where loading is: the files open (importing one of them again is a cycle), and inside a role, the folder its imports resolve against. */
interface Context {
  chain: string[];
  roleFolder?: string;
}

interface LoadedRole {
  tasks: Task[];
  handlers: Task[];
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
}

export function loadPlaybook(file: string, flags: BecomeFlags = {}): Playbook {
  const yaml = YamlFile.read(file);
  return parsePlaybook(yaml, flags);
}

export function parsePlaybook(yaml: YamlFile, flags: BecomeFlags = {}): Playbook {
  const loader = new Loader(moduleSchemaNames(), flags);
  const plays = loader.playbook(yaml, [yaml.file]);
  loader.problems.throwAny();
  const warnings = loader.warnings.size > 0 ? { warnings: [...loader.warnings] } : {};
  return { file: yaml.file, sha256: createHash("sha256").update(yaml.text).digest("hex"), plays, ...warnings };
}

/** The imported and role tasks take the import's when (first), tags, vars and params (the task's own win). */
function scoped(t: Task, s: Scope): Task {
  const vars = s.vars || t.vars ? { vars: { ...s.vars, ...t.vars } } : {};
  const params = s.params || t.params ? { params: { ...s.params, ...t.params } } : {};
  return {
    ...t,
    ...vars,
    ...params,
    when: s.when === undefined ? t.when : [...conditions(s.when), ...conditions(t.when)],
    tags: [...new Set([...list(s.tags), ...t.tags])],
  };
}

class Loader {
  readonly warnings = new Set<string>();
  /** Each play, role, import and task that cannot be read is kept here and loading goes on: every problem is reported. */
  readonly problems = new Problems();
  private readonly warn = (line: string): void => void this.warnings.add(line);

  constructor(
    private readonly modules: string[],
    private readonly flags: BecomeFlags,
  ) {}

  playbook(yaml: YamlFile, chain: string[]): Play[] {
    const data = yaml.data;
    this.validate("playbook.json", yaml, data, (at) => at.length === 3 && (at[1] === "tasks" || at[1] === "handlers"));
    return (data as RawPlay[]).flatMap((p, i) =>
      this.problems.try(
        () =>
          p.import_playbook === undefined ? [this.play(yaml, p, i, chain)] : this.importPlaybook(yaml, p, i, chain),
        [],
      ),
    );
  }

  /** Schema errors; an unknown key of a task most likely is a misspelt module or keyword. */
  private validate(id: string, yaml: YamlFile, data: unknown, isTask: (at: Path) => boolean): void {
    validate(id, yaml, data, [], {
      unknownKey: (at, key, entry) =>
        isTask(at) && !Object.hasOwn(entry, "import_tasks")
          ? `unknown module '${key}'${didYouMean(key, [...this.modules, ...TASK_KEYWORDS, "import_tasks"])}`
          : undefined,
    });
  }

  /** A file an import names, relative to `base`; a missing file or a cycle is an error at the import. */
  private follow(yaml: YamlFile, at: Path, base: string, name: string, chain: string[]): string {
    const file = isAbsolute(name) ? name : join(base, name);
    const where = yaml.where(at);
    const open = chain.findIndex((f) => resolve(f) === resolve(file));
    if (open >= 0) {
      throw new InputError(`import cycle: ${[...chain.slice(open), file].join(" → ")}`, {
        where,
        hint: "remove one of these imports",
      });
    }
    if (!existsSync(file)) {
      throw new InputError(`${String(at[at.length - 1])}: ${file} does not exist`, {
        where,
        hint: "the path is relative to the importing file (in a role: to its tasks/ or handlers/)",
      });
    }
    return file;
  }

  private importPlaybook(yaml: YamlFile, p: RawPlay, i: number, chain: string[]): Play[] {
    const file = this.follow(yaml, [i, "import_playbook"], dirname(yaml.file), String(p.import_playbook), chain);
    checkConditions(yaml, [i, "when"], p.when, this.warn);
    const scope: Scope = { when: p.when as Condition | undefined, tags: p.tags };
    return this.playbook(YamlFile.read(file), [...chain, file]).map((play) => ({
      ...play,
      vars: { ...play.vars, ...(p.vars as Record<string, unknown> | undefined) },
      tasks: play.tasks.map((t) => scoped(t, scope)),
      handlers: play.handlers.map((t) => scoped(t, scope)),
    }));
  }

  private tasks(yaml: YamlFile, raw: unknown, at: Path, ctx: Context): Task[] {
    return ((raw as RawTask[] | undefined) ?? []).flatMap((t, j) =>
      this.problems.try(
        () =>
          t.import_tasks === undefined
            ? [toTask(yaml, t, [...at, j], this.modules, this.warn)]
            : this.importTasks(yaml, t, [...at, j], ctx),
        [],
      ),
    );
  }

  private importTasks(yaml: YamlFile, t: RawTask, at: Path, ctx: Context): Task[] {
    const file = this.follow(
      yaml,
      [...at, "import_tasks"],
      ctx.roleFolder ?? dirname(yaml.file),
      String(t.import_tasks),
      ctx.chain,
    );
    checkConditions(yaml, [...at, "when"], t.when, this.warn);
    const scope: Scope = {
      when: t.when as Condition | undefined,
      tags: t.tags,
      vars: t.vars as Record<string, unknown> | undefined,
    };
    return this.taskFile(file, { ...ctx, chain: [...ctx.chain, file] }).map((task) => scoped(task, scope));
  }

  /** A file holding a list of tasks: a role's tasks/ or handlers/, or one named by import_tasks. */
  private taskFile(file: string, ctx: Context): Task[] {
    const yaml = YamlFile.read(file);
    // an empty file is an empty list, as in Ansible
    const data = yaml.data ?? [];
    this.validate(TASK_LIST, yaml, data, (at) => at.length === 1);
    return this.tasks(yaml, data, [], ctx);
  }

  private role(yaml: YamlFile, raw: unknown, at: Path, chain: string[]): LoadedRole {
    const entry = (typeof raw === "string" ? { role: raw } : raw) as RawTask;
    const dir = findRole(String(entry.role), yaml.file, yaml.where(typeof raw === "string" ? at : [...at, "role"]));
    const files = roleFiles(basename(dir), dir);
    checkConditions(yaml, [...at, "when"], entry.when, this.warn);
    // as in Ansible: the role's vars/main.yaml over the entry's vars
    const exported = { ...(entry.vars as Record<string, unknown> | undefined), ...files.vars };
    // role_path, as in Ansible: where a task finds the role's files/ ({{ role_path }}/files/NAME)
    const vars = { ...exported, role_path: resolve(dir) };
    const params = roleParams(yaml, entry, at);
    const scope: Scope = {
      when: entry.when as Condition | undefined,
      tags: entry.tags,
      vars,
      ...(params ? { params } : {}),
    };
    const load = (file: string | undefined, folder: string): Task[] =>
      file
        ? this.taskFile(file, { chain: [...chain, file], roleFolder: join(dir, folder) }).map((t) => scoped(t, scope))
        : [];
    return {
      // as Ansible shows them, `role : task`; handlers keep their names, which notify finds them by
      tasks: load(files.tasks, "tasks").map((t) => ({ ...t, name: `${files.name} : ${t.name}` })),
      handlers: load(files.handlers, "handlers"),
      defaults: files.defaults,
      vars: exported,
    };
  }

  /** Role tasks run before the play's own, and role handlers join the play's, as in Ansible. */
  private play(yaml: YamlFile, p: RawPlay, i: number, chain: string[]): Play {
    const roles = ((p.roles as unknown[] | undefined) ?? []).flatMap((r, j) =>
      this.problems.try(() => [this.role(yaml, r, [i, "roles", j], chain)], []),
    );
    const play = toPlay(yaml, p, i, {
      tasks: [...roles.flatMap((r) => r.tasks), ...this.tasks(yaml, p.tasks, [i, "tasks"], { chain })],
      handlers: [...roles.flatMap((r) => r.handlers), ...this.tasks(yaml, p.handlers, [i, "handlers"], { chain })],
      defaults: Object.assign({}, ...roles.map((r) => r.defaults)) as Record<string, unknown>,
      roleVars: Object.assign({}, ...roles.map((r) => r.vars)) as Record<string, unknown>,
    });
    return applyBecomeFlags(play, p.become !== undefined, this.flags);
  }
}

/** A roles entry's loose keys; a task keyword or a slip of the entry's own keys is refused rather than taken for a param. */
function roleParams(yaml: YamlFile, entry: RawTask, at: Path): Record<string, unknown> | undefined {
  const loose = Object.keys(entry).filter((k) => !ROLE_ENTRY_KEYS.includes(k));
  for (const k of loose) {
    const where = yaml.where([...at, k], true);
    if ((TASK_KEYWORDS as readonly string[]).includes(k)) {
      throw new InputError(
        `'${k}' on a roles entry: armgo reads only ${ROLE_ENTRY_KEYS.join(", ")} there, and would take it for a role param`,
        {
          where,
          hint: `set ${k} on the role's tasks or on the play`,
        },
      );
    }
    // one edit away from a key of the entry is a slip, not a param
    const slip = nearest(k, ROLE_ENTRY_KEYS, 1);
    if (slip) throw new InputError(`unknown key '${k}' — did you mean '${slip}'?`, { where });
  }
  return loose.length ? Object.fromEntries(loose.map((k) => [k, entry[k]])) : undefined;
}

function toPlay(
  yaml: YamlFile,
  p: RawPlay,
  i: number,
  loaded: Pick<Play, "tasks" | "handlers" | "defaults" | "roleVars">,
): Play {
  const vars = { ...(p.vars as Record<string, unknown> | undefined) };
  for (const k of Object.keys(vars)) refuseRouteVar(k, yaml.where([i, "vars", k], true), "a play's vars");
  for (const [j, vf] of list(p.vars_files).entries()) {
    const vfile = resolve(dirname(yaml.file), vf);
    const file = YamlFile.read(vfile);
    const loaded = file.data;
    if (!loaded || typeof loaded !== "object" || Array.isArray(loaded)) {
      throw new InputError(`vars file ${vf} must hold a mapping of names to values`, {
        where: yaml.where([i, "vars_files", j]),
      });
    }
    for (const k of Object.keys(loaded)) refuseRouteVar(k, file.where([k], true), "a vars file");
    Object.assign(vars, loaded);
  }
  const { tasks, handlers } = loaded;
  const problems = new Problems();
  const handlerNames = new Set(handlers.flatMap((h) => [h.name, ...(h.listen ?? [])]));
  for (const t of tasks) {
    for (const n of t.notify) {
      if (!handlerNames.has(n)) {
        problems.add(
          new InputError(`notify names handler '${n}', which this play does not define${didYouMean(n, handlerNames)}`, {
            where: t.where,
          }),
        );
      }
    }
  }
  const serial = p.serial === undefined ? [] : Array.isArray(p.serial) ? p.serial : [p.serial];
  for (const [j, s] of (serial as unknown[]).entries()) {
    if (typeof s === "string" && !/^\d+%?$/.test(s)) {
      problems.add(
        new InputError(`serial '${s}' must be a number or a percentage like "30%"`, {
          where: yaml.where(Array.isArray(p.serial) ? [i, "serial", j] : [i, "serial"]),
        }),
      );
    }
  }
  problems.throwAny();
  return {
    name: `${(p.name as string | undefined) ?? list(p.hosts).join(",")}`,
    hosts: list(p.hosts).join(":"),
    vars,
    defaults: loaded.defaults,
    roleVars: loaded.roleVars,
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

function toTask(yaml: YamlFile, t: RawTask, at: Path, modules: string[], warn: (line: string) => void): Task {
  const where = yaml.where(at);
  const named = Object.keys(t).filter((k) => modules.includes(k));
  if (named.length === 0) {
    throw new InputError(`task has no module — add one of: ${modules.join(", ")}`, { where });
  }
  if (named.length > 1) {
    throw new InputError(`task names ${named.length} modules (${named.join(", ")}) — one module per task`, { where });
  }
  const module = named[0]!;
  const problems = new Problems();
  for (const key of ["when", "changed_when", "failed_when", "until"] as const)
    problems.try(() => checkConditions(yaml, [...at, key], t[key], warn), undefined);
  for (const key of [module, "loop", "loop_control", "vars", "environment", "delegate_to"]) {
    problems.try(() => checkExpr(() => expressions(t[key]).forEach(check), yaml, [...at, key]), undefined);
  }
  problems.throwAny();
  return {
    name: `${(t.name as string | undefined) ?? module}`,
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
    label: (t.loop_control as { label?: string } | undefined)?.label,
    check_mode: t.check_mode as boolean | undefined,
    vars: t.vars as Record<string, unknown> | undefined,
    environment: t.environment,
    until: t.until as Condition | undefined,
    retries: t.retries as number | undefined,
    delay: t.delay as number | undefined,
    run_once: t.run_once as boolean | undefined,
    delegate_to: t.delegate_to as string | undefined,
    listen: t.listen === undefined ? undefined : list(t.listen),
  };
}

/** Each condition parses; what Ansible would warn about goes to `warn`, where it is first. */
function checkConditions(yaml: YamlFile, at: Path, value: unknown, warn: (line: string) => void): void {
  const conds = Array.isArray(value) ? (value as unknown[]) : [value];
  conds.forEach((cond, j) => {
    if (typeof cond !== "string") return;
    const path = Array.isArray(value) ? [...at, j] : at;
    checkExpr(() => readCondition(cond, (problem) => warn(`${position(yaml.where(path))}: ${problem}`)), yaml, path);
  });
}

function checkExpr(read: () => unknown, yaml: YamlFile, at: Path): void {
  try {
    read();
  } catch (e) {
    throw new InputError(`bad expression: ${(e as Error).message}`, { where: yaml.where(at), cause: e });
  }
}
