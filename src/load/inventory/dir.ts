// An inventory directory as ansible-core reads it: every entry in sorted order, subdirectories too,
// except hidden ones, group_vars/, host_vars/, vars_plugins/ and its INVENTORY_IGNORE_EXTS.
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** ansible-core 2.14's INVENTORY_IGNORE_EXTS: REJECT_EXTS plus .orig, .ini, .cfg, .retry. */
export const IGNORE_EXTS = [
  ".pyc",
  ".pyo",
  ".swp",
  ".bak",
  "~",
  ".rpm",
  ".md",
  ".txt",
  ".rst",
  ".orig",
  ".ini",
  ".cfg",
  ".retry",
];
const IGNORE_NAMES = ["host_vars", "group_vars", "vars_plugins"];

/** Whether Ansible skips this entry of an inventory directory. */
function ignoredEntry(name: string): boolean {
  return name.startsWith(".") || IGNORE_NAMES.includes(name) || IGNORE_EXTS.some((e) => name.endsWith(e));
}

/** The entries of an inventory directory that are sources, in the order Ansible reads them. */
export function dirSources(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((n) => !ignoredEntry(n))
    .map((n) => join(dir, n));
}
