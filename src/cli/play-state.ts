// Where each host of the running play is: which task it is on, or done. Positions only grow, so
// the lowest one (the frontier) only moves forward and costs O(1) amortized to keep.
export class PlayState {
  /** Hosts at each position; slot 0 holds the hosts that have not started a task yet. */
  private readonly slots: number[];
  private readonly pos = new Map<string, number>();
  private low = 0;

  constructor(
    readonly play: string,
    readonly hosts: string[],
    readonly tasks: string[],
  ) {
    this.slots = new Array<number>(tasks.length + 1).fill(0);
    this.slots[0] = hosts.length;
    for (const h of hosts) this.pos.set(h, -1);
  }

  /** The host is on task `index` (or past it already). */
  at(host: string, index: number | undefined): void {
    const p = this.pos.get(host);
    if (p === undefined || index === undefined || index <= p || index >= this.tasks.length) return;
    this.slots[p + 1]!--;
    this.slots[index + 1]!++;
    this.pos.set(host, index);
  }

  finish(host: string): void {
    const p = this.pos.get(host);
    if (p === undefined) return;
    this.slots[p + 1]!--;
    this.pos.delete(host);
  }

  /** The task `host` is on (-1: none yet), undefined once it is done. */
  of(host: string): number | undefined {
    return this.pos.get(host);
  }

  /** Lowest task a host still running is on: every task before it is passed by every host. */
  frontier(): number {
    while (this.low < this.slots.length && this.slots[this.low] === 0) this.low++;
    return this.low === this.slots.length ? Infinity : this.low - 1;
  }

  /** Hosts past task `index` (or done), on it, and before it. */
  counts(index: number): { passed: number; running: number; waiting: number } {
    let waiting = 0;
    for (let s = 0; s <= index; s++) waiting += this.slots[s]!;
    const running = this.slots[index + 1] ?? 0;
    return { passed: this.hosts.length - waiting - running, running, waiting };
  }
}
