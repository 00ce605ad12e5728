// `armgo facts`: gather facts from every selected host in parallel, one command each.
import pLimit from "p-limit";
import { ArmgoError } from "../errors.js";
import { connectionConfig } from "../engine/connection.js";
import { selectOrFail } from "../engine/select.js";
import { lazyVars } from "../engine/vars.js";
import { loadInventory } from "../load/inventory.js";
import { connect, type HostKeyChecking } from "../transport/connect.js";
import { factsScript, parseFacts } from "./gather.js";
import type { Facts } from "./types.js";

export interface FactsOptions {
  inventory: string;
  limit?: string;
  forks?: number;
  hostKeyChecking?: HostKeyChecking;
  knownHosts?: string;
  extraVars?: Record<string, unknown>;
}

export type FactsReport = Record<string, { facts: Facts } | { unreachable: string } | { failed: string }>;

export async function collectFacts(opts: FactsOptions): Promise<FactsReport> {
  const inv = loadInventory(opts.inventory);
  const hosts = selectOrFail(inv, opts.limit ?? "all", "--limit");
  const limit = pLimit(Math.max(1, opts.forks ?? 10));
  const report: FactsReport = {};
  await Promise.all(
    hosts.map((h) =>
      limit(async () => {
        const vars = lazyVars(inv.hosts.get(h)!.vars, opts.extraVars);
        try {
          const t = await connect(connectionConfig(h, vars, opts));
          try {
            const r = await t.exec(factsScript);
            report[h] = r.code === 0 ? { facts: parseFacts(r.stdout) } : { failed: `facts script exited ${r.code}: ${r.stderr.trim()}` };
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
  // report in inventory order, whatever order the hosts answered in
  return Object.fromEntries(hosts.map((h) => [h, report[h]!]));
}
