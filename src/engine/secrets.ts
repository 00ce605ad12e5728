// Each host's secrets for a run: what its audit records and events mask.
import { Secrets, secretValues } from "../audit/redact.js";
import type { Loaded } from "../load/run.js";
import { lazyVars } from "./vars.js";

/** A host's secrets known before any task: its inventory vars' and -e's, rendered. */
export function inventorySecrets(
  hostVars: Record<string, unknown>,
  extraVars: Record<string, unknown> | undefined,
): Secrets {
  return new Secrets().addVars(lazyVars([hostVars, extraVars]));
}

export class RunSecrets {
  private readonly hosts = new Map<string, Secrets>();
  private written?: string[];

  constructor(
    private readonly loaded: Loaded,
    private readonly extraVars: Record<string, unknown> | undefined,
  ) {}

  /**
   * The host's secrets: its inventory's and -e's, and the playbook's written out (a later task's var
   * may hold what an earlier task prints), from the start; each task's rendered ones as it is prepared.
   */
  of(host: string): Secrets {
    let s = this.hosts.get(host);
    if (!s) {
      s = inventorySecrets(this.loaded.inventory.hosts.get(host)!.vars, this.extraVars);
      // the playbook's written-out values are every host's: walked once per run, not per host
      this.written ??= this.loaded.playbook.plays.flatMap((play) => {
        const tasks = [...play.tasks, ...play.handlers];
        return [play.defaults, play.vars, play.roleVars, ...tasks.flatMap((t) => [t.vars, t.params])].flatMap((l) =>
          secretValues(l ?? {}),
        );
      });
      s.add(this.written);
      this.hosts.set(host, s);
    }
    return s;
  }

  /** The host is done with the run: its secrets are built again should it come back. */
  forget(host: string): void {
    this.hosts.delete(host);
  }
}
