// JSON Schema validation (ajv, compiled once per process) with errors at file:line:col.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Script } from "node:vm";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { InputError } from "../errors.js";
import { packageRoot, schemasDir } from "../paths.js";
import { isTemplated } from "../template/render.js";
import { didYouMean } from "./suggest.js";
import type { Path, YamlFile } from "./yaml.js";

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** How every armgo schema is compiled, here and by the build's precompile step (scripts/precompile-schemas.mjs). */
export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;

/** The schema files, by the id the playbook schema refers to each by. */
function schemaFiles(): Array<[id: string, file: string]> {
  const modules = readdirSync(join(schemasDir, "modules"))
    .filter((f) => f.endsWith(".json"))
    .sort();
  // The playbook schema refers to module schemas by their relative path, as editors resolve them.
  return [
    ...modules.map((f): [string, string] => [`modules/${f}`, join(schemasDir, "modules", f)]),
    ...["playbook.json", "inventory.json"].map((f): [string, string] => [f, join(schemasDir, f)]),
  ];
}

/** Every schema armgo validates against, by the id the playbook schema refers to it by. */
export function schemaSources(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [id, file] of schemaFiles()) {
    const schema = JSON.parse(readFileSync(file, "utf8")) as object;
    out[id] = id.startsWith("modules/") ? { ...schema, $id: id } : schema;
  }
  return out;
}

