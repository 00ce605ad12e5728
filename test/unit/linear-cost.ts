// Input-size cost without wall-clock thresholds: the CPU time of an input k times larger is compared
// with a small one's, so a loaded machine slows both alike and only the growth is asserted.
import { expect } from "vitest";

/** CPU time (µs) of the cheapest of `tries` runs: the one least disturbed by other work. */
function cpuCost(run: () => void, tries: number): number {
  let best = Infinity;
  for (let i = 0; i < tries; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, used.user + used.system);
  }
  return best;
}

/**
 * Asserts that `run` on `make(n * k)` costs at most `k * slack` times `run` on `make(n)`: linear growth
 * passes with room to spare, quadratic growth (k² times) fails.
 */
export function expectLinear<T>(
  make: (n: number) => T,
  run: (input: T) => void,
  {
    n,
    k = 16,
    slack = 4,
    tries = 3,
    what = "",
  }: { n: number; k?: number; slack?: number; tries?: number; what?: string },
): void {
  const small = make(n);
  const large = make(n * k);
  // warm the JIT on the small input first, so the ratio compares steady states
  run(small);
  // the small input k times over: the same work as one linear large run, and above the clock's grain
  const smallTimesK = cpuCost(() => {
    for (let i = 0; i < k; i++) run(small);
  }, tries);
  const ratio = (cpuCost(() => run(large), tries) / Math.max(smallTimesK, 1)) * k;
  expect(ratio, `${what}: cost grew ${ratio.toFixed(1)}× for ${k}× the input`).toBeLessThan(k * slack);
}
