// Which release of each app every host runs after a run, from the results' `data.deployed` (the
// contract's convention), and the hosts a stopped rollout never reached.
import type { AuditedRelease } from "../audit/log.js";
import type { Deployed, NotShipped } from "../modules/contract.js";
import type { DeployedSummary, TaskResult } from "./types.js";

function deployedOf(data: Record<string, unknown> | undefined): Deployed | undefined {
  const d = data?.deployed as Partial<Deployed> | undefined;
  return typeof d?.app === "string" && (typeof d.release === "string" || d.release === null)
    ? { app: d.app, release: d.release }
    : undefined;
}

function notShippedOf(data: Record<string, unknown> | undefined): NotShipped | undefined {
  const d = data?.deployed as Partial<NotShipped> | undefined;
  return typeof d?.app === "string" && typeof d.not_shipped === "string"
    ? { app: d.app, not_shipped: d.not_shipped }
    : undefined;
}

/** What the audit record keeps of a result's release: the app, what is current, and the release that failed and was left. */
export function auditedRelease(data: Record<string, unknown> | undefined): AuditedRelease | undefined {
  const d = deployedOf(data);
  if (!d) return undefined;
  const str = (k: string): string | undefined => (typeof data?.[k] === "string" ? data[k] : undefined);
  const [previous, failed, target] = [str("previous"), str("failed"), str("target")];
  return { ...d, ...(previous ? { previous } : {}), ...(failed ? { failed } : {}), ...(target ? { target } : {}) };
}

export class DeployedTracker {
  private readonly apps = new Map<
    string,
    {
      hosts: Map<string, string | null>;
      notStarted: Set<string>;
      unknown: Set<string>;
      notShipped?: { why: string; hosts: Set<string> };
    }
  >();
  /** Apps the current play deployed. */
  private readonly inPlay = new Set<string>();

  /** @param order the inventory's hosts, the order every list comes in */
  constructor(private readonly order: string[]) {}

  note(r: TaskResult): void {
    const d = deployedOf(r.data);
    const ns = d ? undefined : notShippedOf(r.data);
    const name = d?.app ?? ns?.app;
    if (name === undefined) return;
    let app = this.apps.get(name);
    if (!app) this.apps.set(name, (app = { hosts: new Map(), notStarted: new Set(), unknown: new Set() }));
    app.unknown.delete(r.host);
    this.inPlay.add(name);
    if (d) {
      app.hosts.set(r.host, d.release);
      app.notShipped?.hosts.delete(r.host);
    } else if (ns && !app.hosts.has(r.host)) {
      (app.notShipped ??= { why: ns.not_shipped, hosts: new Set() }).hosts.add(r.host);
    }
  }

  /** A play ended: its hosts that ran without naming a release, and those no batch reached. */
  endPlay(started: string[], notStarted: string[]): void {
    for (const name of this.inPlay) {
      const app = this.apps.get(name)!;
      for (const h of started) if (!app.hosts.has(h) && !app.notShipped?.hosts.has(h)) app.unknown.add(h);
      for (const h of notStarted) if (!app.hosts.has(h)) app.notStarted.add(h);
    }
    this.inPlay.clear();
  }

  /** undefined when no result named a release. */
  summary(): DeployedSummary | undefined {
    if (this.apps.size === 0) return undefined;
    const inOrder = (hosts: Iterable<string>): string[] => {
      const set = new Set(hosts);
      return this.order.filter((h) => set.has(h));
    };
    const out: DeployedSummary = {};
    for (const [name, app] of this.apps) {
      out[name] = {
        hosts: Object.fromEntries(inOrder(app.hosts.keys()).map((h) => [h, app.hosts.get(h)!])),
        not_started: inOrder(app.notStarted),
        unknown: inOrder(app.unknown),
        ...(app.notShipped?.hosts.size
          ? { not_shipped: { why: app.notShipped.why, hosts: inOrder(app.notShipped.hosts) } }
          : {}),
      };
    }
    return out;
  }
}
