// --diff: a unified-style line diff, enough for profile blocks and version files.
import type { Diff } from "../modules/contract.js";

export function diffLines(before: string, after: string): Array<{ op: " " | "-" | "+"; line: string }> {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === "" ? [] : after.replace(/\n$/, "").split("\n");
  // LCS table: files here are small (profiles, VERSION), so O(n·m) is fine
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: Array<{ op: " " | "-" | "+"; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: " ", line: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // on a tie the old line goes first: a changed line reads `-old` then `+new`, as diff -u prints it
      out.push({ op: "-", line: a[i++]! });
    } else {
      out.push({ op: "+", line: b[j++]! });
    }
  }
  return out;
}

export function formatDiff(d: Diff): string[] {
  return [
    `--- ${d.beforeHeader ?? "before"}`,
    `+++ ${d.afterHeader ?? "after"}`,
    ...diffLines(d.before, d.after).map((l) => `${l.op}${l.line}`),
  ];
}
