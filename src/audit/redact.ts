// Secrets never reach the audit log: values of secret-named vars are masked wherever they appear.

const SECRET_NAME = /pass(word|phrase)?|token|secret|private_key|api_key|credential/i;
export const MASK = "********";

/** Values of vars whose names look secret (recursively), longest first so overlaps mask fully. */
export function secretValues(vars: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, secret: boolean): void => {
    if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, secret || SECRET_NAME.test(k));
    } else if (secret && (typeof v === "string" || typeof v === "number") && String(v).length >= 3) {
      out.add(String(v));
    }
  };
  walk(vars, false);
  return [...out].sort((a, b) => b.length - a.length);
}

export function redact<T>(value: T, secrets: string[]): T {
  if (secrets.length === 0) return value;
  if (typeof value === "string") return secrets.reduce((s, x) => s.split(x).join(MASK), value as string) as T;
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_NAME.test(k) ? MASK : redact(v, secrets)])) as T;
  }
  return value;
}
