// Host patterns as Ansible reads them (inventory/manager.py in ansible-core): `web:db`, `web,db`,
// `arm64:&canary`, `all:!canary`, globs `lab-*`, subscripts `web[0]`, `web[-1]`, `web[0:2]`
// (the end is inclusive, as in Ansible) and regexes `~web-[12]$` (anchored at the start only, as re.match).
import { InputError } from "../errors.js";
import type { Inventory } from "./model.js";
import { firstMatch, pyRegex } from "../template/regex.js";

const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(\d+)[:-](\d*))\]$/;

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`, matched whole and case-sensitively. */
function glob(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const close = c === "[" ? pattern.indexOf("]", i + 2) : -1;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (close > 0) {
      const set = pattern.slice(i + 1, close).replace(/\\/g, "\\\\");
      re += `[${set.startsWith("!") ? `^${set.slice(1)}` : set}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^(?:${re})$`, "s");
}

/** Ansible's split_host_pattern: commas if there are any, else colons outside `[...]`. */
function split(pattern: string): string[] {
  const parts = pattern.includes(",")
    ? pattern.split(",")
    : [...pattern.matchAll(/(?:[^\s:[\]]|\[[^\]]*\])+/g)].map((m) => m[0]);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** A group's hosts as Ansible's Group.get_hosts orders them: its own, then its descendants', breadth first. */
function groupHosts(inv: Inventory, name: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [name];
  for (let g = queue.shift(); g !== undefined; g = queue.shift()) {
    if (seen.has(g)) continue;
    seen.add(g);
    const group = inv.groups.get(g);
    if (!group) continue;
    out.push(...group.hosts.filter((h) => !out.includes(h)));
    queue.push(...group.children);
  }
  return out;
}

/** The hosts one term names, duplicates kept so a subscript counts as Ansible does. */
function enumerate(inv: Inventory, expr: string): string[] {
  let matches: (name: string) => boolean;
  if (expr.startsWith("~")) {
    const re = pyRegex(expr.slice(1), { sticky: true });
    matches = (name) => firstMatch(re, name) !== null;
  } else {
    const re = glob(expr);
    matches = (name) => re.test(name);
  }
  const groups = [...inv.groups.keys()].filter(matches);
  const out = groups.flatMap((g) => groupHosts(inv, g));
  if (groups.length === 0 || /^~|[.?*[]/.test(expr)) out.push(...[...inv.hosts.keys()].filter(matches));
  return out;
}

/** One term without its `&`/`!`: a host, or matches with an optional subscript applied. */
function term(inv: Inventory, t: string): string[] {
  if (inv.hosts.has(t)) return [t];
  const m = t.startsWith("~") ? null : SUBSCRIPT.exec(t);
  const hosts = enumerate(inv, m ? m[1]! : t);
  if (!m || hosts.length === 0) return hosts;
  if (m[2] !== undefined) {
    const h = hosts.at(Number(m[2]));
    if (h === undefined || Number(m[2]) >= hosts.length)
      throw new InputError(`No hosts matched the subscripted pattern '${t}'`);
    return [h];
  }
  // Ansible's range end is inclusive, and an empty end means the last host
  const end = m[4] ? Number(m[4]) : hosts.length - 1;
  return hosts.slice(Number(m[3]), end + 1);
}

/**
 * Resolve a pattern to hosts. Plain terms unite, `&term` intersects, `!term` excludes, applied in
 * that order as Ansible's order_patterns does; a pattern of only `&`/`!` terms starts from all.
 * The result is in inventory order, the order armgo reports hosts in.
 */
export function selectHosts(inv: Inventory, pattern: string): string[] {
  const terms = split(pattern);
  const plain = terms.filter((t) => !t.startsWith("&") && !t.startsWith("!"));
  const chosen = new Set((plain.length ? plain : ["all"]).flatMap((t) => term(inv, t)));
  for (const t of terms.filter((x) => x.startsWith("&"))) {
    const keep = new Set(term(inv, t.slice(1)));
    for (const h of chosen) if (!keep.has(h)) chosen.delete(h);
  }
  for (const t of terms.filter((x) => x.startsWith("!"))) for (const h of term(inv, t.slice(1))) chosen.delete(h);
  return [...inv.hosts.keys()].filter((h) => chosen.has(h));
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
