// `armgo inventory`: an inventory's groups, hosts and merged vars, as ansible-inventory shows them.
import { redact, secretValues } from "../audit/redact.js";
import { inventoryGraph, inventoryList, loadInventory } from "../load/index.js";
import type { InventorySources } from "../load/inventory.js";

export interface InventoryView {
  /** `--list`: Ansible's JSON shape (_meta.hostvars, groups with hosts and children), secrets masked. */
  list: Record<string, unknown>;
  /** `--graph`: the group tree, one line each. */
  graph: string[];
  /** Vars armgo ignores, one line each. */
  warnings: string[];
}

export async function inventory(opts: { inventory: InventorySources; playbookDir?: string }): Promise<InventoryView> {
  const inv = loadInventory(opts.inventory, opts.playbookDir === undefined ? {} : { playbookDir: opts.playbookDir });
  const list = inventoryList(inv);
  return { list: redact(list, secretValues(list)), graph: inventoryGraph(inv), warnings: inv.warnings ?? [] };
}
