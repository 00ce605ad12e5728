// `armgo audit` and `armgo audit verify` in the command table.
import { InputError } from "../errors.js";
import { auditDirOption, type Command } from "./command.js";
import { EXIT } from "./exit.js";

export const auditCommand: Command = {
  spec: {
    name: "audit",
    usage:
      "armgo audit [HOST...] [--since 2h|DATE] [--run ID] [--changed] [--failed] [--json] | armgo audit verify [HOST...] [--head HASH]",
    summary:
      "Show what armgo did on each host, from the audit logs; `verify` checks each log's hash chain and names the first bad record.",
    positionals: [0, 10_000],
    options: {
      "audit-dir": auditDirOption,
      since: { type: "string", arg: "WHEN", help: "only records since 2h / 30m / 7d ago, or a date" },
      run: { type: "string", arg: "ID", help: "only this run's records" },
      changed: {
        type: "boolean",
        help: "only tasks that changed something (a check's or drift's \"would …\" did not)",
      },
      failed: { type: "boolean", help: "only tasks that failed or hosts that were unreachable" },
      json: { type: "boolean", help: "one JSON object a line" },
      head: {
        type: "string",
        arg: "HASH",
        help: "verify: the chain head saved from an earlier run (play --json prints audit_heads); catches a cut-off log",
      },
    },
  },
  async run({ values: v, positionals }, print) {
    const auditDir = v["audit-dir"] as string | undefined;
    if (positionals[0] === "verify") {
      const hosts = positionals.slice(1);
      const head = v.head as string | undefined;
      if (head !== undefined && hosts.length !== 1)
        throw new InputError("--head names one log's head: give exactly one HOST with it", {
          hint: "armgo audit verify HOST --head HASH",
        });
      const { auditVerify } = await import("../commands/audit.js");
      const verdicts = await auditVerify({ auditDir, hosts, head });
      for (const r of verdicts) {
        if (v.json) print(JSON.stringify(r));
        else if (r.bad) print(`${r.path}:${r.bad.line}: ${r.bad.what}`);
        else print(`${r.path}: ok — ${r.records} records, head ${r.head}`);
      }
      return verdicts.some((r) => r.bad) ? EXIT.failed : EXIT.ok;
    }
    const { auditTimeline } = await import("../commands/audit.js");
    const entries = await auditTimeline({
      auditDir,
      hosts: positionals,
      since: v.since as string | undefined,
      run: v.run as string | undefined,
      changed: Boolean(v.changed),
      failed: Boolean(v.failed),
    });
    for (const e of entries) {
      print(
        v.json
          ? JSON.stringify(e)
          : `${e.ts}  ${e.host}  ${e.status.padEnd(11)} ${e.check ? "[check: nothing done] " : ""}${e.task}${e.msg ? ` — ${e.msg}` : ""}  (run ${e.run_id.slice(0, 8)})`,
      );
    }
    return EXIT.ok;
  },
};
