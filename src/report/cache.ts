// Beside each audit log, what the report took from its verified start: the prefix (bytes, records,
// last hash) and the records kept from it, so a rerun hashes that prefix again and parses only what
// was appended. The prefix is checked against the log's bytes on every use; any doubt reads the log in full.
import { readFileSync } from "node:fs";
import type { VerifiedPrefix } from "../audit/verify.js";
import { writeFileAtomic } from "../write-file.js";
import type { Kept } from "./kept.js";

/** Raise when Kept's shape changes: a cache written by another shape is not read. */
const FORMAT = 1;

export interface LogCache extends VerifiedPrefix {
  host: string;
  kept: Kept[];
  /** Per run, the latest time of its records that were not kept. */
  tail: Record<string, string>;
}

export const cachePath = (log: string): string => `${log}.verified.json`;

/** The log's cache, or undefined when there is none or it is not one this armgo wrote. */
export function readCache(log: string): LogCache | undefined {
  let c: Partial<LogCache> & { format?: unknown };
  try {
    c = JSON.parse(readFileSync(cachePath(log), "utf8")) as typeof c;
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

/** Written whole then renamed, private as the log is; a dir the report may not write is read in full next time. */
export function writeCache(log: string, cache: LogCache): void {
  try {
    writeFileAtomic(cachePath(log), JSON.stringify({ format: FORMAT, ...cache }), 0o600);
  } catch {
    // the cache only saves time: the page is right without it
  }
}
