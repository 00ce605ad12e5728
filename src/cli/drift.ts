// `armgo drift` in the command table: the runs as play shows them, then what drifted per host.
import type { DriftReport } from "../commands/drift.js";
import type { ChalkInstance } from "chalk";
import {
  becomePassword,
  type Command,
  interruptible,
  lockOptions,
  printWarnings,
  renderer,
  runOptions,
  runOptionsOf,
} from "./command.js";
import { banner } from "./banner.js";
import { formatDiff } from "./diff.js";
import { exitForDrift } from "./exit.js";
import { colors } from "./render.js";

export const driftCommand: Command = {
  spec: {
    name: "drift",
    usage: "armgo drift PLAYBOOK -i INVENTORY [--fix] [--metrics FILE] [--report FILE.html] [options]",
    summary:
      "Find hosts out of the state the playbook describes (a check run), and with --fix converge them and check again. Exit 0 in sync, 3 drift found, 6 drift fixed.",
    positionals: [1, 1],
    options: {
      fix: { type: "boolean", help: "converge the drifted hosts, then check them again" },
      metrics: {
        type: "string",
        arg: "FILE",
        help: "write Prometheus textfile metrics (node_exporter's textfile collector) when done",
      },
      report: {
        type: "string",
        arg: "FILE",
        help: "rewrite the HTML fleet report (armgo report) of this inventory and audit dir when done",
      },
      diff: { type: "boolean", short: "D", help: "show before/after of what drifted" },
      ...runOptions,
    },
  },
  async run(args, print) {
    const v = args.values;
    const opts = runOptionsOf(args, driftCommand.spec);
    const [{ drift }, { loadRun }] = await Promise.all([import("../commands/drift.js"), import("../load/run.js")]);
    const loaded = loadRun(opts);
    printWarnings(loaded.inventory.warnings);
    const report = await drift(
      {
        ...opts,
        ...(await becomePassword(v)),
        fix: Boolean(v.fix),
        metrics: v.metrics as string | undefined,
        report: v.report as string | undefined,
        signal: interruptible(),
        onEvent: renderer(v, opts),
        lock: lockOptions(v),
      },
      loaded,
    );
    const code = exitForDrift(report);
    if (v.json)
      print(
        JSON.stringify({
          type: "drift",
          run_ids: report.runIds,
          hosts: report.hosts,
          exit_code: code,
          audit_heads: report.auditHeads,
        }),
      );
    else for (const line of driftLines(report, Boolean(opts.diff), colors(process.stdout))) print(line);
    return code;
  },
};

/** Per host: each task that drifted (and whether --fix fixed it), then one count line. */
export function driftLines(report: DriftReport, diff: boolean, c: ChalkInstance): string[] {
  const out = ["", banner("DRIFT RECAP")];
  const count = { in_sync: 0, drifted: 0, fixed: 0, failed: 0, unreachable: 0 };
  for (const [host, d] of Object.entries(report.hosts)) {
    count[d.state]++;
    if (d.state === "failed" || d.state === "unreachable")
      out.push(c.red(`${d.state === "failed" ? "FAILED" : "UNREACHABLE"} [${host}] ${d.error ?? ""}`));
    for (const t of d.drifted) {
      const left = d.remaining.some((r) => r.play === t.play && r.task === t.task);
      // the check's "would switch …" is what --fix then did: a fixed line says it as done
      out.push(
        left
          ? c.yellow(`drifted: [${host}] ${t.task}: ${t.msg}`)
          : c.green(`fixed: [${host}] ${t.task}: ${t.msg.replace(/^would /, "")}`),
      );
      if (diff && t.diff) out.push(...formatDiff(t.diff).map((l) => `    ${l}`));
    }
  }
  const synced = Object.entries(report.hosts)
    .filter(([, d]) => d.state === "in_sync")
    .map(([h]) => h);
  if (synced.length) out.push(c.green(`in sync: ${synced.join(", ")}`));
  out.push(
    `${count.drifted} drifted, ${count.fixed} fixed, ${count.in_sync} in sync, ${count.failed} failed, ${count.unreachable} unreachable`,
  );
  return out;
}
