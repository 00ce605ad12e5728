// argv parsing with help text from the same table, and "did you mean" for a wrong flag.
import { parseArgs } from "node:util";
import { InputError } from "../errors.js";
import { didYouMean } from "../load/suggest.js";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  arg?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Allowed number of positional arguments [min, max]. */
  positionals: [number, number];
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function parse(spec: CommandSpec, argv: string[]): Parsed {
  // parseArgs refuses keys that are present but undefined
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([k, o]) => [
      k,
      { type: o.type, ...(o.short ? { short: o.short } : {}), multiple: Boolean(o.multiple) },
    ]),
  );
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (e) {
    const m = /Unknown option '(-{1,2}[^']+)'/.exec((e as Error).message);
    if (m) {
      const flag = m[1]!;
      const names = Object.entries(spec.options).flatMap(([k, o]) => [`--${k}`, ...(o.short ? [`-${o.short}`] : [])]);
      throw new InputError(`armgo ${spec.name}: unknown option ${flag}${didYouMean(flag, names)}`, {
        hint: `see armgo ${spec.name} --help`,
      });
    }
    throw new InputError(`armgo ${spec.name}: ${(e as Error).message}`, {
      hint: `see armgo ${spec.name} --help`,
      cause: e,
    });
  }
  const [min, max] = spec.positionals;
  if (!parsed.values.help && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw new InputError(
      `armgo ${spec.name}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}`,
      {
        hint: `usage: ${spec.usage}`,
      },
    );
  }
  return parsed;
}

export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${k}${o.arg ? ` ${o.arg}` : ""}`;
    return [flag, o.help] as const;
  });
  const w = Math.max(...rows.map(([f]) => f.length));
  return [
    `Usage: ${spec.usage}`,
    "",
    spec.summary,
    "",
    "Options:",
    ...rows.map(([f, h]) => `  ${f.padEnd(w)}  ${h}`),
    "",
  ].join("\n");
}

export function list(v: unknown): string[] {
  if (v === undefined) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr
    .flatMap((x) => String(x).split(","))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `-i` given once or more (each a file, directory or script; Ansible's comma lists are not read). */
export function inventories(v: unknown, spec: CommandSpec): string[] {
  const given = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).filter((s) => s !== "");
  if (given.length === 0)
    throw new InputError(`armgo ${spec.name}: -i INVENTORY is required`, { hint: `usage: ${spec.usage}` });
  return given;
}

/** A string option the command cannot do without. */
export function required(v: unknown, flag: string, spec: CommandSpec): string {
  if (typeof v !== "string" || v === "")
    throw new InputError(`armgo ${spec.name}: ${flag} is required`, { hint: `usage: ${spec.usage}` });
  return v;
}

/** A flag's value as the user typed it, for messages. */
const shown = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** An option that takes one of a few words; undefined when not given. */
export function choice<T extends string>(v: unknown, flag: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if ((allowed as readonly unknown[]).includes(v)) return v as T;
  const words = `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
  throw new InputError(`${flag} must be ${words}, not '${shown(v)}'`);
}

export function forks(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`--forks must be a whole number of at least 1, not '${shown(v)}'`);
  return n;
}
