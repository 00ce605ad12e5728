// "did you mean" for unknown modules, keys and flags.

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      // transposition counts as one edit: 'downlaod' is one slip from 'download'
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

// A dropped letter is the commonest slip: on a tie, 'taks' means 'tasks' rather than 'tags'.
function isSubsequence(word: string, of: string): boolean {
  let i = 0;
  for (const ch of of) if (ch === word[i]) i++;
  return i === word.length;
}

/** The nearest candidate within half the word's length (at least 2 edits), or within `maxEdits`; else undefined. */
export function nearest(
  word: string,
  candidates: Iterable<string>,
  maxEdits = Math.max(2, Math.floor(word.length / 2)),
): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = maxEdits + 1;
  for (const c of candidates) {
    const dd = distance(w, c.toLowerCase());
    if (
      dd < bestD ||
      (dd === bestD && best !== undefined && isSubsequence(w, c.toLowerCase()) && !isSubsequence(w, best.toLowerCase()))
    ) {
      best = c;
      bestD = dd;
    }
  }
  return best;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const n = nearest(word, candidates);
  return n ? ` — did you mean '${n}'?` : "";
}
