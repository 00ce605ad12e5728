// Exit codes, decided here and only here (README documents them). Ansible's where users know them.
import type { DriftReport } from "../commands/drift.js";
import type { FactsReport } from "../commands/facts.js";
import type { ReleasesReport } from "../commands/releases.js";
import type { Recap } from "../engine/types.js";
import { ArmgoError, InputError, InterruptedError, LockHeldError } from "../errors.js";

export const EXIT = {
  ok: 0,
  /** armgo itself broke (a bug, or the machine): not the user's input, not a host. */
  internal: 1,
  failed: 2,
  /** drift: hosts are out of the wanted state (found, or left after --fix). */
  drift: 3,
  unreachable: 4,
  input: 5,
  /** drift --fix: drift was found, fixed, and the second check is in sync. */
  fixed: 6,
  /** Another run holds this inventory's run lock, and --no-wait said not to wait. */
  locked: 7,
  interrupted: 99,
} as const;

/** 4 wins over 2, as in Ansible: an unreachable host says less about the fleet than a failed one. */
export function exitForRecap(recap: Recap, interrupted = false): number {
  if (interrupted) return EXIT.interrupted;
  const hosts = Object.values(recap);
  if (hosts.some((h) => h.unreachable > 0)) return EXIT.unreachable;
  if (hosts.some((h) => h.failed > 0)) return EXIT.failed;
  return EXIT.ok;
}

/** `armgo facts` and `armgo releases`, a report per host: the same precedence as a run, 4 over 2. */
export function exitForHosts(report: FactsReport | ReleasesReport["hosts"]): number {
  const entries = Object.values(report) as object[];
  if (entries.some((r) => "unreachable" in r)) return EXIT.unreachable;
  if (entries.some((r) => "failed" in r)) return EXIT.failed;
  return EXIT.ok;
}

/** `armgo releases`: as `facts`, and 99 when Ctrl-C cut it short. */
export function exitForReleases(report: ReleasesReport): number {
  return report.interrupted ? EXIT.interrupted : exitForHosts(report.hosts);
}

/** drift: what a host can't tell (unreachable, failed) outranks what it says (drift, fixed). */
export function exitForDrift(report: DriftReport): number {
  if (report.interrupted) return EXIT.interrupted;
  const states = Object.values(report.hosts).map((h) => h.state);
  if (states.includes("unreachable")) return EXIT.unreachable;
  if (states.includes("failed")) return EXIT.failed;
  if (states.includes("drifted")) return EXIT.drift;
  if (states.includes("fixed")) return EXIT.fixed;
  return EXIT.ok;
}

export function exitForError(e: unknown): number {
  if (e instanceof InputError) return EXIT.input;
  if (e instanceof LockHeldError) return EXIT.locked;
  if (e instanceof InterruptedError) return EXIT.interrupted;
  if (e instanceof ArmgoError) return EXIT.failed;
  return EXIT.internal;
}
