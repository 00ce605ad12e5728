// The report's input: every host's audit log(s) and kept facts from one or more audit dirs (a fleet
// run in shards has one dir per shard), each log's chain verified. Nothing here contacts a host.
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { AuditRecord } from "../audit/log.js";
import { auditFiles } from "../audit/query.js";
import { holdsPrefix, verifyBytes } from "../audit/verify.js";
import { keptFacts } from "../engine/gather.js";
import type { Facts } from "../facts/types.js";
import { cacheLine, type LogCache, parseCache, readCaches, writeCaches } from "./cache.js";
import { keep, type Kept } from "./kept.js";
import type { ChainVerdict } from "./model.js";

export interface HostLogs {
  host: string;
  /** What the views read of every parsable record of the host's logs, in time order. */
  records: Kept[];
  /** Per run, the latest time of its records not in `records`. */
  tail: Record<string, string>;
  chain: ChainVerdict;
  facts?: Facts;
  /** Run ids whose run_start says check mode: their "would …" records changed nothing. */
  checks: Set<string>;
}

/** ISO times and host names sort as text. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The logs of every host in `dirs`, merged per host, one host at a time (a fleet's logs need not fit in memory at once). */
export function* readFleet(dirs: string[]): Generator<HostLogs> {
  // a host's log has the same file name in every shard's dir
  const byFile = new Map<string, string[]>();
  const caches = new Map(dirs.map((dir) => [dir, { old: readCaches(dir), next: new Map<string, string>() }]));
  for (const dir of dirs)
    for (const path of auditFiles(dir)) byFile.set(basename(path), [...(byFile.get(basename(path)) ?? []), path]);
  for (const name of [...byFile.keys()].sort(byText))
    yield readHost(
      byFile.get(name)!.map((path) => {
        const c = caches.get(dirname(path))!;
        const log = readLog(path, c.old.get(name));
        if (log.cache) c.next.set(name, log.cache);
        return log;
      }),
    );
  // rewritten only when a log grew, changed or went
  for (const [dir, { old, next }] of caches)
    if (next.size !== old.size || [...next].some(([name, line]) => old.get(name) !== line))
      writeCaches(dir, [...next.values()]);
}

export interface LogRead {
  host: string;
  /** The audit dir the log is in. */
  dir: string;
  /** Bytes taken as verified from the log's cache (0: read in full). */
  cachedBytes: number;
  kept: Kept[];
  tail: Record<string, string>;
  verdict: ChainVerdict;
  /** The cache line to keep for the log: its new verified prefix, or the one it had when it no longer verifies. */
  cache?: string;
}

/** One log: its cached verified prefix when the log still starts with it, then every line after it. */
export function readLog(path: string, line?: string): LogRead {
  const buf = readFileSync(path);
  const cached = parseCache(line);
  const from = cached && holdsPrefix(buf, cached) ? cached : undefined;
  const kept = from ? [...from.kept] : [];
  const tail = { ...from?.tail };
  let host = from?.host;
  const v = verifyBytes(
    path,
    buf,
    {
      onRecord: (r) => {
        host ??= typeof r.host === "string" ? r.host : undefined;
        keep(r as unknown as AuditRecord, kept, tail);
      },
    },
    from,
  );
  if (v.bad) {
    // a broken chain stops verify at the break: the host's timeline still shows every readable line
    const all: Kept[] = [];
    const allTail: Record<string, string> = {};
    for (const r of lenient(buf)) {
      keep(r, all, allTail);
      host ??= r.host;
    }
    const detail = `${v.path}:${v.bad.line}: ${v.bad.what}`;
    host ??= basename(path, ".jsonl");
    return {
      host,
      dir: dirname(path),
      cache: line,
      cachedBytes: from?.bytes ?? 0,
      kept: all,
      tail: allTail,
      verdict: { state: "tampered", records: v.records, detail },
    };
  }
  host ??= basename(path, ".jsonl");
  const verdict: ChainVerdict = { state: "verified", records: v.records };
  const read = { host, dir: dirname(path), cachedBytes: from?.bytes ?? 0, kept, tail, verdict };
  // nothing appended: the line stands; only whole lines are kept as verified
  if (buf.length === from?.bytes) return { ...read, cache: line };
  if (buf[buf.length - 1] !== 0x0a) return read;
  const c: LogCache = { bytes: buf.length, records: v.records, head: v.head!, host, kept, tail };
  return { ...read, cache: cacheLine(basename(path), c) };
}

/** A log line that is not JSON (cut short, edited by hand) is left out; the verdict names it. */
function lenient(buf: Buffer): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of buf.toString("utf8").split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {
      continue;
    }
  }
  return out;
}

function readHost(logs: LogRead[]): HostLogs {
  let h: HostLogs | undefined;
  for (const log of logs) {
    h ??= { host: log.host, records: [], tail: {}, chain: { state: "verified", records: 0 }, checks: new Set() };
    h.records.push(...log.kept);
    for (const [run, ts] of Object.entries(log.tail)) if (!(h.tail[run]! >= ts)) h.tail[run] = ts;
    h.chain.records += log.verdict.records;
    if (log.verdict.state === "tampered" && h.chain.state === "verified")
      h.chain = { ...log.verdict, records: h.chain.records };
    const kept = keptFacts(log.dir, h.host)?.facts;
    if (kept) h.facts = kept;
  }
  // stable: a host's own records keep their order where times are equal
  if (logs.length > 1) h!.records.sort((a, b) => byText(a.ts ?? "", b.ts ?? ""));
  for (const r of h!.records) if (r.type === "run_start" && r.check) h!.checks.add(r.run_id);
  return h!;
}