/** A hash of the schemas' files: precompiled validators are used only while it still matches. */
export function schemasHash(): string {
  const hash = createHash("sha256");
  for (const [id, file] of schemaFiles()) hash.update(`${id}\0`).update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

export const PRECOMPILED = join(packageRoot, "dist", "schemas.cjs");

/** A role's task file is checked against this part of the playbook schema. */
export const TASK_LIST = "playbook.json#/definitions/taskList";
/** A task's environment, once rendered, is checked against this part. */
export const ENVIRONMENT = "playbook.json#/definitions/environment";

/** What the build precompiles: every schema, and the parts validated on their own. */
export function precompiledIds(sources: Record<string, object>): string[] {
  return [...Object.keys(sources), TASK_LIST, ENVIRONMENT];
}

// Compiling every schema costs ~100 ms of each start; the build writes them precompiled.
const require = createRequire(import.meta.url);

/** V8's code cache of PRECOMPILED, written by the build: compiling that 350 kB file is most of what is left. */
export const PRECOMPILED_CODE_CACHE = `${PRECOMPILED}.v8cache`;

type Precompiled = Record<string, ValidateFunction> & { schemasHash?: string };

/**
 * Run PRECOMPILED as CommonJS does, with V8's code cache when one is given (V8 checks that it
 * fits this file and this node, and compiles afresh when not); the script is returned for the
 * build to write the cache from.
 */
export function loadPrecompiled(cachedData?: Buffer): { validators: Precompiled; script: Script } {
  const script = new Script(`(function (exports, require) {${readFileSync(PRECOMPILED, "utf8")}\n})`, {
    filename: PRECOMPILED,
    ...(cachedData ? { cachedData } : {}),
  });
  const validators: Precompiled = {};
  (script.runInThisContext() as (exports: object, req: NodeJS.Require) => void)(validators, require);
  return { validators, script };
}

function precompiled(): Precompiled | undefined {
  if (!existsSync(PRECOMPILED)) return undefined;
  const cache = existsSync(PRECOMPILED_CODE_CACHE) ? readFileSync(PRECOMPILED_CODE_CACHE) : undefined;
  const { validators } = loadPrecompiled(cache);
  return validators.schemasHash === schemasHash() ? validators : undefined;
}

// Loaded only when a validator was not precompiled (a dev tree whose schemas changed since the build).
function instance(): Ajv {
  if (ajv) return ajv;
  const { Ajv: AjvClass } = require("ajv") as typeof import("ajv");
  ajv = new AjvClass(AJV_OPTIONS);
  for (const [id, schema] of Object.entries(schemaSources())) ajv.addSchema(schema, id);
  return ajv;
}

let ready: Record<string, ValidateFunction> | undefined | null = null;

export function validator(id: string): ValidateFunction {
  let v = compiled.get(id);
  if (!v) {
    if (ready === null) ready = precompiled();
    v = ready?.[id] ?? instance().getSchema(id);
    if (!v) throw new Error(`armgo: schema ${id} not found in ${schemasDir}`);
    compiled.set(id, v);
  }
  return v;
}

export function moduleSchemaNames(): string[] {
  return readdirSync(join(schemasDir, "modules"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""));
}

/**
 * `required` errors from the branches of an anyOf/oneOf ("version and version_file, or creates")
 * read as one line per value, not one per missing key of every branch.
 */
function splitAlternatives(errors: ErrorObject[]): {
  alternatives: Map<string, Map<string, string[]>>;
  rest: ErrorObject[];
} {
  const alternatives = new Map<string, Map<string, string[]>>();
  const rest: ErrorObject[] = [];
  for (const e of errors) {
    const branch = /^(.*\/(?:anyOf|oneOf)\/\d+)\/required$/.exec(e.schemaPath);
    if (e.keyword !== "required" || !branch) {
      rest.push(e);
      continue;
    }
    const byBranch = alternatives.get(e.instancePath) ?? new Map<string, string[]>();
    byBranch.set(branch[1]!, [...(byBranch.get(branch[1]!) ?? []), String(e.params.missingProperty)]);
    alternatives.set(e.instancePath, byBranch);
  }
  return { alternatives, rest };
}

function pointer(p: string): Path {
  return p === ""
    ? []
    : p
        .slice(1)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const s of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[String(s)] : undefined;
  return v;
}

export interface ErrorContext {
  /** Message for an unknown key at this path (e.g. unknown module); undefined = the generic one. */
  unknownKey?(path: Path, key: string, value: object): string | undefined;
}

/** One schema problem: where in the data, and what, as one line. */
export interface Problem {
  at: Path;
  message: string;
  /** Point at the key itself (an unknown key), not at its value. */
  atKey?: boolean;
}

/**
 * Every problem of `data` against schema `id`, in words a user reads (the same at load time and
 * at run time); empty when valid. `skipTemplated`: a `{{ }}` value is judged once rendered.
 */
export function schemaProblems(
  id: string,
  data: unknown,
  opts: ErrorContext & { skipTemplated?: boolean; root?: string } = {},
): Problem[] {
  const v = validator(id);
  if (v(data)) return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  const { alternatives, rest } = splitAlternatives(narrow(v.errors ?? []));
  for (const [instancePath, branches] of alternatives) {
    const at = pointer(instancePath);
    const options = [...branches.values()].map((keys) => keys.join(" and "));
    problems.push({ at, message: `${nameOf(at, opts.root)} needs ${options.join(", or ")}` });
  }
  for (const e of rest) {
    const at = pointer(e.instancePath);
    if (opts.skipTemplated && isTemplated(valueAt(data, at))) continue;
    const p = describe(e, at, opts);
    const key = `${p.at.join("/")}\u0000${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  }
  return problems;
}

/**
 * Validate data from a YAML file. Errors at a templated value (`{{ }}`) are left for run
 * time, when the value is known. Throws one InputError carrying every problem, each a line.
 */
export function validate(id: string, yaml: YamlFile, data: unknown, base: Path = [], ctx: ErrorContext = {}): void {
  const errors = schemaProblems(id, data, { ...ctx, skipTemplated: true }).map(
    (p) => new InputError(p.message, { where: yaml.where([...base, ...p.at], p.atKey) }),
  );
  errors.sort((a, b) => (a.where.line ?? 0) - (b.where.line ?? 0) || (a.where.col ?? 0) - (b.where.col ?? 0));
  if (errors.length) throw InputError.many(errors);
}

// oneOf/anyOf report every branch (if/then/else only the one taken, plus a summary) and propertyNames
// a summary: drop the summaries, and a branch's "wrong type" where another branch that took the
// value's type found something more specific inside it.
function narrow(errors: ErrorObject[]): ErrorObject[] {
  const branchy = errors.filter((e) => !["oneOf", "anyOf", "if", "propertyNames"].includes(e.keyword) || tooMany(e));
  const deeper = (p: string): boolean =>
    branchy.some((e) => e.instancePath.startsWith(p + "/") || (e.instancePath === p && e.keyword !== "type"));
  const kept = branchy.filter((e) => e.keyword !== "type" || !deeper(e.instancePath));
  return kept.length ? kept : errors;
}

/** A oneOf that failed because more than one branch matched: the problem itself, not a summary. */
const tooMany = (e: ErrorObject): boolean => e.keyword === "oneOf" && Array.isArray(e.params.passingSchemas);

/** The keys that tell the matching oneOf branches apart ("cmd", "argv"), from each branch's `required`. */
function rivalKeys(e: ErrorObject): string[] {
  const branches = (e.parentSchema as { oneOf?: Array<{ required?: string[] }> }).oneOf ?? [];
  const required = (e.params.passingSchemas as number[]).map((i) => branches[i]?.required ?? []);
  const common = required.reduce((a, b) => a.filter((k) => b.includes(k)));
  return [...new Set(required.flat().filter((k) => !common.includes(k)))];
}

/** How a message names the value at `at`; `root` names the whole value (run time checks one task's part). */
const nameOf = (at: Path, root?: string): string =>
  at.length ? `'${String(at[at.length - 1])}'` : root ? `'${root}'` : "the file";

function describe(e: ErrorObject, at: Path, ctx: ErrorContext & { root?: string }): Problem {
  const name = nameOf(at, ctx.root);
  // propertyNames: the offending key is the problem, so point at it
  if (e.propertyName !== undefined) {
    return {
      at: [...at, e.propertyName],
      atKey: true,
      message: `key '${e.propertyName}' in ${name} ${e.message ?? "is invalid"}`,
    };
  }
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return {
        at: [...at, key],
        atKey: true,
        message: ctx.unknownKey?.(at, key, e.data as object) ?? `unknown key '${key}'${didYouMean(key, known)}`,
      };
    }
    case "required":
      return { at, message: `${name} is missing required key '${String(e.params.missingProperty)}'` };
    case "type":
      return { at, message: `${name} must be ${String(e.params.type).replace(",", " or ")}` };
    case "oneOf": {
      const keys = rivalKeys(e);
      return {
        at,
        message: keys.length
          ? `${name} takes only one of ${keys.join(", ")}: keep one`
          : `${name} matches more than one form`,
      };
    }
    case "enum":
      return { at, message: `${name} must be one of: ${(e.params.allowedValues as unknown[]).join(", ")}` };
    default:
      return { at, message: `${name} ${e.message ?? "is invalid"}` };
  }
}
