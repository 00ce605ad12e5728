// `armgo validate` and `armgo inventory`: loading without contacting anything.
import { dirname, resolve } from "node:path";
import { loadInventory, type InventorySources } from "./inventory.js";
import { loadPlaybook } from "./playbook.js";
import { Problems } from "./problems.js";

export interface ValidateSummary {
  plays: number;
  tasks: number;
  handlers: number;
  hosts?: number;
  /** What loading accepted but warns about: the playbook's (as Ansible warns) and the inventory's vars armgo ignores. */
  warnings?: string[];
}

/** Throws InputError (every problem, each at file:line:col) or returns what was checked. */
export function validateFiles(playbook: string, inventory?: InventorySources): ValidateSummary {
  // the playbook's problems and the inventory's, all of them
  const problems = new Problems();
  const pb = problems.try(() => loadPlaybook(playbook), undefined);
  const inv = inventory
    ? problems.try(() => loadInventory(inventory, { playbookDir: dirname(resolve(playbook)) }), undefined)
    : undefined;
  // past this, the playbook loaded: a failed load left a problem
  problems.throwAny();
  return {
    plays: pb!.plays.length,
    tasks: pb!.plays.reduce((n, p) => n + p.tasks.length, 0),
    handlers: pb!.plays.reduce((n, p) => n + p.handlers.length, 0),
    ...(inv ? { hosts: inv.hosts.size } : {}),
    ...(pb!.warnings || inv?.warnings ? { warnings: [...(pb!.warnings ?? []), ...(inv?.warnings ?? [])] } : {}),
  };
}

export { inventoryGraph, inventoryList } from "./inventory/list.js";
export { loadInventory, loadPlaybook };
