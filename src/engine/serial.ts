// `serial`: split a play's hosts into batches (numbers, percentages, or a list whose last repeats).

function size(spec: number | string, total: number): number {
  const n =
    typeof spec === "string" && spec.endsWith("%")
      ? Math.floor((total * Number(spec.slice(0, -1))) / 100)
      : Number(spec);
  // Ansible rounds a percentage down but never to an empty batch
  return Math.max(1, n);
}

export function batches<T>(hosts: T[], serial: Array<number | string>): T[][] {
  if (serial.length === 0) return hosts.length ? [hosts] : [];
  const out: T[][] = [];
  let i = 0;
  let s = 0;
  while (i < hosts.length) {
    const n = size(serial[Math.min(s, serial.length - 1)]!, hosts.length);
    out.push(hosts.slice(i, i + n));
    i += n;
    s++;
  }
  return out;
}

/**
 * max_fail_percentage over the whole play so far: stop when more than this share of every host the
 * play's batches have run on failed or was unreachable (Ansible counts only the last batch's failed
 * hosts; docs/rollouts.md says why armgo does not).
 */
export function overFailLimit(failed: number, ran: number, maxFailPercentage: number | undefined): boolean {
  if (maxFailPercentage === undefined || ran === 0) return false;
  return (failed / ran) * 100 > maxFailPercentage;
}
