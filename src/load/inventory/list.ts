// `armgo inventory --list` and `--graph`: the inventory as ansible-inventory 2.14 prints it, so the
// two tools' output can be diffed.
import type { Inventory } from "../model.js";

/**
 * `--list`: `_meta.hostvars` (hosts that have vars), and every group reachable from `all` with its
 * own `hosts` and `children` (empty ones left out, a group with neither left out, `all` without hosts).
 */
export function inventoryList(inv: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const g = inv.groups.get(name);
    if (!g) return;
    const entry: Record<string, string[]> = {};
    if (name !== "all" && g.hosts.length) entry.hosts = [...g.hosts];
    if (g.children.length) entry.children = [...g.children];
    if (Object.keys(entry).length) out[name] = entry;
    for (const c of g.children) {
      if (seen.has(c)) continue;
      seen.add(c);
      visit(c);
    }
  };
  visit("all");
  const hostvars = [...inv.hosts.values()]
    .filter((h) => Object.keys(h.vars).length)
    .map((h): [string, unknown] => [h.name, h.vars]);
  return { _meta: { hostvars: Object.fromEntries(hostvars) }, ...out };
}

/** `--graph`: the group tree as Ansible draws it (child groups, then hosts; `all` lists no hosts). */
export function inventoryGraph(inv: Inventory, group = "all", depth = 0): string[] {
  const g = inv.groups.get(group);
  if (!g) return [];
  const pad = "  |".repeat(depth);
  return [
    `${pad}${depth ? "--" : ""}@${group}:`,
    ...g.children.flatMap((c) => inventoryGraph(inv, c, depth + 1)),
    ...(group === "all" ? [] : g.hosts.map((h) => `${pad}  |--${h}`)),
  ];
}
