// `group_vars/` and `host_vars/` beside an inventory source or a playbook, as ansible-core's
// host_group_vars plugin finds them: NAME, NAME.yml, NAME.yaml or NAME.json (the first that exists),
// and when that is a directory, every file under it in sorted order (hidden and `~` files skipped).
import { existsSync, readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { InputError } from "../../errors.js";
import { YamlFile } from "../yaml.js";
import { checkPassword } from "./connection-vars.js";
import type { VarMap } from "./data.js";

const EXTENSIONS = ["", ".yml", ".yaml", ".json"];

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Ansible's _get_dir_vars_files: sorted, recursing into subdirectories without an extension. */
function dirFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name.endsWith("~")) continue;
    const full = join(dir, name);
    const ext = extname(name);
    if (isDir(full)) {
      if (!ext) out.push(...dirFiles(full));
    } else if (!ext || EXTENSIONS.includes(ext)) out.push(full);
  }
  return out;
}

/** Ansible's find_vars_files: the files that hold `name`'s vars under `dir`. */
export function varsFiles(dir: string, name: string): string[] {
  const base = join(dir, name);
  for (const ext of EXTENSIONS) {
    const p = base + ext;
    if (!existsSync(p)) continue;
    return isDir(p) ? dirFiles(p) : [p];
  }
  return [];
}

/** Reads vars files once per load, keeping each var's position. */
export class VarsFiles {
  private readonly cache = new Map<string, VarMap>();
  private readonly found = new Map<string, VarMap>();

  /** The vars of one file: a mapping (an empty file has none). */
  read(file: string): VarMap {
    let vars = this.cache.get(file);
    if (vars) return vars;
    const yaml = YamlFile.read(file, { ansible: true });
    if (yaml.text.startsWith("$ANSIBLE_VAULT")) {
      throw new InputError("this vars file is encrypted with ansible-vault, which armgo does not read", {
        where: { file },
        hint: "keep secrets in env vars (password_env, become_password_env) and the rest unencrypted",
      });
    }
    const data = yaml.data;
    if (data !== null && data !== undefined && (typeof data !== "object" || Array.isArray(data))) {
      throw new InputError("a vars file must hold a mapping of names to values", { where: yaml.where([]) });
    }
    vars = new Map();
    for (const [k, v] of Object.entries((data ?? {}) as Record<string, unknown>)) {
      const where = yaml.where([k], true);
      checkPassword(k, where);
      vars.set(k, { value: v, where, valueAt: yaml.where([k]) });
    }
    this.cache.set(file, vars);
    return vars;
  }

  /** `kind` (group_vars or host_vars) vars of `name` beside `base`, merged in file order. */
  of(base: string, kind: "group_vars" | "host_vars", name: string): VarMap {
    const key = `${base}\0${kind}\0${name}`;
    let out = this.found.get(key);
    if (out) return out;
    out = new Map();
    this.found.set(key, out);
    const dir = join(base, kind);
    // Ansible skips names that look like absolute paths (chroot-style hosts)
    if (name.startsWith("/") || !this.isDir(dir)) return out;
    for (const f of varsFiles(dir, name)) for (const [k, v] of this.read(f)) out.set(k, v);
    return out;
  }

  private readonly dirs = new Map<string, boolean>();
  private isDir(dir: string): boolean {
    let d = this.dirs.get(dir);
    if (d === undefined) this.dirs.set(dir, (d = isDir(dir)));
    return d;
  }
}
