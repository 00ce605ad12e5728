// `-e key=value` and `-e @file.yaml`: extra vars, the highest precedence.
import { InputError } from "../errors.js";
import { checkExtraVars } from "./inventory/connection-vars.js";
import { YamlFile } from "./yaml.js";

export function parseExtraVars(items: string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const item of items) {
    if (item.startsWith("@")) {
      const data = YamlFile.read(item.slice(1)).data;
      if (!data || typeof data !== "object" || Array.isArray(data)) {
        throw new InputError(`-e ${item}: the file must hold a mapping of names to values`, {
          where: { file: item.slice(1) },
        });
      }
      Object.assign(vars, data);
      continue;
    }
    const eq = item.indexOf("=");
    if (eq <= 0) {
      throw new InputError(`-e '${item}' is not key=value or @file`, {
        hint: "write -e go_version=1.22.12 or -e @vars.yaml",
      });
    }
    vars[item.slice(0, eq)] = item.slice(eq + 1);
  }
  checkExtraVars(vars);
  return vars;
}
