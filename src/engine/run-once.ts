// run_once: the first host of the batch still running carries the task out; the others wait for its result.

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class RunOnce<R> {
  private readonly gone = new Set<string>();
  /** Each task's result, and the host that carries it out. */
  private readonly claims = new Map<object, { by: string; result: Promise<R> }>();
  private wake = signal();

  /** The batch's hosts in inventory order. */
  constructor(private readonly hosts: string[]) {}

  /** The host is done (or failed): a run_once task it never reached goes to the next host. */
  leave(host: string): void {
    this.gone.add(host);
    this.notify();
  }

  /** The result of `key` (a task) for `host`: computed by `work` when this host is the one to run it; `by` ran it. */
  async run(key: object, host: string, work: () => Promise<R>): Promise<{ result: R; ranHere: boolean; by: string }> {
    for (;;) {
      const claim = this.claims.get(key);
      if (claim) return { result: await claim.result, ranHere: false, by: claim.by };
      if (this.hosts.find((h) => !this.gone.has(h)) === host) {
        const result = work();
        this.claims.set(key, { by: host, result });
        this.notify();
        return { result: await result, ranHere: true, by: host };
      }
      await this.wake.promise;
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = signal();
    w.resolve();
  }
}
