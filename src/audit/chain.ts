// The audit log's hash chain: every line names the hash of the line before it and carries its own,
// so an edited, removed, reordered or spliced record shows where it happened.
import { createHash } from "node:crypto";

/** Domain separation, as Certificate Transparency prefixes its leaves: no other armgo hash starts so. */
const LEAF_PREFIX = Buffer.from("\x00armgo.audit.v1.leaf\x00", "latin1");

/** What the first record of every log chains from. */
export const GENESIS_PREV = "0".repeat(64);

// A chained line always ends so; the hash covers every byte before it, plus the closing brace.
const TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

export function leafHash(body: string): string {
  return createHash("sha256").update(LEAF_PREFIX).update(body, "utf8").digest("hex");
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
