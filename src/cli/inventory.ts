// `armgo inventory` in the command table: --list as ansible-inventory prints it, or --graph.
import { inventories } from "./args.js";
import { type Command, inventoryOption, printWarnings } from "./command.js";
import { EXIT } from "./exit.js";

export const inventoryCommand: Command = {
  spec: {
    name: "inventory",
    usage: "armgo inventory -i INVENTORY [-i INVENTORY...] [--playbook-dir DIR] --list|--graph",
    summary: "Show an inventory's hosts, groups and merged vars, as ansible-inventory shows them.",
    positionals: [0, 0],
    options: {
      inventory: inventoryOption,
      "playbook-dir": {
        type: "string",
        arg: "DIR",
        help: "also read group_vars/ and host_vars/ beside a playbook in DIR",
      },
      list: { type: "boolean", help: "JSON: groups and every host's merged vars" },
      graph: { type: "boolean", help: "the group tree" },
    },
  },
  async run({ values: v }, print) {
    const { inventory } = await import("../commands/inventory.js");
    const dir = v["playbook-dir"] as string | undefined;
    const view = await inventory({
      inventory: inventories(v.inventory, inventoryCommand.spec),
      ...(dir ? { playbookDir: dir } : {}),
    });
    printWarnings(view.warnings);
    print(v.graph ? view.graph.join("\n") : JSON.stringify(view.list, null, 2));
    return EXIT.ok;
  },
};
