// Ansible-layout roles on disk: where a role is found and which of its files exist.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { InputError, type Where } from "../errors.js";
import { rolesDir } from "../paths.js";
import { didYouMean } from "./suggest.js";
import { YamlFile } from "./yaml.js";

export interface RoleFiles {
  name: string;
  dir: string;
  tasks?: string;
  handlers?: string;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
}

/** Like Ansible's roles_path: roles/ beside the playbook, then the roles armgo ships. */
export function roleSearchPath(playbookFile: string): string[] {
  return [join(dirname(playbookFile), "roles"), rolesDir];
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** A role's directory: a name from the search path, or a path (it holds a '/') relative to the playbook. */
export function findRole(name: string, playbookFile: string, where: Where): string {
  if (name.includes("/")) {
    const dir = isAbsolute(name) ? name : join(dirname(playbookFile), name);
    if (isDir(dir)) return dir;
    throw new InputError(`role '${name}' not found: no directory ${dir}`, { where });
  }
  const search = roleSearchPath(playbookFile);
  for (const d of search) if (isDir(join(d, name))) return join(d, name);
  const known = search.filter(isDir).flatMap((d) => readdirSync(d).filter((n) => isDir(join(d, n))));
  const nearest = didYouMean(name, known);
  throw new InputError(`role '${name}' not found in ${search.join(", ")}${nearest}`, {
    where,
    hint: nearest ? undefined : `put it in ${join(search[0]!, name)}/tasks/main.yaml`,
  });
}

/** `main.yaml`, else `main.yml`, in one of the role's folders. */
function mainFile(dir: string, folder: string): string | undefined {
  return ["main.yaml", "main.yml"].map((f) => join(dir, folder, f)).find(existsSync);
}

/** A mapping file (defaults, vars, meta); empty when the role has none. */
function mapping(dir: string, folder: string): Record<string, unknown> {
  const file = mainFile(dir, folder);
  if (!file) return {};
  const data = YamlFile.read(file).data ?? {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new InputError(`${folder}/ of a role must hold a mapping of names to values`, {
      where: { file, line: 1, col: 1 },
    });
  }
  return data as Record<string, unknown>;
}

export function roleFiles(name: string, dir: string): RoleFiles {
  const deps = mapping(dir, "meta").dependencies;
  if (Array.isArray(deps) && deps.length > 0) {
    // silently skipping them would run the role without what it relies on
    throw new InputError(`role '${name}' has dependencies, which armgo does not resolve`, {
      where: { file: mainFile(dir, "meta"), line: 1, col: 1 },
      hint: "list those roles before it in the play's roles",
    });
  }
  return {
    name,
    dir,
    tasks: mainFile(dir, "tasks"),
    handlers: mainFile(dir, "handlers"),
    defaults: mapping(dir, "defaults"),
    vars: mapping(dir, "vars"),
  };
}
