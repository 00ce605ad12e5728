// `armgo validate` and `armgo inventory`: loading without contacting anything.
import type { Inventory } from "./model.js";
import { loadInventory } from "./inventory.js";
import { loadPlaybook } from "./playbook.js";

export interface ValidateSummary {
  plays: number;
  tasks: number;
  handlers: number;
  hosts?: number;
  /** What loading accepted but Ansible warns about. */
  warnings?: string[];
}

/** Throws InputError (every problem, each at file:line:col) or returns what was checked. */
export function validateFiles(playbook: string, inventory?: string): ValidateSummary {
  const pb = loadPlaybook(playbook);
  const inv = inventory ? loadInventory(inventory) : undefined;
  return {
    plays: pb.plays.length,
    tasks: pb.plays.reduce((n, p) => n + p.tasks.length, 0),
    handlers: pb.plays.reduce((n, p) => n + p.handlers.length, 0),
    ...(inv ? { hosts: inv.hosts.size } : {}),
    ...(pb.warnings ? { warnings: pb.warnings } : {}),
  };
}

/** `--list`: Ansible's JSON shape (_meta.hostvars, groups with hosts and children). */
export function inventoryList(inv: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {
    _meta: { hostvars: Object.fromEntries([...inv.hosts].map(([h, v]) => [h, v.vars])) },
  };
  for (const [name, g] of inv.groups) out[name] = { hosts: g.hosts, children: g.children };
  return out;
}

/** `--graph`: the group tree as Ansible draws it. */
export function inventoryGraph(inv: Inventory, group = "all", depth = 0): string[] {
  const g = inv.groups.get(group);
  if (!g) return [];
  const pad = "  |".repeat(depth);
  return [
    `${pad}${depth ? "--" : ""}@${group}:`,
    ...g.children.flatMap((c) => inventoryGraph(inv, c, depth + 1)),
    ...g.hosts.map((h) => `${pad}  |--${h}`),
  ];
}

export { loadInventory, loadPlaybook };
