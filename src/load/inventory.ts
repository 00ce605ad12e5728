// Inventory YAML (Ansible's shape) → hosts with merged vars, and groups.
import { InputError } from "../errors.js";
import type { Inventory, InventoryGroup, InventoryHost } from "./model.js";
import { validate } from "./schema.js";
import { YamlFile, type Path } from "./yaml.js";

type RawGroup = { hosts?: Record<string, Record<string, unknown> | null> | null; vars?: Record<string, unknown> | null; children?: Record<string, RawGroup | null> | null } | null;

// Secrets never live in files that get committed: only the name of an env var may be given.
const PASSWORD_KEYS = ["password", "ansible_password", "ansible_ssh_pass", "ansible_become_password", "ansible_become_pass"];

export function loadInventory(file: string): Inventory {
  return parseInventory(YamlFile.read(file));
}

export function parseInventory(yaml: YamlFile): Inventory {
  validate("inventory.json", yaml, yaml.data);
  const groups = new Map<string, InventoryGroup & { depth: number }>();
  const hostVars = new Map<string, Record<string, unknown>>();
  const order: string[] = [];

  const walk = (name: string, g: RawGroup, at: Path, depth: number): void => {
    const group = groups.get(name) ?? { name, hosts: [], children: [], vars: {}, depth };
    group.depth = Math.max(group.depth, depth);
    groups.set(name, group);
    checkPasswords(yaml, g?.vars, [...at, "vars"]);
    Object.assign(group.vars, g?.vars ?? {});
    for (const [h, hv] of Object.entries(g?.hosts ?? {})) {
      checkPasswords(yaml, hv, [...at, "hosts", h]);
      if (!hostVars.has(h)) {
        hostVars.set(h, {});
        order.push(h);
      }
      Object.assign(hostVars.get(h)!, hv ?? {});
      if (!group.hosts.includes(h)) group.hosts.push(h);
    }
    for (const [c, cg] of Object.entries(g?.children ?? {})) {
      if (c === name || c === "all") throw new InputError(`group '${c}' cannot be a child of '${name}'`, { where: yaml.where([...at, "children", c], true) });
      if (!group.children.includes(c)) group.children.push(c);
      walk(c, cg, [...at, "children", c], depth + 1);
    }
  };
  walk("all", (yaml.data as { all: RawGroup }).all, ["all"], 0);

  const memberOf = (host: string): string[] => {
    const direct = [...groups.values()].filter((g) => g.hosts.includes(host)).map((g) => g.name);
    const all = new Set<string>(["all"]);
    const up = (gname: string): void => {
      if (all.has(gname) && gname !== "all") return;
      all.add(gname);
      for (const parent of groups.values()) if (parent.children.includes(gname)) up(parent.name);
    };
    direct.forEach(up);
    return [...all];
  };

  const hosts = new Map<string, InventoryHost>();
  for (const name of order) {
    const member = memberOf(name);
    // Ansible's precedence: all < parent groups < child groups (by depth, then name) < host
    const ordered = member
      .map((g) => groups.get(g)!)
      .sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name));
    const vars: Record<string, unknown> = {};
    for (const g of ordered) Object.assign(vars, g.vars);
    Object.assign(vars, hostVars.get(name));
    hosts.set(name, { name, vars, groups: member });
  }
  return {
    file: yaml.file,
    hosts,
    groups: new Map([...groups].map(([k, { depth: _d, ...g }]) => [k, g])),
  };
}

function checkPasswords(yaml: YamlFile, vars: Record<string, unknown> | null | undefined, at: Path): void {
  for (const k of PASSWORD_KEYS) {
    if (vars && k in vars) {
      throw new InputError(`'${k}' in an inventory file is refused: passwords are read only from the environment`, {
        where: yaml.where([...at, k], true),
        hint: "set password_env: NAME_OF_ENV_VAR instead",
      });
    }
  }
}
