// The audit log's hash chain: every line names the hash of the line before it and carries its own,
// so an edited, removed, reordered or spliced record shows where it happened.
import { createHash, hash } from "node:crypto";

/** Domain separation, as Certificate Transparency prefixes its leaves: no other armgo hash starts so. */
const LEAF_PREFIX = Buffer.from("\x00armgo.audit.v1.leaf\x00", "latin1");

/** What the first record of every log chains from. */
export const GENESIS_PREV = "0".repeat(64);

// A chained line always ends so; the hash covers every byte before it, plus the closing brace.
const TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

export function leafHash(body: string): string {
  return createHash("sha256").update(LEAF_PREFIX).update(body, "utf8").digest("hex");
}

/** Bytes of a chained line's tail: `,"hash":"` and 64 hex digits and `"}`. */
const TAIL_BYTES = 75;
const TAIL_HEAD = Buffer.from(',"hash":"');
/** A hash as lines name it: what a claim that does not match its line's bytes is checked against. */
export const HASH = /^[0-9a-f]{64}$/;

/**
 * The 64 characters a line (buf[start, end), no newline) ends with where it names its hash, when it
 * ends as a chained line does; whether they are a hash at all is only asked when they don't match.
 */
export function claimedHash(buf: Buffer, start: number, end: number): string | undefined {
  const at = end - TAIL_BYTES;
  if (at < start || buf[end - 1] !== 0x7d || buf[end - 2] !== 0x22) return undefined;
  if (buf.compare(TAIL_HEAD, 0, TAIL_HEAD.length, at, at + TAIL_HEAD.length) !== 0) return undefined;
  return buf.toString("latin1", end - 66, end - 2);
}

/** Whether the line's body (before its tail) ends by naming `prev`, as chainLine writes it. */
export function namesPrev(buf: Buffer, start: number, end: number, prev: string): boolean {
  const at = end - TAIL_BYTES - 74;
  return at >= start && buf.toString("latin1", at, end - TAIL_BYTES) === `,"prev":"${prev}"`;
}

// one buffer for every line's prefixed body: hashing raw bytes spares a string and a Hash per line
let scratch = Buffer.alloc(64 * 1024);
LEAF_PREFIX.copy(scratch);

/** leafHash of a chained line's raw bytes (its claimedHash already found): what its hash should be. */
export function lineLeafHash(buf: Buffer, start: number, end: number): string {
  const body = end - TAIL_BYTES - start;
  const size = LEAF_PREFIX.length + body + 1;
  if (size > scratch.length) {
    scratch = Buffer.alloc(size * 2);
    LEAF_PREFIX.copy(scratch);
  }
  buf.copy(scratch, LEAF_PREFIX.length, start, start + body);
  scratch[size - 1] = 0x7d;
  return hash("sha256", scratch.subarray(0, size), "hex");
}

/** One chained JSONL line for `record`, after the line whose hash is `prev`. */
export function chainLine(record: object, prev: string): { line: string; hash: string } {
  const body = JSON.stringify({ ...record, prev });
  const hash = leafHash(body);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

export interface ChainedLine {
  /** The hash the line says it has. */
  hash: string;
  /** The hash of its bytes: differs from `hash` when the line was edited. */
  actual: string;
  prev: string;
  record: Record<string, unknown>;
}

/** Split a chained line into its claims and what its bytes hash to; undefined for a line without the chain. */
export function readChained(line: string): ChainedLine | undefined {
  const record = JSON.parse(line) as Record<string, unknown>;
  const tail = TAIL.exec(line);
  if (!tail || typeof record.prev !== "string") return undefined;
  return { hash: tail[1]!, actual: leafHash(`${line.slice(0, tail.index)}}`), prev: record.prev, record };
}
