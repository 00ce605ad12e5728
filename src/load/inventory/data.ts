// The inventory as every source builds it, step by step, as ansible-core's InventoryData does: groups
// and hosts in the order first seen, vars set last-wins, each var with the place it was written.
import { InputError, type Where } from "../../errors.js";
import { checkPassword, type Placed } from "./connection-vars.js";

/** A var's value and where it was written (file:line:col of its name). */
export type { Placed } from "./connection-vars.js";

export type VarMap = Map<string, Placed>;

export interface GroupData {
  name: string;
  hosts: string[];
  children: string[];
  parents: string[];
  vars: VarMap;
  /** ansible_group_priority: orders groups of the same depth before their names do. */
  priority: number;
  where: Where;
}

export interface HostData {
  name: string;
  vars: VarMap;
  where: Where;
  /** The groups that list the host itself, in the order it was put in them. */
  groups: string[];
}

export class InventoryData {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();
  // ancestors by group, rebuilt after a group gets a new parent (a 10,000-host inventory asks often)
  private readonly above = new Map<string, Set<string>>();

  constructor() {
    this.addGroup("all", {});
    this.addGroup("ungrouped", {});
    this.addChild("all", "ungrouped", {});
  }

  addGroup(name: string, where: Where): GroupData {
    if (!name) throw new InputError("a group needs a name", { where });
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], parents: [], vars: new Map(), priority: 1, where };
      this.groups.set(name, g);
    }
    return g;
  }

  /** Adds the host (a `host:port` port becomes its ansible_port) and, with `group`, puts it there. */
  addHost(name: string, where: Where, group?: string, port?: number): HostData {
    if (!name) throw new InputError("a host needs a name", { where });
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: new Map(), where, groups: [] };
      this.hosts.set(name, h);
      if (port !== undefined) h.vars.set("ansible_port", { value: port, where });
    }
    if (group !== undefined) {
      const g = this.groups.get(group);
      if (!g) throw new InputError(`group '${group}' is not defined`, { where });
      if (!h.groups.includes(group)) {
        h.groups.push(group);
        g.hosts.push(name);
      }
    }
    return h;
  }

  setGroupVar(group: string, key: string, value: unknown, where: Where, valueAt?: Where): void {
    const g = this.groups.get(group);
    if (!g) throw new InputError(`group '${group}' is not defined`, { where });
    checkPassword(key, where);
    if (key === "ansible_group_priority") {
      const n = Number(value);
      if (!Number.isInteger(n))
        throw new InputError(`ansible_group_priority must be a whole number, not '${String(value)}'`, { where });
      g.priority = n;
    } else g.vars.set(key, { value, where, ...(valueAt ? { valueAt } : {}) });
  }

  setHostVar(host: string, key: string, value: unknown, where: Where, valueAt?: Where): void {
    checkPassword(key, where);
    this.hosts.get(host)!.vars.set(key, { value, where, ...(valueAt ? { valueAt } : {}) });
  }

  /** Puts group (or host) `child` into `group`; a loop of groups is refused, as Ansible refuses it. */
  addChild(group: string, child: string, where: Where): void {
    const parent = this.groups.get(group);
    if (!parent) throw new InputError(`group '${group}' is not defined`, { where });
    const g = this.groups.get(child);
    if (!g) {
      if (!this.hosts.has(child)) throw new InputError(`'${child}' is neither a known host nor a group`, { where });
      this.addHost(child, where, group);
      return;
    }
    if (group === child) throw new InputError(`group '${group}' cannot be a child of itself`, { where });
    if (parent.children.includes(child)) return;
    if (child === "all" || this.ancestors(group).has(child)) {
      throw new InputError(`adding group '${child}' as a child of '${group}' makes a loop of groups`, { where });
    }
    parent.children.push(child);
    if (!g.parents.includes(group)) g.parents.push(group);
    this.above.clear();
  }

  /** Every group above `group`, not itself. */
  ancestors(group: string): Set<string> {
    const known = this.above.get(group);
    if (known) return known;
    const out = new Set<string>();
    const up = (name: string): void => {
      for (const p of this.groups.get(name)?.parents ?? []) {
        if (!out.has(p)) {
          out.add(p);
          up(p);
        }
      }
    };
    up(group);
    this.above.set(group, out);
    return out;
  }

  /** The groups a host is in: those that list it, and their ancestors. */
  groupsOf(host: string): string[] {
    const out = new Set<string>();
    for (const g of this.hosts.get(host)?.groups ?? []) {
      out.add(g);
      for (const a of this.ancestors(g)) out.add(a);
    }
    return [...out];
  }

  /**
   * After the last source, as Ansible's reconcile_inventory: every group without a parent goes
   * under `all`; a host in no group goes to `ungrouped`, one in another group leaves it.
   */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== "all" && g.parents.length === 0) this.addChild("all", g.name, g.where);
    }
    const ungrouped = this.groups.get("ungrouped")!;
    const leave = new Set<string>();
    for (const h of this.hosts.values()) {
      const mine = this.groupsOf(h.name);
      if (mine.includes("ungrouped")) {
        if (mine.some((g) => g !== "all" && g !== "ungrouped")) leave.add(h.name);
      } else if (mine.length === 0 || (mine.length === 1 && mine[0] === "all")) {
        ungrouped.hosts.push(h.name);
        h.groups.push("ungrouped");
      }
    }
    ungrouped.hosts = ungrouped.hosts.filter((h) => !leave.has(h));
    for (const h of leave) {
      const groups = this.hosts.get(h)!.groups;
      groups.splice(groups.indexOf("ungrouped"), 1);
    }
  }

  /** Longest path from `all`: Ansible's group depth, which orders group vars (deeper wins). */
  depths(): Map<string, number> {
    const depth = new Map<string, number>();
    const visit = (name: string, d: number): void => {
      if ((depth.get(name) ?? -1) >= d) return;
      depth.set(name, d);
      for (const c of this.groups.get(name)!.children) visit(c, d + 1);
    };
    visit("all", 0);
    return depth;
  }
}
