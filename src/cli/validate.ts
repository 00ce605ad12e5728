// `armgo validate` in the command table: schema-check a playbook (and inventories), contact nothing.
import { inventories } from "./args.js";
import { type Command, inventoryOption, printWarnings } from "./command.js";
import { EXIT } from "./exit.js";

export const validateCommand: Command = {
  spec: {
    name: "validate",
    usage: "armgo validate PLAYBOOK [-i INVENTORY]",
    summary: "Check a playbook (and inventory) against the schemas; every problem at file:line:col.",
    positionals: [1, 1],
    options: {
      inventory: { ...inventoryOption, help: "also validate this inventory (repeatable)" },
    },
  },
  async run({ values: v, positionals }, print) {
    const inv = v.inventory === undefined ? undefined : inventories(v.inventory, validateCommand.spec);
    const { validate } = await import("../commands/validate.js");
    const s = await validate({ playbook: positionals[0]!, ...(inv ? { inventory: inv } : {}) });
    printWarnings(s.warnings);
    print(
      `${positionals[0]}: ok — ${s.plays} play(s), ${s.tasks} task(s), ${s.handlers} handler(s)${s.hosts !== undefined ? `; ${inv!.join(", ")}: ${s.hosts} host(s)` : ""}`,
    );
    return EXIT.ok;
  },
};
