// `armgo audit verify`: walk a log's hash chain and name the first record that breaks it.
import { readFileSync } from "node:fs";
import { GENESIS_PREV, readChained } from "./chain.js";

export interface Verdict {
  path: string;
  /** Records read (lines). */
  records: number;
  /** Hash of the last record: the head to keep elsewhere and pass back with `--head`. */
  head?: string;
  /** The first bad record (1-based line) and what is wrong there; absent when the log holds. */
  bad?: { line: number; what: string };
}

/**
 * Check every line's own hash and its link to the line before; with `head`, that the log still reaches it.
 * `onRecord` gets each record as it is verified (the chain is read once, for a reader that wants both).
 */
export function verifyLog(
  path: string,
  opts: { head?: string; onRecord?: (record: Record<string, unknown>) => void } = {},
): Verdict {
  const lines = readFileSync(path, "utf8").split("\n");
  // A log ends with a newline; anything after the last one is a line cut short.
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0)
    return { path, records: 0, bad: { line: 1, what: "the log is empty: its records were removed" } };
  const seen = new Set<string>();
  let prev = GENESIS_PREV;
  for (const [i, text] of lines.entries()) {
    const line = i + 1;
    const fail = (what: string): Verdict => ({ path, records: lines.length, bad: { line, what } });
    let rec;
    try {
      rec = readChained(text);
    } catch {
      return fail("not a whole JSON record: the line was cut short or edited");
    }
    if (!rec) return fail("written without the hash chain (no prev and hash): this log cannot be verified");
    if (rec.actual !== rec.hash) return fail("edited: its content no longer matches its hash");
    const genesis = rec.record.type === "genesis";
    if (line === 1 && !genesis)
      return fail("the log does not start with its genesis record: its beginning was removed or replaced");
    if (line > 1 && genesis) return fail("a second genesis record: another log was spliced in here");
    if (rec.prev !== prev)
      return fail(`does not follow record ${line - 1}: records were removed, reordered or spliced in before it`);
    prev = rec.hash;
    seen.add(rec.hash);
    opts.onRecord?.(rec.record);
  }
  if (opts.head && !seen.has(opts.head)) {
    return {
      path,
      records: lines.length,
      head: prev,
      bad: {
        line: lines.length,
        what: `head ${opts.head.slice(0, 12)}… is not in the log: it was truncated or rewritten after that head (it now ends at ${prev.slice(0, 12)}…)`,
      },
    };
  }
  return { path, records: lines.length, head: prev };
}
