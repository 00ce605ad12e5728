import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricsText, writeMetrics, type HostMetrics } from "../../src/metrics/prometheus.js";

const hosts: HostMetrics[] = [
  {
    host: "web-1",
    driftTasks: 0,
    success: true,
    timestamp: 1795000000,
    goVersion: "go1.22.12",
    releases: [{ app: "hello", release: "ab12cd34" }],
  },
  { host: 'odd"host\\name', driftTasks: 2, success: false, timestamp: 1795000001 },
];

/** The samples of a text exposition, as a scraper reads them: name{labels} → value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    out.set(`${m![1]}{${m![2]}}`, Number(m![3]));
  }
  return out;
}

describe("metrics for node_exporter's textfile collector", () => {
  it("per host drift, last run and its success, the Go version and releases, parsed back", () => {
    const samples = parse(metricsText(hosts));
    expect(Object.fromEntries(samples)).toEqual({
      'armgo_drift_tasks{host="web-1"}': 0,
      'armgo_drift_tasks{host="odd\\"host\\\\name"}': 2,
      'armgo_last_run_timestamp_seconds{host="web-1"}': 1795000000,
      'armgo_last_run_timestamp_seconds{host="odd\\"host\\\\name"}': 1795000001,
      'armgo_last_run_success{host="web-1"}': 1,
      'armgo_last_run_success{host="odd\\"host\\\\name"}': 0,
      'armgo_go_version_info{host="web-1",version="go1.22.12"}': 1,
      'armgo_release_info{host="web-1",app="hello",release="ab12cd34"}': 1,
    });
  });

  it("is written atomically (no temp file left) and passes promtool check metrics", () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-metrics-"));
    const file = join(dir, "armgo.prom");
    writeMetrics(file, hosts);
    expect(readdirSync(dir)).toEqual(["armgo.prom"]);
    const text = readFileSync(file, "utf8");
    // promtool reads the exposition on stdin and exits non-zero on any format error
    expect(execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })).toBe("");
  });
});
