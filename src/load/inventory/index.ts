// `-i SOURCE` (repeatable) → the inventory: each source parsed in turn into one InventoryData, as
// ansible-core does, then reconciled, then each host's vars merged with group_vars/ and host_vars/.
import { resolve } from "node:path";
import { InputError } from "../../errors.js";
import type { Inventory } from "../model.js";
import { ignoredWarning } from "./connection-vars.js";
import { InventoryData } from "./data.js";
import { mergeVars } from "./merge.js";
import { parseSource, type SourceOptions } from "./source.js";
import { VarsFiles } from "./vars-dirs.js";

/** One `-i` or several. */
export type InventorySources = string | readonly string[];

export interface LoadOptions extends SourceOptions {
  /** The playbook's directory: its group_vars/ and host_vars/ win over the inventory's. */
  playbookDir?: string;
}

export function sourceList(sources: InventorySources): string[] {
  const list = typeof sources === "string" ? [sources] : [...sources];
  if (list.length === 0)
    throw new InputError("no inventory given", {
      hint: "pass -i INVENTORY (a file, a directory or a script; repeatable)",
    });
  return list;
}

/** Loads every source; throws InputError at the first problem, at its file:line:col. */
export function loadInventory(sources: InventorySources, opts: LoadOptions = {}): Inventory {
  const list = sourceList(sources);
  const data = new InventoryData();
  for (const s of list) parseSource(s, data, opts);
  data.reconcile();
  const merged = mergeVars(data, list, opts.playbookDir, new VarsFiles());
  return {
    file: list.join(","),
    sources: list.map((s) => resolve(s)),
    hosts: merged.hosts,
    groups: merged.groups,
    warnings: [...merged.ignored].sort().map(ignoredWarning),
  };
}
