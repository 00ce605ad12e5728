// Host patterns as Ansible users write them: `web:db`, `arm64:&canary`, `all:!canary`, `lab-*`.
import { InputError } from "../errors.js";
import type { Inventory } from "../load/model.js";

function glob(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`);
}

/** Hosts one term names: a group (with its children), a host, or a glob over both. */
function term(inv: Inventory, t: string): Set<string> {
  const out = new Set<string>();
  const addGroup = (g: string): void => {
    const group = inv.groups.get(g);
    if (!group) return;
    group.hosts.forEach((h) => out.add(h));
    group.children.forEach(addGroup);
  };
  if (t === "all" || t === "*") return new Set(inv.hosts.keys());
  if (inv.groups.has(t)) addGroup(t);
  else if (inv.hosts.has(t)) out.add(t);
  else if (/[*?]/.test(t)) {
    const re = glob(t);
    for (const g of inv.groups.keys()) if (re.test(g)) addGroup(g);
    for (const h of inv.hosts.keys()) if (re.test(h)) out.add(h);
  }
  return out;
}

/**
 * Resolve a pattern to hosts in inventory order. Terms separated by `:` or `,`:
 * plain terms unite, `&term` intersects, `!term` excludes.
 */
export function selectHosts(inv: Inventory, pattern: string): string[] {
  const terms = pattern.split(/[:,]/).map((t) => t.trim()).filter(Boolean);
  let chosen = new Set<string>();
  const ands: Array<Set<string>> = [];
  const nots: Array<Set<string>> = [];
  for (const t of terms) {
    if (t.startsWith("&")) ands.push(term(inv, t.slice(1)));
    else if (t.startsWith("!")) nots.push(term(inv, t.slice(1)));
    else chosen = new Set([...chosen, ...term(inv, t)]);
  }
  // A pattern of only exclusions/intersections starts from every host, as `!canary` reads.
  if (terms.every((t) => t.startsWith("&") || t.startsWith("!"))) chosen = new Set(inv.hosts.keys());
  return [...inv.hosts.keys()].filter((h) => chosen.has(h) && ands.every((s) => s.has(h)) && !nots.some((s) => s.has(h)));
}

/** Like selectHosts, but a pattern naming nothing known is an input error. */
export function selectOrFail(inv: Inventory, pattern: string, what: string): string[] {
  const hosts = selectHosts(inv, pattern);
  if (hosts.length === 0) {
    throw new InputError(`${what} '${pattern}' matches no host in ${inv.file}`, {
      hint: `known groups: ${[...inv.groups.keys()].join(", ")}`,
    });
  }
  return hosts;
}
