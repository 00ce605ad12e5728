// The health check, run on the host in one exec: an HTTP GET (curl, or wget) with status and body
// match, or a command; `retries` attempts `interval` s apart, all within `timeout` s (the exec's limit).
import { sh } from "../../transport/quote.js";
import { parseKv } from "../contract.js";
import type { HealthSpec } from "./manifest.js";
import { releaseEnv, type Place } from "./service.js";

export const HEALTH_DEFAULTS = { status: 200, retries: 10, interval: 1, timeout: 30 } as const;

export interface HealthResult {
  ok: boolean;
  attempts: number;
  /** The last attempt's output (tail). */
  output: string;
}

/** Shell: check() runs one attempt within $left seconds (the time the deadline leaves it) and prints what it saw. */
function check(h: HealthSpec, p: Place): string {
  if (h.command !== undefined) {
    // coreutils' timeout where the host has it: an attempt never outlives the deadline. --foreground keeps
    // the check in the step's process group (timeout makes a group of its own), so an interrupt stops it too
    return sh`check() { ( cd ${p.appDir} && if timeout --foreground 1 true >/dev/null 2>&1; then timeout --foreground "$left" sh -c ${h.command}; else sh -c ${h.command}; fi ) 2>&1 </dev/null; }`;
  }
  const want = h.status ?? HEALTH_DEFAULTS.status;
  return [
    sh`url=${h.http ?? ""}; want=${want}; body=${h.body ?? ""}`,
    `check() {`,
    `  b=$(mktemp); e=$(mktemp)`,
    `  if command -v curl >/dev/null 2>&1; then st=$(curl -sS -o "$b" -w '%{http_code}' --max-time "$left" "$url" 2>"$e")`,
    `  else wget -q -S -O "$b" -T "$left" "$url" 2>"$e"; st=$(sed -n 's/^ *HTTP\\/[0-9.]* \\([0-9]*\\).*/\\1/p' "$e" | tail -n 1); fi`,
    `  r=0`,
    `  if [ "$st" != "$want" ]; then echo "HTTP \${st:-(no answer)}, want $want $(tail -c 300 "$e")"; r=1`,
    `  elif [ -n "$body" ] && ! grep -qF -- "$body" "$b"; then echo "HTTP $st but the body lacks '$body': $(head -c 300 "$b")"; r=1`,
    `  else echo "HTTP $st: $(head -c 200 "$b")"; fi`,
    `  rm -f "$b" "$e"; return $r`,
    `}`,
  ].join("\n");
}

/**
 * Shell: the checks until one passes, the retries are spent or the deadline (`timeout` s) passes; each
 * attempt gets only the time left, so the last one's output is kept. Prints health=, attempts=, out= (base64).
 */
export function healthScript(h: HealthSpec, p: Place, sha: string): string {
  const retries = h.retries ?? HEALTH_DEFAULTS.retries;
  const interval = h.interval ?? HEALTH_DEFAULTS.interval;
  return [
    releaseEnv(p, sha) + check(h, p),
    `i=0; res=fail; out=; end=$(( $(date +%s) + ${healthSeconds(h)} ))`,
    `while :; do`,
    `  left=$(( end - $(date +%s) )); [ $left -ge 1 ] || left=1`,
    `  i=$((i+1))`,
    `  if out=$(check); then res=ok; break; fi`,
    `  [ $i -ge ${retries} ] && break`,
    // another attempt only when at least a second is left after the pause
    `  [ $(( end - $(date +%s) )) -gt ${Math.ceil(interval)} ] || break`,
    `  sleep ${interval}`,
    `done`,
    `echo "health=$res"; echo "attempts=$i"; echo "out=$(printf '%s' "$out" | tail -c 1000 | base64 | tr -d '\\n')"`,
  ].join("\n");
}

/** Whole seconds for all attempts together (at least 1). */
function healthSeconds(h: HealthSpec): number {
  return Math.max(1, Math.ceil(h.timeout ?? HEALTH_DEFAULTS.timeout));
}

/** Text on one line (a health body or stderr may hold line breaks; a failure message is one line). */
export function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

export function parseHealth(stdout: string): HealthResult {
  const kv = parseKv(stdout);
  return {
    ok: kv.health === "ok",
    attempts: Number(kv.attempts ?? 0),
    output: oneLine(Buffer.from(kv.out ?? "", "base64").toString("utf8")),
  };
}

/** The exec limit: the script's own deadline plus a margin for the last attempt's ending and the proof, in ms. */
export function healthTimeoutMs(h: HealthSpec): number {
  return (healthSeconds(h) + HEALTH_MARGIN_S) * 1000;
}

const HEALTH_MARGIN_S = 15;
