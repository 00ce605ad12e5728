// `armgo releases` and `armgo rollback` in the command table: an app's releases per host, and a
// rollback shown as a play is, with the recap's releases block.
import type { ChalkInstance } from "chalk";
import type { ReleasesReport } from "../commands/releases.js";
import { ROLLBACK_SERIAL } from "../commands/rollback-serial.js";
import { inventories, required, type OptionSpec, type Parsed } from "./args.js";
import {
  auditDirOption,
  becomePassword,
  type Command,
  connection,
  connectionOptions,
  finishRun,
  interruptible,
  inventoryOption,
  lockOptions,
  printWarnings,
  renderer,
} from "./command.js";
import { exitForReleases } from "./exit.js";
import { colors } from "./render.js";

const appOptions: Record<string, OptionSpec> = {
  inventory: inventoryOption,
  app: { type: "string", arg: "NAME", help: "the deploy task's app (required)" },
  "app-dir": { type: "string", arg: "DIR", help: "where the app's releases live (default /opt/NAME)" },
  "audit-dir": auditDirOption,
  json: { type: "boolean", help: "machine-readable output on stdout" },
  ...connectionOptions,
};

function appOf(v: Parsed["values"], spec: Command["spec"]) {
  return {
    inventory: inventories(v.inventory, spec),
    app: required(v.app, "--app NAME", spec),
    appDir: v["app-dir"] as string | undefined,
    auditDir: v["audit-dir"] as string | undefined,
    ...connection(v),
    onWarnings: printWarnings,
  };
}

export const releasesCommand: Command = {
  spec: {
    name: "releases",
    usage: "armgo releases -i INVENTORY --app NAME [--app-dir DIR] [--limit PATTERN] [--json]",
    summary:
      "Show, per host, an app's current release and the releases kept there, with status (good, bad, unfinished) and when each was deployed. Changes nothing.",
    positionals: [0, 0],
    options: appOptions,
  },
  async run({ values: v }, print) {
    const { releases } = await import("../commands/releases.js");
    const report = await releases({
      ...appOf(v, releasesCommand.spec),
      ...(await becomePassword(v)),
      signal: interruptible(),
    });
    const code = exitForReleases(report);
    if (v.json)
      print(
        JSON.stringify({
          type: "releases",
          app: report.app,
          app_dir: report.appDir,
          run_id: report.runId,
          hosts: report.hosts,
          exit_code: code,
        }),
      );
    else for (const line of releasesTable(report, colors(process.stdout))) print(line);
    return code;
  },
};

/** One row per kept release, newest first, current marked `*`; a host without releases, or not answering, on one line. */
export function releasesTable(report: ReleasesReport, c: ChalkInstance): string[] {
  const rows: string[][] = [];
  const notes = new Map<number, string>();
  for (const [host, h] of Object.entries(report.hosts)) {
    if ("unreachable" in h || "failed" in h) {
      notes.set(
        rows.length,
        "unreachable" in h ? c.red(`UNREACHABLE: ${h.unreachable}`) : c.red(`FAILED: ${h.failed}`),
      );
      rows.push([host]);
      continue;
    }
    if (h.releases.length === 0) {
      notes.set(rows.length, c.cyan(`nothing deployed in ${report.appDir}`));
      rows.push([host]);
      continue;
    }
    [...h.releases]
      .reverse()
      .forEach((r, i) =>
        rows.push([
          i === 0 ? host : "",
          r.sha === h.current ? "*" : "",
          r.sha,
          r.status,
          r.deployed_at,
          r.artifact,
          r.run,
          r.why ?? "",
        ]),
      );
  }
  // WHY only when a bad release says why (the failed health check or analysis)
  const head = [
    "HOST",
    "",
    "RELEASE",
    "STATUS",
    "DEPLOYED",
    "ARTIFACT",
    "RUN",
    ...(rows.some((r) => r[7]) ? ["WHY"] : []),
  ];
  const w = head.map((_, i) => Math.max(head[i]!.length, ...rows.map((r) => (r[i] ?? "").length)));
  const status = (s: string) => (s.startsWith("good") ? c.green(s) : s.startsWith("bad") ? c.red(s) : c.yellow(s));
  // colour after padding: escape codes would throw the widths off
  const line = (r: string[], colour = true) =>
    r
      .map((x, i) => (colour && i === 3 ? status(x.padEnd(w[i]!)) : x.padEnd(w[i]!)))
      .join("  ")
      .trimEnd();
  return [
    line(head, false),
    ...rows.map((r, i) => (notes.has(i) ? `${r[0]!.padEnd(w[0]!)}  ${notes.get(i)}` : line(r))),
  ];
}

export const rollbackCommand: Command = {
  spec: {
    name: "rollback",
    usage: "armgo rollback -i INVENTORY --app NAME [--to SHA] [--limit PATTERN] [--check]",
    summary: `Switch an app back to its last good release (or --to one) on every host, through the deploy module: restart, health check, manifest. One host first, then the rest (serial ${JSON.stringify(ROLLBACK_SERIAL)}); a failed first host stops it.`,
    positionals: [0, 0],
    options: {
      to: {
        type: "string",
        arg: "SHA",
        help: "a release kept on the hosts (a sha prefix, as armgo releases shows it); default the last good one before current",
      },
      check: { type: "boolean", short: "C", help: "say which release would become current, change nothing" },
      diff: { type: "boolean", short: "D", help: "show before/after of what changes" },
      "no-wait": {
        type: "boolean",
        help: "if another run of this inventory holds the run lock, stop (exit 7) instead of waiting",
      },
      verbose: { type: "boolean", short: "v", multiple: true, help: "show remote commands and their output" },
      ...appOptions,
    },
  },
  async run({ values: v }, print) {
    const opts = {
      ...appOf(v, rollbackCommand.spec),
      to: v.to as string | undefined,
      check: Boolean(v.check),
      diff: Boolean(v.diff),
      verbose: Boolean(v.verbose),
    };
    const { rollback } = await import("../commands/rollback.js");
    const result = await rollback({
      ...opts,
      ...(await becomePassword(v)),
      signal: interruptible(),
      onEvent: renderer(v, opts),
      lock: lockOptions(v),
    });
    return finishRun(result, Boolean(v.json), print);
  },
};
