// A YAML (or JSON) inventory as ansible-core's yaml plugin reads it: top-level keys are groups (`all`
// among them or not), each with `hosts` (patterns with ranges and ports), `vars` and `children`.
import { InputError } from "../../errors.js";
import { validate } from "../schema.js";
import type { Path, YamlFile } from "../yaml.js";
import type { InventoryData } from "./data.js";
import { expandHostPattern } from "./hosts.js";

type Mapping = Record<string, unknown>;

const isMapping = (v: unknown): v is Mapping => v !== null && typeof v === "object" && !Array.isArray(v);

/** A file Ansible would hand to an inventory plugin (`plugin: aws_ec2`), which armgo does not run. */
export function pluginName(data: unknown): string | undefined {
  return isMapping(data) && typeof data.plugin === "string" ? data.plugin : undefined;
}

export function parseYamlInventory(yaml: YamlFile, inv: InventoryData): void {
  const data = yaml.data;
  const plugin = pluginName(data);
  if (plugin !== undefined) {
    throw new InputError(`this is the configuration of inventory plugin '${plugin}', which armgo does not run`, {
      where: yaml.where(["plugin"]),
      hint: `write it out once with ansible-inventory -i ${yaml.file} --list --yaml > hosts.yaml, or wrap it in an inventory script`,
    });
  }
  if (!isMapping(data) || Object.keys(data).length === 0) {
    throw new InputError("a YAML inventory must be a mapping of group names to groups", { where: yaml.where([]) });
  }
  validate("inventory.json", yaml, data);
  for (const [name, g] of Object.entries(data)) group(yaml, inv, name, g, [name]);
}

/** `hosts: web1` and `children: web` are short for a mapping with that one key, as Ansible allows. */
function section(v: unknown): Mapping | undefined {
  if (typeof v === "string") return { [v]: null };
  return isMapping(v) ? v : undefined;
}

function group(yaml: YamlFile, inv: InventoryData, name: string, g: unknown, at: Path): string {
  inv.addGroup(name, yaml.where(at, true));
  if (!isMapping(g)) return name;
  // in the order written: that is the order hosts and groups are listed in
  for (const key of Object.keys(g)) {
    if (key === "vars") {
      for (const [k, v] of Object.entries(section(g.vars) ?? {}))
        inv.setGroupVar(name, k, v, yaml.where([...at, "vars", k], true), yaml.where([...at, "vars", k]));
    } else if (key === "children") {
      for (const [child, cg] of Object.entries(section(g.children) ?? {})) {
        group(yaml, inv, child, cg, [...at, "children", child]);
        inv.addChild(name, child, yaml.where([...at, "children", child], true));
      }
    } else if (key === "hosts") {
      for (const [pattern, hv] of Object.entries(section(g.hosts) ?? {}))
        hosts(yaml, inv, name, pattern, hv, [...at, "hosts", pattern]);
    }
  }
  return name;
}

function hosts(yaml: YamlFile, inv: InventoryData, group: string, pattern: string, hv: unknown, at: Path): void {
  const where = yaml.where(at, true);
  let expanded;
  try {
    expanded = expandHostPattern(pattern);
  } catch (e) {
    throw new InputError(`host '${pattern}': ${(e as Error).message}`, { where, cause: e });
  }
  for (const h of expanded.names) {
    inv.addHost(h, where, group, expanded.port);
    for (const [k, v] of Object.entries(isMapping(hv) ? hv : {}))
      inv.setHostVar(h, k, v, yaml.where([...at, k], true), yaml.where([...at, k]));
  }
}
