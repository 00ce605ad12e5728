// One inventory source (a file or a directory), tried as ansible-core tries its inventory plugins in
// order: an executable (or #!) file as a script, then YAML/JSON (by extension, or none), then INI.
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { InputError } from "../../errors.js";
import { YamlFile } from "../yaml.js";
import type { InventoryData } from "./data.js";
import { dirSources } from "./dir.js";
import { parseIni } from "./ini.js";
import { parseScript } from "./script.js";
import { parseYamlInventory, pluginName } from "./yaml.js";

const YAML_EXTS = [".yaml", ".yml", ".json"];

export interface SourceOptions {
  /** How long an inventory script may run (ms). */
  scriptTimeoutMs?: number;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && path.includes(",")) {
      throw new InputError("comma-separated host lists are not read as an inventory", {
        where: { file: path },
        hint: "write the hosts in an INI or YAML file",
        cause: e,
      });
    }
    throw new InputError(
      code === "ENOENT" ? "inventory not found" : `cannot read the inventory: ${(e as Error).message}`,
      {
        where: { file: path },
        hint: code === "ENOENT" ? "check the -i path" : undefined,
        cause: e,
      },
    );
  }
}

export function parseSource(path: string, inv: InventoryData, opts: SourceOptions = {}): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // not there: reading it says so
  }
  if (isDir) {
    for (const p of dirSources(path)) parseSource(p, inv, opts);
    return;
  }
  const text = readText(path);
  const ext = extname(path);
  let executable = text.startsWith("#!");
  try {
    accessSync(path, constants.X_OK);
    executable = true;
  } catch {
    // not executable: maybe still a script by its #! line
  }
  const failures: Array<{ kind: string; error: InputError }> = [];
  const attempt = (kind: string, parse: () => void): boolean => {
    try {
      parse();
      return true;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      failures.push({ kind, error: e });
      return false;
    }
  };
  if (executable && attempt("script", () => parseScript(path, inv, opts.scriptTimeoutMs))) return;
  // a #! file that failed as a script is not read as INI (Ansible would: a one-word line is a host)
  if (text.startsWith("#!")) throw failures[0]!.error;
  let yaml: YamlFile | undefined;
  if (!ext || YAML_EXTS.includes(ext)) {
    if (attempt("yaml", () => (yaml = YamlFile.parse(path, text, { ansible: true })))) {
      // a plugin's configuration is refused at once: no other reader would take it either
      if (pluginName(yaml!.data) !== undefined) parseYamlInventory(yaml!, inv);
      if (attempt("yaml", () => parseYamlInventory(yaml!, inv))) return;
    }
  }
  if (ext === ".toml") {
    throw new InputError("TOML inventories are not supported", {
      where: { file: path },
      hint: "convert it with ansible-inventory -i FILE --list --yaml",
    });
  }
  if (attempt("ini", () => parseIni(path, text, inv))) return;
  // the reader the file was most likely meant for tells what is wrong with it
  const meant =
    YAML_EXTS.includes(ext) || (yaml && typeof yaml.data === "object" && yaml.data !== null) ? "yaml" : "ini";
  throw (failures.find((f) => f.kind === meant) ?? failures[0]!).error;
}
