// The run's connections: one per host while it has work (its tasks, delegate_to, the fleet's checks),
// closed when it is done unless other hosts reach it (delegate_to, the fleet's checks): those stay to the end.
import { TaskError } from "../errors.js";
import { factsScript, parseFacts } from "../facts/gather.js";
import { badDelegate, type Loaded } from "../load/run.js";
import { selectOrFail } from "../load/select.js";
import type { Controller, Fleet } from "../modules/contract.js";
import { becomeAuth } from "../transport/connect.js";
import { JumpPool } from "../transport/jump.js";
import { LocalTransport } from "../transport/local.js";
import type { Transport } from "../transport/transport.js";
import { connectHost } from "./connection.js";
import type { RunOptions, RunResult } from "./types.js";

export class Connections {
  private readonly conns = new Map<string, Promise<Transport>>();
  /** Hosts other hosts reach: their connection may be in use by another host's task, so it stays open. */
  private readonly shared = new Set<string>();
  /** What closed connections counted, kept for the run's stats. */
  private readonly closed: RunResult["stats"] = { connections: 0, execs: 0, bytesSent: 0 };
  /** Jump host connections, each shared by the run's hosts behind it. */
  private readonly jumps = new JumpPool();

  // opts is the object the run checked its routes with: the ssh config is read, and warned about, once (connection.ts)
  constructor(
    private readonly loaded: Loaded,
    private readonly opts: RunOptions,
    private readonly controller: Controller,
  ) {}

  transport(host: string): Promise<Transport> {
    let t = this.conns.get(host);
    if (!t) {
      t = this.opts.connect ? this.opts.connect(host) : connectHost(this.loaded.inventory, host, this.opts, this.jumps);
      this.conns.set(host, t);
    }
    return t;
  }

  /** delegate_to: an inventory host over its one connection of the run, or the controller for localhost. */
  delegate(name: string): Promise<Transport> {
    if (this.loaded.inventory.hosts.has(name)) return this.reach(name);
    const bad = badDelegate(this.loaded.inventory, name);
    if (bad) return Promise.reject(new TaskError(bad, { hint: "add it to the inventory" }));
    let t = this.conns.get(name);
    if (!t) {
      // -K's password serves sudo on the controller too, as Ansible's play password does
      t = Promise.resolve(new LocalTransport(name, becomeAuth({ becomePassword: this.opts.becomePassword })));
      this.conns.set(name, t);
    }
    return t;
  }

  /** Another host's connection, kept open to the run's end. */
  private reach(host: string): Promise<Transport> {
    this.shared.add(host);
    return this.transport(host);
  }

  /** Other hosts for modules that check against the fleet: the run's connections, facts gathered once. */
  readonly fleet: Fleet = {
    hosts: (pattern) => selectOrFail(this.loaded.inventory, pattern, "targets"),
    facts: (host) =>
      this.controller.memo(`facts:${host}`, async () =>
        parseFacts((await (await this.reach(host)).exec(factsScript)).stdout),
      ),
    exec: async (host, script, opts) => (await this.reach(host)).exec(script, opts),
    put: async (host, local, remote, opts) => (await this.reach(host)).put(local, remote, opts),
  };

  /** The host is done: its connection closes, unless other hosts reach it; a later use connects again. */
  async release(host: string): Promise<void> {
    const t = this.conns.get(host);
    if (!t || this.shared.has(host)) return;
    this.conns.delete(host);
    const settled = await Promise.allSettled([t]);
    if (settled[0].status !== "fulfilled") return;
    add(this.closed, settled[0].value.stats());
    await settled[0].value.close();
  }

  /** Ctrl-C: stop every host's commands in flight; resolves once they have ended. */
  async interrupt(): Promise<void> {
    await Promise.allSettled([...this.conns.values()].map(async (t) => (await t).interrupt()));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.conns.values()].map(async (t) => (await t).close()));
    await this.jumps.close();
  }

  async stats(): Promise<RunResult["stats"]> {
    const s = { ...this.closed };
    for (const t of await Promise.allSettled(this.conns.values()))
      if (t.status === "fulfilled") add(s, t.value.stats());
    return s;
  }
}

function add(to: RunResult["stats"], st: RunResult["stats"]): void {
  to.connections += st.connections;
  to.execs += st.execs;
  to.bytesSent += st.bytesSent;
}
