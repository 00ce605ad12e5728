// Secrets never reach the audit log nor the output: values of secret-named vars are masked wherever
// they appear, raw and in the forms a command or a JSON text holds them.
import { ArmgoError } from "../errors.js";
import { MASK } from "../mask.js";

export { MASK };

const SECRET_NAME = /pass(word|phrase)?|token|secret|private_key|api_key|credential/i;
// armgo's own vars whose value names the environment variable holding a password: a name, not a secret
const NAMES_A_SECRET = new Set(["password_env", "become_password_env"]);
const isSecretName = (k: string): boolean => SECRET_NAME.test(k) && !NAMES_A_SECRET.has(k);

/** Values of vars whose names look secret (recursively), longest first so overlaps mask fully. */
export function secretValues(vars: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, secret: boolean): void => {
    if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, secret || isSecretName(k));
    } else if (secret && (typeof v === "string" || typeof v === "number") && String(v).length >= 3) {
      out.add(String(v));
    }
  };
  walk(vars, false);
  return [...out].sort((a, b) => b.length - a.length);
}

/**
 * The base64 characters that encode `text` wherever it sits in a larger base64 payload: one core per
 * byte alignment (0, 1, 2), each holding only the characters made wholly of `text`'s bits.
 */
function base64Cores(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  return [0, 1, 2].flatMap((pad) => {
    const chars = Buffer.concat([Buffer.alloc(pad), bytes, Buffer.alloc(2)]).toString("base64");
    const first = Math.ceil((pad * 8) / 6);
    const last = Math.floor(((pad + bytes.length) * 8) / 6);
    // too short a core would mask unrelated base64 text, and hides no secret anyway
    return last - first >= 4 ? [chars.slice(first, last)] : [];
  });
}

/**
 * A value as it appears raw, inside the one quoting helper's single quotes (`'` becomes `'\''`; the
 * rest of the word is the value itself), inside a JSON string, and each of these in base64 (a file's
 * content travels so: env-profile's `printf '%s' <base64> | base64 -d`).
 */
export function secretForms(value: string): string[] {
  const text = [value, value.replace(/'/g, `'\\''`), JSON.stringify(value).slice(1, -1)];
  return [...new Set([...text, ...text.flatMap(base64Cores)])];
}

export function redact<T>(value: T, secrets: string[]): T {
  if (secrets.length === 0) return value;
  if (typeof value === "string") return secrets.reduce((s, x) => s.split(x).join(MASK), value) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => redact(v, secrets)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, isSecretName(k) ? MASK : redact(v, secrets)]),
    ) as T;
  }
  return value;
}

/** The secrets known for one host: they grow as each task's vars, args and environment are read. */
export class Secrets {
  private readonly known = new Set<string>();
  /** Every form of every secret, longest first. */
  private masks: string[] = [];

  /** Values of `vars`' secret-named entries, however deep; `vars` may render on read (engine/vars.ts). */
  addVars(vars: Record<string, unknown>): this {
    for (const k of Object.keys(vars)) {
      let v: unknown;
      try {
        v = vars[k];
      } catch (e) {
        // a var that can't be rendered yet (it reads a result registered later) holds no value to mask
        if (e instanceof ArmgoError) continue;
        throw e;
      }
      this.add(secretValues({ [k]: v }));
    }
    return this;
  }

  add(values: string[]): this {
    const before = this.known.size;
    for (const v of values) for (const f of secretForms(v)) this.known.add(f);
    if (this.known.size !== before) this.masks = [...this.known].sort((a, b) => b.length - a.length);
    return this;
  }

  scrub<T>(value: T): T {
    return redact(value, this.masks);
  }
}
