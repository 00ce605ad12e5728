// Beside the audit logs, one file of what the report took from each log's verified start: the prefix
// (bytes, records, last hash) and the records kept from it, so a rerun hashes that prefix again and
// parses only what was appended. The prefix is checked against the log's bytes on every use; any
// doubt reads the log in full. One file per audit dir, not one per log: creating a thousand files
// cost more than the parsing they saved.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { VerifiedPrefix } from "../audit/verify.js";
import { writeFileAtomic } from "../write-file.js";
import type { Kept } from "./kept.js";

/** Raise when Kept's shape changes: an entry written for another shape is not read. */
const FORMAT = 1;

export interface LogCache extends VerifiedPrefix {
  host: string;
  kept: Kept[];
  /** Per run, the latest time of its records that were not kept. */
  tail: Record<string, string>;
}

// not *.jsonl: the audit commands read every such file in the dir as a log
export const cachePath = (dir: string): string => join(dir, "report.cache");

/** The dir's entries as their JSON lines, by log file name: each is parsed only when its log is read. */
export function readCaches(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(cachePath(dir), "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    const name = /^\{"log":("(?:[^"\\]|\\.)*")/.exec(line)?.[1];
    if (name) out.set(JSON.parse(name) as string, line);
  }
  return out;
}

/** An entry's line as a cache, or undefined when it is not one this armgo wrote. */
export function parseCache(line: string | undefined): LogCache | undefined {
  let c: Partial<LogCache> & { format?: unknown };
  try {
    c = JSON.parse(line ?? "") as typeof c;
  } catch {
    return undefined;
  }
  const ok =
    c.format === FORMAT &&
    Number.isSafeInteger(c.bytes) &&
    Number.isSafeInteger(c.records) &&
    typeof c.head === "string" &&
    typeof c.host === "string" &&
    Array.isArray(c.kept) &&
    typeof c.tail === "object" &&
    c.tail !== null;
  return ok ? (c as LogCache) : undefined;
}

/** The line that keeps `cache` for the log named `log`. */
export const cacheLine = (log: string, cache: LogCache): string => JSON.stringify({ log, format: FORMAT, ...cache });

/** Written whole then renamed, private as the logs are; a dir the report may not write is read in full next time. */
export function writeCaches(dir: string, lines: string[]): void {
  try {
    writeFileAtomic(cachePath(dir), lines.map((l) => `${l}\n`).join(""), 0o600);
  } catch {
    // the cache only saves time: the page is right without it
  }
}
