// The typed model that loading produces and the engine consumes.
import type { Where } from "../errors.js";

export type Condition = string | boolean | Array<string | boolean>;

export interface Task {
  name: string;
  module: string;
  args: unknown;
  /** Position of the task in its playbook, for every error about it. */
  where: Where;
  when?: Condition;
  changed_when?: Condition;
  failed_when?: Condition;
  register?: string;
  tags: string[];
  notify: string[];
  ignore_errors: boolean;
  no_log: boolean;
  become?: boolean | string;
  loop?: unknown;
  /** loop_control.label: what the output shows per item. */
  label?: string;
  /** false: runs under --check too; true: check mode for this task in a real run. */
  check_mode?: boolean;
  /** Vars of this task (its own, over its import's, over its role's): above play vars, below registered vars. */
  vars?: Record<string, unknown>;
  /** Params of its roles entry (its loose keys): above registered vars, below extra vars, as in Ansible. */
  params?: Record<string, unknown>;
  /** Exported for the task's remote commands: a mapping, or a template rendering to one. */
  environment?: unknown;
  until?: Condition;
  retries?: number;
  /** Seconds between attempts. */
  delay?: number;
  run_once?: boolean;
  delegate_to?: string;
  /** Handlers: topics that notify them besides their name. */
  listen?: string[];
}

export interface Play {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  /** Defaults of the play's roles: the lowest var layer, below inventory vars. */
  defaults?: Record<string, unknown>;
  /** Vars of the play's roles (each entry's vars under its vars/main.yaml): the whole play sees them, above play vars, as in Ansible. */
  roleVars?: Record<string, unknown>;
  become: boolean | string;
  gather_facts: boolean;
  /** Batch sizes; the last one repeats. Empty = all hosts at once. */
  serial: Array<number | string>;
  max_fail_percentage?: number;
  tags: string[];
  tasks: Task[];
  handlers: Task[];
  where: Where;
}

export interface Playbook {
  file: string;
  sha256: string;
  plays: Play[];
  /** What loading accepted but Ansible warns about, once each: `file:line:col: what`. */
  warnings?: string[];
}

export interface InventoryHost {
  name: string;
  /** Inventory vars for this host, merged as Ansible merges them (load/inventory/merge.ts). */
  vars: Record<string, unknown>;
  /** Where each of `vars` was written (file:line:col), for errors about it. */
  origins?: Record<string, Where>;
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  vars: Record<string, unknown>;
}

export interface Inventory {
  /** The sources as given (`-i`), joined by commas: how messages name the inventory. */
  file: string;
  /** The sources, absolute: what the run lock is keyed by. */
  sources?: string[];
  /** One line per ignored inventory var, for the CLI to print once on stderr. */
  warnings?: string[];
  /** Hosts in file order. */
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
}
