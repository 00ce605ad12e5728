// The report's input: every host's audit log(s) and kept facts from one or more audit dirs (a fleet
// run in shards has one dir per shard), each log's chain verified. Nothing here contacts a host.
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { AuditRecord } from "../audit/log.js";
import { auditFiles } from "../audit/query.js";
import { verifyLog } from "../audit/verify.js";
import { keptFacts } from "../engine/gather.js";
import type { Facts } from "../facts/types.js";
import type { ChainVerdict } from "./model.js";

export interface HostLogs {
  host: string;
  /** Every parsable record of the host's logs, in time order. */
  records: AuditRecord[];
  chain: ChainVerdict;
  facts?: Facts;
  /** Run ids whose run_start says check mode: their "would …" records changed nothing. */
  checks: Set<string>;
}

/** ISO times and host names sort as text. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A log line that is not JSON (cut short, edited by hand) is left out; the verdict names it. */
function records(path: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {
      continue;
    }
  }
  return out;
}

/** The host a log belongs to: its records say (the file name is a sanitised form of it). */
function hostOf(path: string, recs: AuditRecord[]): string {
  return recs.find((r) => typeof r.host === "string")?.host ?? basename(path, ".jsonl");
}

/** The logs of every host in `dirs`, merged per host, one host at a time (a fleet's logs need not fit in memory at once). */
export function* readFleet(dirs: string[]): Generator<HostLogs> {
  // a host's log has the same file name in every shard's dir
  const byFile = new Map<string, string[]>();
  for (const dir of dirs)
    for (const path of auditFiles(dir)) byFile.set(basename(path), [...(byFile.get(basename(path)) ?? []), path]);
  for (const name of [...byFile.keys()].sort(byText)) yield readHost(byFile.get(name)!);
}

function readHost(paths: string[]): HostLogs {
  let h: HostLogs | undefined;
  for (const path of paths) {
    const verified: AuditRecord[] = [];
    const v = verifyLog(path, { onRecord: (r) => verified.push(r as unknown as AuditRecord) });
    // a broken chain stops verify at the break: the host's timeline still shows every readable line
    const recs = v.bad ? records(path) : verified;
    h ??= { host: hostOf(path, recs), records: [], chain: { state: "verified", records: 0 }, checks: new Set() };
    h.records.push(...recs);
    h.chain.records += v.records;
    if (v.bad && h.chain.state === "verified")
      h.chain = { state: "tampered", records: h.chain.records, detail: `${v.path}:${v.bad.line}: ${v.bad.what}` };
    const kept = keptFacts(dirname(path), h.host)?.facts;
    if (kept) h.facts = kept;
  }
  // stable: a host's own records keep their order where times are equal
  if (paths.length > 1) h!.records.sort((a, b) => byText(a.ts ?? "", b.ts ?? ""));
  for (const r of h!.records) if (r.type === "run_start" && r.check) h!.checks.add(r.run_id);
  return h!;
}
