// `armgo cron install | list | remove` in the command table.
import { InputError } from "../errors.js";
import { inventories, required } from "./args.js";
import { auditDirOption, type Command, inventoryOption } from "./command.js";
import { EXIT } from "./exit.js";
import { warningLine } from "./render.js";

const ACTIONS = ["install", "list", "remove"];

export const cronCommand: Command = {
  spec: {
    name: "cron",
    usage:
      "armgo cron install PLAYBOOK -i INVENTORY --every 30m [--fix] [--name NAME] [--metrics FILE] [--report FILE.html] [--systemd] | armgo cron list | armgo cron remove NAME",
    summary:
      "Run armgo drift on a schedule (this user's crontab, or a systemd timer), spread by a start delay derived from the name.",
    positionals: [1, 2],
    options: {
      inventory: { ...inventoryOption, help: "install: inventory (required; repeatable)" },
      every: { type: "string", arg: "PERIOD", help: "install: 5m, 10m, 15m, 20m, 30m, 1h, 2h, ... 24h (required)" },
      fix: { type: "boolean", help: "install: converge drifted hosts, not only report them" },
      name: {
        type: "string",
        arg: "NAME",
        help: "install: the entry's name (default PLAYBOOK-INVENTORY-HASH: the files' stems and a hash of the inventory paths)",
      },
      metrics: { type: "string", arg: "FILE", help: "install: Prometheus textfile drift writes" },
      report: {
        type: "string",
        arg: "FILE",
        help: "install: the HTML fleet report (armgo report) drift rewrites after each run",
      },
      "audit-dir": auditDirOption,
      log: {
        type: "string",
        arg: "FILE",
        help: "install: where the entry appends its output (default ~/.cache/armgo/cron/NAME.log)",
      },
      systemd: { type: "boolean", help: "install: a systemd service + timer instead of a crontab line" },
    },
  },
  async run({ values: v, positionals }, print) {
    const [action, arg] = positionals as [string, string | undefined];
    if (!ACTIONS.includes(action))
      throw new InputError(`unknown cron command '${action}'`, { hint: `usage: ${cronCommand.spec.usage}` });
    const { cronInstall, cronList, cronRemove } = await import("../commands/cron.js");
    if (action === "list") {
      const entries = await cronList();
      if (entries.length === 0) print("no armgo cron entries (armgo cron install adds one)");
      for (const e of entries) print(`${e.name}\t${e.line}`);
      return EXIT.ok;
    }
    if (arg === undefined)
      throw new InputError(`armgo cron ${action} needs ${action === "install" ? "a PLAYBOOK" : "a NAME"}`, {
        hint: `usage: ${cronCommand.spec.usage}`,
      });
    if (action === "remove") {
      if (!(await cronRemove(arg)))
        throw new InputError(`no armgo cron entry named '${arg}'`, { hint: "see armgo cron list" });
      print(`removed ${arg}`);
      return EXIT.ok;
    }
    const r = await cronInstall({
      playbook: arg,
      inventory: inventories(v.inventory, cronCommand.spec),
      every: required(v.every, "--every PERIOD", cronCommand.spec),
      fix: Boolean(v.fix),
      name: v.name as string | undefined,
      metrics: v.metrics as string | undefined,
      report: v.report as string | undefined,
      auditDir: v["audit-dir"] as string | undefined,
      log: v.log as string | undefined,
      systemd: Boolean(v.systemd),
    });
    for (const w of r.warnings ?? []) process.stderr.write(warningLine(w));
    print(r.line ? `installed ${r.name}: ${r.line}` : `installed ${r.name}: ${r.files!.join(", ")}`);
    print(`log: ${r.log}`);
    return EXIT.ok;
  },
};
