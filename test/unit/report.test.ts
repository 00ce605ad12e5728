import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { drifts, goOf, RELEASES, writeAuditFleet } from "../../bench/audit-fleet.js";
import { auditPath } from "../../src/audit/log.js";
import { report } from "../../src/commands/report.js";
import type { FleetReport } from "../../src/report/model.js";
import { readFleet } from "../../src/report/read.js";

const END = new Date("2026-11-30T00:00:00Z");
const NOW = new Date("2026-11-30T23:00:00Z");
const HOSTS = 40;
const DAYS = 6;

function fleet(spec = { hosts: HOSTS, days: DAYS, end: END }): string {
  const dir = mkdtempSync(join(tmpdir(), "armgo-report-"));
  writeAuditFleet(dir, spec);
  return dir;
}

/** Replace `from` by `to` in the given line of a host's log (1-based), or drop the line. */
function tamper(dir: string, host: string, line: number, edit: (text: string) => string | undefined): void {
  const path = auditPath(dir, host);
  const lines = readFileSync(path, "utf8").split("\n");
  const out = edit(lines[line - 1]!);
  if (out === undefined) lines.splice(line - 1, 1);
  else lines[line - 1] = out;
  writeFileSync(path, lines.join("\n"));
}

describe("armgo report's data, from a generated 40-host audit dir", () => {
  let r: FleetReport;
  let html: string;
  let dir: string;

  beforeAll(async () => {
    dir = fleet();
    tamper(dir, "web-0003", 4, (l) => l.replace('"status":"ok"', '"status":"changed"'));
    ({ report: r, html } = await report({ auditDirs: [dir], since: "30d", now: NOW }));
  });

  it("counts trusted hosts per Go version, the tampered host apart", () => {
    const want = new Map<string, number>();
    for (let i = 0; i < HOSTS; i++) if (i !== 2) want.set(`go${goOf(i)}`, (want.get(`go${goOf(i)}`) ?? 0) + 1);
    expect(Object.fromEntries(r.go_versions.map((g) => [g.key, g.hosts]))).toEqual(Object.fromEntries(want));
    expect(r.untrusted).toEqual(["web-0003"]);
    expect(r.hosts.find((h) => h.host === "web-0003")).toMatchObject({ trusted: false, chain: { state: "tampered" } });
    expect(r.hosts.find((h) => h.host === "web-0003")!.chain.detail).toMatch(/web-0003\.jsonl:4: edited/);
  });

  it("per release: v1 and v2 good, v3 bad on the canary, v2 current on every trusted host", () => {
    expect(r.releases.map((x) => [x.release, x.status, x.current, x.bad_on])).toEqual([
      [RELEASES.v1, "good", 0, []],
      [RELEASES.v2, "good", HOSTS - 1, []],
      [RELEASES.v3, "bad", 0, ["web-0001"]],
    ]);
    expect(r.hosts[0]!.apps).toEqual([
      { app: "hello", release: RELEASES.v2, status: "rolled back", left: RELEASES.v3 },
    ]);
    expect(r.deploys.filter((d) => d.kind === "rolled back")).toMatchObject([{ host: "web-0001", other: RELEASES.v3 }]);
  });

  it("drift found and fixed per day, from the trusted hosts' drift records", () => {
    const found = Array.from(
      { length: DAYS },
      (_, d) => Array.from({ length: HOSTS }, (_, i) => i).filter((i) => i !== 2 && drifts(i, d)).length,
    );
    const inWindow = r.days.slice(-DAYS);
    expect(inWindow.map((d) => d.drift_found)).toEqual(found);
    expect(inWindow.map((d) => d.drift_fixed)).toEqual(found);
    expect(r.runs.filter((x) => x.kind === "drift")).toHaveLength(DAYS);
  });

  it("each host's last run, drift state and timeline: check records marked, newest first", () => {
    const h = r.hosts.find((x) => x.host === "web-0002")!;
    expect(h).toMatchObject({ go: `go${goOf(1)}`, arch: "aarch64", glibc: "2.36", drift: { state: "in_sync" } });
    const t = r.timelines["web-0002"]!;
    expect(t.rows[0]!.ts >= t.rows[t.rows.length - 1]!.ts).toBe(true);
    expect(t.rows.find((x) => x.what === "drift --fix")).toMatchObject({ check: true });
  });

  it("the page: self-contained, the tampered host marked, secrets as the log masked them, nothing unescaped", () => {
    expect(html).not.toMatch(/<link|@import|url\(|src=|href="(?!#)/i);
    // the timelines' data and the script that draws them, both inline; no log text closes either
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).toContain("TAMPERED");
    expect(html).toMatch(/Tampered audit log: <a href="#host-web-0003">web-0003<\/a>/);
    expect(html).toContain("********");
    expect(html).toContain("<svg");
  });
});

describe("a log is tampered when", () => {
  it.each([
    { name: "a record is edited", edit: (l: string) => l.replace("ok", "ko"), line: 4 },
    { name: "a record is removed", edit: () => undefined, line: 3 },
    { name: "a line is cut short", edit: (l: string) => l.slice(0, 40), line: 5 },
  ])("$name", ({ edit, line }) => {
    const dir = fleet({ hosts: 2, days: 3, end: END });
    tamper(dir, "web-0002", line, edit);
    const [a, b] = readFleet([dir]);
    expect(a!.chain.state).toBe("verified");
    expect(b!.chain).toMatchObject({ state: "tampered", detail: expect.stringContaining(`:${line}: `) });
  });
});

describe("shards", () => {
  it("two audit dirs give the fleet's report; -i keeps the inventory's hosts and shows the unseen", async () => {
    const [a, b] = [fleet({ hosts: 3, days: 3, end: END }), fleet({ hosts: 5, days: 3, end: END })];
    const both = await report({ auditDirs: [a, b], now: NOW });
    expect(both.report.hosts.map((h) => h.host)).toEqual(["web-0001", "web-0002", "web-0003", "web-0004", "web-0005"]);
    expect(both.report.untrusted).toEqual([]);
    const inv = join(a, "hosts.ini");
    writeFileSync(inv, "web-0001\nweb-0009\n");
    const only = await report({ auditDirs: [a], inventory: [inv], now: NOW });
    expect(only.report.hosts.map((h) => [h.host, h.last_run?.result ?? "never run"])).toEqual([
      ["web-0001", "failed"],
      ["web-0009", "never run"],
    ]);
  });
});
