// JSON Schema validation (ajv, compiled once per process) with errors at file:line:col.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { InputError } from "../errors.js";
import { schemasDir } from "../paths.js";
import { isTemplated } from "../template/render.js";
import { didYouMean } from "./suggest.js";
import type { Path, YamlFile } from "./yaml.js";

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  for (const f of readdirSync(join(schemasDir, "modules")).filter((f) => f.endsWith(".json"))) {
    const schema = JSON.parse(readFileSync(join(schemasDir, "modules", f), "utf8")) as Record<string, unknown>;
    // The playbook schema refers to module schemas by their relative path, as editors resolve them.
    ajv.addSchema({ ...schema, $id: `modules/${f}` });
  }
  for (const f of ["playbook.json", "inventory.json"]) {
    ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, f), "utf8")) as object, f);
  }
  return ajv;
}

export function validator(id: string): ValidateFunction {
  let v = compiled.get(id);
  if (!v) {
    v = instance().getSchema(id);
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
function splitAlternatives(errors: ErrorObject[]): { alternatives: Map<string, Map<string, string[]>>; rest: ErrorObject[] } {
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
  return p === "" ? [] : p.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
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

/**
 * Validate data from a YAML file. Errors at a templated value (`{{ }}`) are left for run
 * time, when the value is known. Throws one InputError carrying every problem, each a line.
 */
export function validate(id: string, yaml: YamlFile, data: unknown, base: Path = [], ctx: ErrorContext = {}): void {
  const v = validator(id);
  if (v(data)) return;
  const seen = new Set<string>();
  const errors: InputError[] = [];
  const { alternatives, rest } = splitAlternatives(narrow(v.errors ?? []));
  for (const [instancePath, branches] of alternatives) {
    const at = pointer(instancePath);
    const name = at.length ? `'${String(at[at.length - 1])}'` : "the file";
    const options = [...branches.values()].map((keys) => keys.join(" and "));
    errors.push(new InputError(`${name} needs ${options.join(", or ")}`, { where: yaml.where([...base, ...at]) }));
  }
  for (const e of rest) {
    const at = pointer(e.instancePath);
    if (isTemplated(valueAt(data, at))) continue;
    const err = toInputError(e, yaml, [...base, ...at], ctx);
    const line = err.oneLine();
    if (!seen.has(line)) {
      seen.add(line);
      errors.push(err);
    }
  }
  errors.sort((a, b) => (a.where.line ?? 0) - (b.where.line ?? 0) || (a.where.col ?? 0) - (b.where.col ?? 0));
  if (errors.length) throw InputError.many(errors);
}

// oneOf/anyOf report every branch (if/then/else only the one taken, plus a summary): drop the summaries, and a branch's "wrong type" where
// another branch that took the value's type found something more specific inside it.
function narrow(errors: ErrorObject[]): ErrorObject[] {
  const branchy = errors.filter((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf" && e.keyword !== "if");
  const deeper = (p: string): boolean => branchy.some((e) => e.instancePath.startsWith(p + "/") || (e.instancePath === p && e.keyword !== "type"));
  const kept = branchy.filter((e) => e.keyword !== "type" || !deeper(e.instancePath));
  return kept.length ? kept : errors;
}

function toInputError(e: ErrorObject, yaml: YamlFile, at: Path, ctx: ErrorContext): InputError {
  const name = at.length ? `'${String(at[at.length - 1])}'` : "the file";
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const msg = ctx.unknownKey?.(at, key, e.data as object) ?? `unknown key '${key}'${didYouMean(key, known)}`;
      return new InputError(msg, { where: yaml.where([...at, key], true) });
    }
    case "required":
      return new InputError(`${name} is missing required key '${String(e.params.missingProperty)}'`, {
        where: yaml.where(at),
      });
    case "type":
      return new InputError(`${name} must be ${String(e.params.type).replace(",", " or ")}`, { where: yaml.where(at) });
    case "enum":
      return new InputError(`${name} must be one of: ${(e.params.allowedValues as unknown[]).join(", ")}`, {
        where: yaml.where(at),
      });
    default:
      return new InputError(`${name} ${e.message ?? "is invalid"}`, { where: yaml.where(at) });
  }
}
