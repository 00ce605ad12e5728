// What a run loads and checks up front: bad input stops it before any host is contacted.
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import { recipeHash } from "../hash.js";
import { isTemplated } from "../template/render.js";
import type { BecomeFlags } from "./become.js";
import { type InventorySources, loadInventory } from "./inventory.js";
import type { Inventory, Play, Playbook } from "./model.js";
import { loadPlaybook } from "./playbook.js";
import { selectOrFail } from "./select.js";

export interface Loaded {
  playbook: Playbook;
  inventory: Inventory;
}

/** Which files a run loads, the host pattern it is limited to, and -b / --become-user. */
export interface RunInput extends BecomeFlags {
  playbook?: string;
  inventory?: InventorySources;
  limit?: string;
}

/** delegate_to's targets besides the inventory's hosts: the controller itself. */
const LOCALHOST = new Set(["localhost", "127.0.0.1"]);

/** Why delegate_to can't point at `name`, or undefined when it can. */
export function badDelegate(inv: Inventory, name: string): string | undefined {
  if (inv.hosts.has(name) || LOCALHOST.has(name)) return undefined;
  return `delegate_to '${name}' is neither localhost nor a host of ${inv.file}`;
}

/** Load and validate everything up front: bad input stops the run before any host is contacted. */
export function loadRun(opts: RunInput): Loaded {
  if (!opts.playbook || !opts.inventory)
    throw new InputError("a run needs a playbook and an inventory", { hint: "armgo play PLAYBOOK -i INVENTORY" });
  const playbook = loadPlaybook(opts.playbook, opts);
  // group_vars/ and host_vars/ beside the playbook count too, as in Ansible
  const inventory = loadInventory(opts.inventory, { playbookDir: dirname(resolve(opts.playbook)) });
  if (opts.limit) selectOrFail(inventory, opts.limit, "--limit");
  for (const t of playbook.plays.flatMap((p) => [...p.tasks, ...p.handlers])) {
    // a templated target is known only at run time
    const bad =
      t.delegate_to === undefined || isTemplated(t.delegate_to) ? undefined : badDelegate(inventory, t.delegate_to);
    if (bad) throw new InputError(bad, { where: t.where, hint: "add it to the inventory" });
  }
  return { playbook, inventory };
}

/** A playbook built in memory (armgo releases, rollback) over an inventory file, checked as loadRun checks a file's. */
export function loadBuilt(opts: RunInput & { inventory: InventorySources }, source: string, plays: Play[]): Loaded {
  const inventory = loadInventory(opts.inventory);
  if (opts.limit) selectOrFail(inventory, opts.limit, "--limit");
  return { playbook: { file: source, sha256: recipeHash(plays), plays }, inventory };
}
