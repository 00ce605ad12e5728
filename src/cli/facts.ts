// `armgo facts` in the command table: every selected host's facts as JSON.
import { inventories } from "./args.js";
import {
  becomePassword,
  type Command,
  connection,
  connectionOptions,
  inventoryOption,
  printWarnings,
} from "./command.js";
import { exitForHosts } from "./exit.js";

export const factsCommand: Command = {
  spec: {
    name: "facts",
    usage: "armgo facts -i INVENTORY [--limit PATTERN]",
    summary:
      "Gather facts (arch, goarch, OS, libc, shell, tools, installed Go) from each host in one command, and print them as JSON.",
    positionals: [0, 0],
    options: {
      inventory: inventoryOption,
      ...connectionOptions,
    },
  },
  async run({ values: v }, print) {
    const { collectFacts } = await import("../commands/facts.js");
    const report = await collectFacts({
      inventory: inventories(v.inventory, factsCommand.spec),
      ...connection(v),
      ...(await becomePassword(v)),
      onWarnings: printWarnings,
    });
    print(JSON.stringify(report, null, 2));
    return exitForHosts(report);
  },
};
