// `armgo report` in the command table.
import { InputError } from "../errors.js";
import { auditDirOption, type Command, inventoryOption } from "./command.js";
import { EXIT } from "./exit.js";

export const reportCommand: Command = {
  spec: {
    name: "report",
    usage: "armgo report [--audit-dir DIR]... [-i INVENTORY] [--since 30d] -o fleet.html [--json]",
    summary:
      "Write the fleet as one self-contained HTML page (Go versions, releases, drift and runs over time, each host's timeline) from the audit logs and kept facts; no host is contacted.",
    positionals: [0, 0],
    options: {
      "audit-dir": {
        ...auditDirOption,
        multiple: true,
        help: "per-host JSONL audit logs (default .armgo/audit); repeat it for each shard's dir to report the whole fleet",
      },
      inventory: { ...inventoryOption, help: "only this inventory's hosts; those without a log show as never run" },
      since: { type: "string", arg: "WHEN", help: "window of the over-time views: 30d (default), 7d, 12h, or a date" },
      out: { type: "string", short: "o", arg: "FILE", help: "the HTML page (written to a temp name, then renamed)" },
      json: { type: "boolean", help: "print the page's data as one JSON object" },
    },
  },
  async run({ values: v }, print) {
    const out = v.out as string | undefined;
    if (out === undefined && !v.json)
      throw new InputError("armgo report needs -o FILE (the page) or --json (its data)", {
        hint: `usage: ${reportCommand.spec.usage}`,
      });
    const { report } = await import("../commands/report.js");
    const inventory = v.inventory as string[] | undefined;
    const r = await report({
      auditDirs: v["audit-dir"] as string[] | undefined,
      inventory: inventory?.length ? inventory : undefined,
      since: v.since as string | undefined,
      out,
    });
    if (v.json) print(JSON.stringify(r.report));
    else {
      const { hosts, untrusted } = r.report;
      const tampered = untrusted.length ? `; tampered: ${untrusted.join(", ")}` : "";
      print(`wrote ${out}: ${hosts.length} hosts, ${Math.round(Buffer.byteLength(r.html) / 1024)} KiB${tampered}`);
    }
    return EXIT.ok;
  },
};
