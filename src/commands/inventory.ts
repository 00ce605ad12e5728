// `armgo inventory`: an inventory's groups, hosts and merged vars, as Ansible shows them.
import { inventoryGraph, inventoryList, loadInventory } from "../load/index.js";

export interface InventoryView {
  /** `--list`: Ansible's JSON shape (_meta.hostvars, groups with hosts and children). */
  list: Record<string, unknown>;
  /** `--graph`: the group tree, one line each. */
  graph: string[];
}

export async function inventory(opts: { inventory: string }): Promise<InventoryView> {
  const inv = loadInventory(opts.inventory);
  return { list: inventoryList(inv), graph: inventoryGraph(inv) };
}
