// `armgo releases`: per host, an app's current and kept releases. Read-only: a check run of one
// read-only command, so connections, host keys, forks, audit and unreachable hosts go as in a play.
import { ArmgoError } from "../errors.js";
import { runPlaybook } from "../engine/run.js";
import type { RunOptions, TaskResult } from "../engine/types.js";
import { appDir, manifestPath, parseManifest, type Release } from "../modules/deploy/index.js";
import { type AppOptions, appRun, deployArgs } from "./app.js";

export interface ReleasesOptions
  extends
    AppOptions,
    Pick<RunOptions, "forks" | "auditDir" | "hostKeyChecking" | "knownHosts" | "sshConfig" | "signal" | "onNotice"> {}

export type HostReleases = { current?: string; releases: Release[] } | { unreachable: string } | { failed: string };

export interface ReleasesReport {
  app: string;
  appDir: string;
  /** Inventory order; a host with nothing deployed has no releases. */
  hosts: Record<string, HostReleases>;
  runId: string;
  interrupted: boolean;
}

// $1 the manifest, $2 the current link: the link's target on the first line (empty without one), then the manifest.
const READ = `{ readlink "$2" || echo; } 2>/dev/null\n[ ! -f "$1" ] || cat "$1"`;

/** What one host's result says: the link shows what is served, the manifest what is kept. */
function hostReleases(r: TaskResult, app: string): HostReleases {
  if (r.status === "unreachable") return { unreachable: r.msg };
  if (r.status !== "ok") return { failed: r.msg };
  const out = typeof r.data?.stdout === "string" ? r.data.stdout : "";
  const nl = out.indexOf("\n");
  const link = nl < 0 ? out : out.slice(0, nl);
  try {
    const m = parseManifest(nl < 0 ? "" : out.slice(nl + 1), app);
    const current = link ? link.replace(/\/+$/, "").split("/").pop() : m.current;
    return { ...(current ? { current } : {}), releases: m.releases };
  } catch (e) {
    if (!(e instanceof ArmgoError)) throw e;
    return { failed: e.oneLine() };
  }
}

export async function releases(opts: ReleasesOptions): Promise<ReleasesReport> {
  const args = deployArgs(opts, true);
  const dir = appDir(args);
  const loaded = appRun(
    opts,
    `armgo releases --app ${opts.app}`,
    { name: `releases of ${opts.app}`, serial: [], gather_facts: false },
    // changed_when false + check_mode false: a read-only command, run while probing under --check
    {
      name: "read releases.json",
      module: "command",
      args: { argv: ["sh", "-c", READ, "sh", manifestPath(dir), `${dir}/current`] },
      changed_when: false,
      check_mode: false,
    },
  );
  const results = new Map<string, TaskResult>();
  const run = await runPlaybook(
    { ...opts, check: true, onEvent: (e) => void (e.type === "task_result" && results.set(e.result.host, e.result)) },
    loaded,
  );
  const hosts: Record<string, HostReleases> = {};
  for (const h of Object.keys(run.recap)) {
    const r = results.get(h);
    hosts[h] = r ? hostReleases(r, opts.app) : { failed: "no result (interrupted)" };
  }
  return { app: opts.app, appDir: dir, hosts, runId: run.runId, interrupted: run.interrupted };
}
