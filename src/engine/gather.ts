// Facts in the same exec as the first probes: the probes are built from the facts the last run
// learned (kept beside the host's audit log), so a host whose facts hold costs one round trip.
import { readFileSync } from "node:fs";
import { auditPath } from "../audit/log.js";
import { factsScript, parseFacts } from "../facts/gather.js";
import type { Facts } from "../facts/types.js";
import type { Transport } from "../transport/transport.js";
import { batched, newMarker } from "./batch.js";
import type { Pending, Seed } from "./probes.js";
import { writeFileAtomic } from "../write-file.js";

export interface Gathered {
  facts: Facts;
  /** The facts command's exit code and the exec's duration, for the audit record. */
  code: number;
  durationMs: number;
  /** The probes sent along, for the units whose probe built from the fresh facts is the same. */
  seed?: Seed;
  /** What the probes printed, unsplit: -v shows it as it shows any batch. */
  probed?: { stdout: string; stderr: string };
}

/** The facts, and in the same exec the probes of `batch` (none: the facts command alone, as before any cache). */
export async function gather(transport: Transport, batch: Pending[]): Promise<Gathered> {
  if (batch.length === 0) {
    const r = await transport.exec(factsScript);
    return { facts: parseFacts(r.stdout), code: r.code, durationMs: r.durationMs };
  }
  const end = newMarker();
  const probes = batched(batch.map((p) => p.section));
  // a subshell, not sh -c: the facts (ansible_env too) read exactly as when sent alone
  const r = await transport.exec(
    `(\n${factsScript}\n) </dev/null\nprintf '\\n%s:%s\\n' '${end}' "$?"\n${probes.script}`,
  );
  const at = r.stdout.indexOf(`\n${end}:`);
  const code = at < 0 ? -1 : Number(/^\d+/.exec(r.stdout.slice(at + end.length + 2))?.[0] ?? -1);
  return {
    // cut short before the facts ended: what came is theirs, read as when sent alone
    facts: parseFacts(at < 0 ? r.stdout : r.stdout.slice(0, at)),
    code,
    durationMs: r.durationMs,
    seed: {
      batch,
      outputs: probes.split(r.stdout, r.stderr),
      command: { script: probes.script, code: r.code, duration_ms: r.durationMs },
    },
    probed: { stdout: at < 0 ? "" : r.stdout.slice(at), stderr: r.stderr },
  };
}

const cachePath = (dir: string, host: string): string => auditPath(dir, host).replace(/\.jsonl$/, ".facts.json");

/** The facts the last run kept for the host, and the armgo version that kept them; undefined when none can be read. */
export function keptFacts(dir: string, host: string): { armgo_version?: string; facts?: Facts } | undefined {
  try {
    return JSON.parse(readFileSync(cachePath(dir, host), "utf8")) as { armgo_version?: string; facts?: Facts };
  } catch {
    // missing, unreadable or cut short
    return undefined;
  }
}

/** The facts the last run of this armgo version learned about the host; undefined when there are none to trust. */
export function cachedFacts(dir: string, host: string, version: string): Facts | undefined {
  // none kept: the run gathers facts alone first, as without a cache
  const kept = keptFacts(dir, host);
  return kept?.armgo_version === version ? kept.facts : undefined;
}

// The connection's own address: a new client port every connect, so facts keeping it never equal the last run's.
const PER_CONNECTION = new Set(["SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY"]);

/** The facts that outlast the connection they were read over: what is kept for the next run. */
function lastingFacts(facts: Facts): Facts {
  if (!facts.env) return facts;
  return { ...facts, env: Object.fromEntries(Object.entries(facts.env).filter(([k]) => !PER_CONNECTION.has(k))) };
}

/**
 * Keep the host's facts (already scrubbed of secrets) for the next run: a temp file renamed into place.
 * `kept`: what cachedFacts read for this version at the run's start; facts equal to them are not written again.
 */
export function keepFacts(dir: string, host: string, version: string, facts: Facts, kept?: Facts): void {
  const lasting = lastingFacts(facts);
  const text = JSON.stringify(lasting);
  // a converged host's facts are those kept: a compare is far cheaper than a write and a rename per host per run
  if (kept && JSON.stringify(kept) === text) return;
  writeFileAtomic(cachePath(dir, host), `{"armgo_version":${JSON.stringify(version)},"facts":${text}}`, 0o600);
}
