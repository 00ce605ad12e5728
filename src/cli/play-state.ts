// Where each host of the running batch is: waiting for a fork, started, on a task, or done. The
// lowest position of a started host (the frontier) moves forward, and back only when a host starts.
export class PlayState {
  /** Hosts at each position: slot 0 waits for a fork, slot 1 started but on no task yet, slot i + 2 on task i. */
  private readonly slots: number[];
  private readonly pos = new Map<string, number>();
  private low = 1;
  /** The next host to get a fork, in the engine's order. */
  private next = 0;

  /** `forks`: how many of `hosts` run at once, in order; each next one starts when one is done. */
  constructor(
    readonly play: string,
    readonly hosts: string[],
    readonly tasks: string[],
    forks = hosts.length,
  ) {
    this.slots = new Array<number>(tasks.length + 2).fill(0);
    this.slots[0] = hosts.length;
    for (const h of hosts) this.pos.set(h, -2);
    for (let i = 0; i < forks; i++) this.startNext();
  }

  /** The host is on task `index` (or past it already). */
  at(host: string, index: number | undefined): void {
    const p = this.pos.get(host);
    if (p === undefined || index === undefined || index <= p || index >= this.tasks.length) return;
    this.move(host, p, index);
  }

  finish(host: string): void {
    const p = this.pos.get(host);
    if (p === undefined) return;
    this.slots[p + 2]!--;
    this.pos.delete(host);
    // its fork goes to the next host waiting
    this.startNext();
  }

  /** The task `host` is on (-1: none yet, -2: waiting for a fork), undefined once it is done. */
  of(host: string): number | undefined {
    return this.pos.get(host);
  }

  /** Lowest task a started host still running is on: every started host passed every task before it. */
  frontier(): number {
    while (this.low < this.slots.length && this.slots[this.low] === 0) this.low++;
    return this.low === this.slots.length ? Infinity : this.low - 2;
  }

  /** Hosts past task `index` (or done), on it, and before it (waiting ones too). */
  counts(index: number): { passed: number; running: number; waiting: number } {
    let waiting = 0;
    for (let s = 0; s <= index + 1; s++) waiting += this.slots[s]!;
    const running = this.slots[index + 2] ?? 0;
    return { passed: this.hosts.length - waiting - running, running, waiting };
  }

  private move(host: string, from: number, to: number): void {
    this.slots[from + 2]!--;
    this.slots[to + 2]!++;
    this.pos.set(host, to);
    this.low = Math.min(this.low, to + 2);
  }

  private startNext(): void {
    while (this.next < this.hosts.length && this.pos.get(this.hosts[this.next]!) !== -2) this.next++;
    if (this.next < this.hosts.length) this.move(this.hosts[this.next++]!, -2, -1);
  }
}
