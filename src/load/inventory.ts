// The inventory loader lives in load/inventory/ (one file per source kind); this is its entry for loading.
import type { YamlFile } from "./yaml.js";
import type { Inventory } from "./model.js";
import { ignoredWarning } from "./inventory/connection-vars.js";
import { InventoryData } from "./inventory/data.js";
import { mergeVars } from "./inventory/merge.js";
import { VarsFiles } from "./inventory/vars-dirs.js";
import { parseYamlInventory } from "./inventory/yaml.js";

export { loadInventory, sourceList, type InventorySources, type LoadOptions } from "./inventory/index.js";

/** A YAML inventory already read (tests, and tools that build one in memory): no vars directories. */
export function parseInventory(yaml: YamlFile): Inventory {
  const data = new InventoryData();
  parseYamlInventory(yaml, data);
  data.reconcile();
  const merged = mergeVars(data, [], undefined, new VarsFiles());
  return {
    file: yaml.file,
    sources: [yaml.file],
    hosts: merged.hosts,
    groups: merged.groups,
    warnings: [...merged.ignored].sort().map(ignoredWarning),
  };
}
