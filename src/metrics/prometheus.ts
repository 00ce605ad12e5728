// `--metrics FILE`: the fleet's state in Prometheus text format, for node_exporter's textfile
// collector, which may read the file at any moment: written whole to a temp name, then renamed.
import { writeFileAtomic } from "../write-file.js";

export interface HostMetrics {
  host: string;
  /** Tasks out of the wanted state after this run (0 when in sync or all fixed). */
  driftTasks: number;
  success: boolean;
  /** Unix seconds the run ended. */
  timestamp: number;
  goVersion?: string;
  releases?: Array<{ app: string; release: string }>;
}

interface Family {
  name: string;
  help: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

// The exposition format escapes backslash, double quote and newline in label values.
function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${labelValue(v)}"`)
        .join(",");
      out.push(`${f.name}{${labels}} ${s.value}`);
    }
  }
  return out.join("\n") + "\n";
}

export function metricsText(hosts: HostMetrics[]): string {
  return render([
    {
      name: "armgo_drift_tasks",
      help: "Tasks out of the wanted state after the last armgo run.",
      samples: hosts.map((h) => ({ labels: { host: h.host }, value: h.driftTasks })),
    },
    {
      name: "armgo_last_run_timestamp_seconds",
      help: "When the last armgo run on the host ended.",
      samples: hosts.map((h) => ({ labels: { host: h.host }, value: h.timestamp })),
    },
    {
      name: "armgo_last_run_success",
      help: "1 when the last armgo run reached the host and no task failed.",
      samples: hosts.map((h) => ({ labels: { host: h.host }, value: h.success ? 1 : 0 })),
    },
    {
      name: "armgo_go_version_info",
      help: "The Go toolchain the host's go command runs.",
      samples: hosts
        .filter((h) => h.goVersion)
        .map((h) => ({ labels: { host: h.host, version: h.goVersion! }, value: 1 })),
    },
    {
      name: "armgo_release_info",
      help: "The release each app's current symlink points to.",
      samples: hosts.flatMap((h) =>
        (h.releases ?? []).map((r) => ({ labels: { host: h.host, app: r.app, release: r.release }, value: 1 })),
      ),
    },
  ]);
}

export function writeMetrics(file: string, hosts: HostMetrics[]): void {
  // The textfile collector reads *.prom only: the temp name is never half-read.
  writeFileAtomic(file, metricsText(hosts));
}
