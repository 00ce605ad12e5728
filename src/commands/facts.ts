// `armgo facts`: gather facts from every selected host in parallel, one command each.
import pLimit from "p-limit";
import { ArmgoError } from "../errors.js";
import { checkRoutes, connectHost, type ConnectOptions } from "../engine/connection.js";
import { selectOrFail } from "../load/select.js";
import { factsScript, parseFacts } from "../facts/gather.js";
import type { Facts } from "../facts/types.js";
import { loadInventory, type InventorySources } from "../load/inventory.js";
import { JumpPool } from "../transport/jump.js";

export interface FactsOptions extends ConnectOptions {
  inventory: InventorySources;
  /** Told the inventory's warnings (vars armgo ignores) once it is loaded. */
  onWarnings?: (lines: string[]) => void;
  limit?: string;
  forks?: number;
}

export type FactsReport = Record<string, { facts: Facts } | { unreachable: string } | { failed: string }>;

export async function collectFacts(opts: FactsOptions): Promise<FactsReport> {
  const inv = loadInventory(opts.inventory);
  opts.onWarnings?.(inv.warnings ?? []);
  const hosts = selectOrFail(inv, opts.limit ?? "all", "--limit");
  const limit = pLimit(Math.max(1, opts.forks ?? 10));
  const report: FactsReport = {};
  // one options object for every host: the ssh config is read once, and a refused route stops
  // the command before any host is contacted, as a run does
  const jumps = new JumpPool();
  checkRoutes(inv, hosts, opts);
  try {
    await Promise.all(
      hosts.map((h) =>
        limit(async () => {
          try {
            const t = await connectHost(inv, h, opts, jumps);
            try {
              const r = await t.exec(factsScript);
              report[h] =
                r.code === 0
                  ? { facts: parseFacts(r.stdout) }
                  : { failed: `facts script exited ${r.code}: ${r.stderr.trim()}` };
            } finally {
              await t.close();
            }
          } catch (e) {
            if (!(e instanceof ArmgoError)) throw e;
            report[h] = { unreachable: e.oneLine() };
          }
        }),
      ),
    );
  } finally {
    await jumps.close();
  }
  // report in inventory order, whatever order the hosts answered in
  return Object.fromEntries(hosts.map((h) => [h, report[h]!]));
}
