// `armgo inventory`: an inventory's groups, hosts and merged vars, as ansible-inventory shows them.
import { inventoryGraph, inventoryList, loadInventory } from "../load/index.js";
import type { InventorySources } from "../load/inventory.js";

export interface InventoryView {
  /** `--list`: Ansible's JSON shape (_meta.hostvars, groups with hosts and children). */
  list: Record<string, unknown>;
  /** `--graph`: the group tree, one line each. */
  graph: string[];
  /** Vars armgo ignores, one line each. */
  warnings: string[];
}

export async function inventory(opts: { inventory: InventorySources; playbookDir?: string }): Promise<InventoryView> {
  const inv = loadInventory(opts.inventory, opts.playbookDir === undefined ? {} : { playbookDir: opts.playbookDir });
  return { list: inventoryList(inv), graph: inventoryGraph(inv), warnings: inv.warnings ?? [] };
}
