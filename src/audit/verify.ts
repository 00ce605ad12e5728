// `armgo audit verify`: walk a log's hash chain and name the first record that breaks it.
import { readFileSync } from "node:fs";
import { claimedHash, GENESIS_PREV, HASH, lineLeafHash, namesPrev } from "./chain.js";

export interface Verdict {
  path: string;
  /** Records read (lines). */
  records: number;
  /** Hash of the last record: the head to keep elsewhere and pass back with `--head`. */
  head?: string;
  /** The first bad record (1-based line) and what is wrong there; absent when it holds. */
  bad?: { line: number; what: string };
}

/** The start of a log already verified: its byte length (whole lines), its records and its last hash. */
export interface VerifiedPrefix {
  bytes: number;
  records: number;
  head: string;
}

const NEWLINE = 0x0a;

/** Lines in a log: a last line without its newline (cut short) counts. */
function lineCount(buf: Buffer): number {
  let n = 0;
  for (let at = buf.indexOf(NEWLINE); at >= 0; at = buf.indexOf(NEWLINE, at + 1)) n++;
  return buf.length > 0 && buf[buf.length - 1] !== NEWLINE ? n + 1 : n;
}

/**
 * Check every line's own hash and its link to the line before; with `head`, that the log still reaches it.
 * `onRecord` gets each record as it is verified (the chain is read once, for a reader that wants both).
 */
export function verifyLog(
  path: string,
  opts: { head?: string; onRecord?: (record: Record<string, unknown>) => void } = {},
): Verdict {
  return verifyBytes(path, readFileSync(path), opts);
}

/** verifyLog over a log's bytes; with `from`, the lines after that verified prefix only (no `head` then). */
export function verifyBytes(
  path: string,
  buf: Buffer,
  opts: { head?: string; onRecord?: (record: Record<string, unknown>) => void } = {},
  from: VerifiedPrefix = { bytes: 0, records: 0, head: GENESIS_PREV },
): Verdict {
  if (buf.length === 0)
    return { path, records: 0, bad: { line: 1, what: "the log is empty: its records were removed" } };
  const seen = new Set<string>();
  let prev = from.head;
  let line = from.records;
  for (let start = from.bytes; start < buf.length;) {
    const nl = buf.indexOf(NEWLINE, start);
    const end = nl < 0 ? buf.length : nl;
    line++;
    const fail = (what: string): Verdict => ({ path, records: lineCount(buf), bad: { line, what } });
    let rec: unknown;
    try {
      rec = JSON.parse(buf.toString("utf8", start, end));
    } catch {
      return fail("not a whole JSON record: the line was cut short or edited");
    }
    const record = (typeof rec === "object" && rec !== null ? rec : {}) as Record<string, unknown>;
    const claim = claimedHash(buf, start, end);
    const unchained = "written without the hash chain (no prev and hash): this log cannot be verified";
    if (!claim || typeof record.prev !== "string") return fail(unchained);
    if (lineLeafHash(buf, start, end) !== claim)
      return fail(HASH.test(claim) ? "edited: its content no longer matches its hash" : unchained);
    const genesis = record.type === "genesis";
    if (line === 1 && !genesis)
      return fail("the log does not start with its genesis record: its beginning was removed or replaced");
    if (line > 1 && genesis) return fail("a second genesis record: another log was spliced in here");
    if (record.prev !== prev)
      return fail(`does not follow record ${line - 1}: records were removed, reordered or spliced in before it`);
    prev = claim;
    if (opts.head) seen.add(claim);
    opts.onRecord?.(record);
    start = end + 1;
  }
  if (opts.head && !seen.has(opts.head)) {
    return {
      path,
      records: line,
      head: prev,
      bad: {
        line,
        what: `head ${opts.head.slice(0, 12)}… is not in the log: it was truncated or rewritten after that head (it now ends at ${prev.slice(0, 12)}…)`,
      },
    };
  }
  return { path, records: line, head: prev };
}

/**
 * Whether `buf` still starts with exactly the bytes of `prefix`: each of its lines hashed again and
 * linked to the one before, ending at its head. The chain over those bytes is their digest; no JSON is read.
 */
export function holdsPrefix(buf: Buffer, prefix: VerifiedPrefix): boolean {
  if (prefix.bytes < 1 || buf.length < prefix.bytes || buf[prefix.bytes - 1] !== NEWLINE) return false;
  let prev = GENESIS_PREV;
  let lines = 0;
  for (let start = 0; start < prefix.bytes; lines++) {
    const end = buf.indexOf(NEWLINE, start);
    const claim = claimedHash(buf, start, end);
    if (!claim || !namesPrev(buf, start, end, prev) || lineLeafHash(buf, start, end) !== claim) return false;
    prev = claim;
    start = end + 1;
  }
  return lines === prefix.records && prev === prefix.head;
}
