// Each host's vars merged as ansible-core 2.14 merges them (VariableManager.get_vars, its default
// VARIABLE_PRECEDENCE), lowest first:
//   inventory `all` vars < inventory vars of the host's other groups (by depth, priority, name)
//   < group_vars/all beside each source < beside the playbook
//   < group_vars/GROUP beside each source < beside the playbook (groups in the same order)
//   < the host's own inventory vars < host_vars/HOST beside each source < beside the playbook.
// Each level replaces whole top-level values (hash_behaviour=replace).
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { InventoryGroup, InventoryHost } from "../model.js";
import { checkConnectionVars } from "./connection-vars.js";
import type { InventoryData, VarMap } from "./data.js";
import type { VarsFiles } from "./vars-dirs.js";

/** Where a source's group_vars/ and host_vars/ are: the directory itself, or the file's directory. */
export function varsBase(source: string): string {
  try {
    if (statSync(source).isDirectory()) return source;
  } catch {
    // a source that is not a path has no vars directories beside it
  }
  return dirname(source);
}

export interface Merged {
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** Ignored connection vars that some host has (one warning each). */
  ignored: Set<string>;
}

export function mergeVars(
  data: InventoryData,
  sources: string[],
  playbookDir: string | undefined,
  files: VarsFiles,
): Merged {
  const depth = data.depths();
  const bases = sources.map(varsBase);
  const play = playbookDir === undefined ? [] : [playbookDir];
  const ignored = new Set<string>();
  const hosts = new Map<string, InventoryHost>();
  for (const h of data.hosts.values()) {
    const member = data.groupsOf(h.name);
    const groups = member
      .filter((g) => g !== "all")
      .map((g) => data.groups.get(g)!)
      .sort(
        (a, b) =>
          depth.get(a.name)! - depth.get(b.name)! ||
          a.priority - b.priority ||
          (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
      )
      .map((g) => g.name);
    const dirVars = (dirs: string[], kind: "group_vars" | "host_vars", names: string[]): VarMap[] =>
      dirs.flatMap((d) => names.map((n) => files.of(d, kind, n)));
    const layers: VarMap[] = [
      data.groups.get("all")!.vars,
      ...groups.map((g) => data.groups.get(g)!.vars),
      ...dirVars(bases, "group_vars", ["all"]),
      ...dirVars(play, "group_vars", ["all"]),
      ...dirVars(bases, "group_vars", groups),
      ...dirVars(play, "group_vars", groups),
      h.vars,
      ...dirVars(bases, "host_vars", [h.name]),
      ...dirVars(play, "host_vars", [h.name]),
    ];
    const merged: VarMap = new Map();
    for (const layer of layers) for (const [k, v] of layer) merged.set(k, v);
    checkConnectionVars(merged, ignored);
    hosts.set(h.name, {
      name: h.name,
      vars: Object.fromEntries([...merged].map(([k, v]) => [k, v.value])),
      origins: Object.fromEntries([...merged].map(([k, v]) => [k, v.where])),
      groups: member.includes("all") ? member : ["all", ...member],
    });
  }
  const groups = new Map<string, InventoryGroup>(
    [...data.groups.values()].map((g) => [
      g.name,
      {
        name: g.name,
        hosts: [...g.hosts],
        children: [...g.children],
        vars: Object.fromEntries([...g.vars].map(([k, v]) => [k, v.value])),
      },
    ]),
  );
  return { hosts, groups, ignored };
}
