// The report's cache of each log's verified prefix: a rerun parses only what was appended, and no
// change to the log (an edit inside the prefix, a truncation, a rotation, a doctored cache) is hidden by it.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeAuditFleet } from "../../bench/audit-fleet.js";
import { AuditLog, auditPath } from "../../src/audit/log.js";
import { cachePath, readCaches } from "../../src/report/cache.js";
import { type LogRead, readFleet, readLog } from "../../src/report/read.js";

const END = new Date("2026-11-30T00:00:00Z");
const HOST = "web-0001";

/** A one-host audit dir of `days` days; returns its log's path. */
function log(days: number): string {
  const dir = mkdtempSync(join(tmpdir(), "armgo-report-cache-"));
  writeAuditFleet(dir, { hosts: 1, days, end: END });
  return auditPath(dir, HOST);
}

const lines = (path: string): string[] => readFileSync(path, "utf8").split("\n").slice(0, -1);
const editLine = (path: string, n: number, edit: (l: string) => string): void => {
  const all = lines(path);
  all[n - 1] = edit(all[n - 1]!);
  writeFileSync(path, all.join("\n") + "\n");
};
const editCache = (path: string, edit: (c: Record<string, unknown>) => void): void => {
  const c = JSON.parse(readFileSync(cachePath(dirname(path)), "utf8")) as Record<string, unknown>;
  edit(c);
  writeFileSync(cachePath(dirname(path)), JSON.stringify(c) + "\n");
};
const append = (path: string, msg: string): void => {
  const audit = AuditLog.open(join(path, ".."), HOST, (v) => v, "0.1.0");
  audit.write({
    type: "run_start",
    run_id: "late",
    host: HOST,
    controller_user: "ops",
    armgo_version: "0.1.0",
    playbook: msg,
    playbook_sha256: "0".repeat(64),
    check: false,
  });
  audit.close();
};

/** The log read as a report reads it (which writes the dir's cache), and how much came from the cache. */
function read(path: string): LogRead {
  const r = readLog(path, readCaches(dirname(path)).get(basename(path)));
  const [h] = [...readFleet([dirname(path)])];
  expect(h!.chain).toEqual(r.verdict);
  return r;
}

/** What a read finds, without where it came from. */
const bare = (r: LogRead) => ({ ...r, dir: "", cache: undefined, cachedBytes: 0 });

/** What a read of the log finds with no cache: the truth the cached read must equal. */
function uncached(path: string): ReturnType<typeof bare> {
  const copy = join(mkdtempSync(join(tmpdir(), "armgo-report-cache-")), `${HOST}.jsonl`);
  copyFileSync(path, copy);
  const r = readLog(copy);
  return bare({ ...r, verdict: { ...r.verdict, detail: r.verdict.detail?.replace(copy, path) } });
}

describe("the report's cache of a log's verified prefix", () => {
  it.each([
    { name: "nothing changed: the whole log comes from the cache", change: () => {}, state: "verified", cached: "all" },
    {
      name: "records appended: only they are parsed",
      change: (p: string) => append(p, "/srv/late.yaml"),
      state: "verified",
      cached: "all before",
    },
    {
      name: "a record inside the cached prefix edited: tampered",
      change: (p: string) => editLine(p, 3, (l) => l.replace('"status":"ok"', '"status":"changed"')),
      state: "tampered",
      cached: "none",
    },
    {
      name: "appended, then a record inside the prefix edited: tampered",
      change: (p: string) => {
        append(p, "/srv/late.yaml");
        editLine(p, 2, (l) => l.replace("/srv/site.yaml", "/srv/other.yaml"));
      },
      state: "tampered",
      cached: "none",
    },
    {
      name: "a line appended cut short: tampered at that line, the prefix still from the cache",
      change: (p: string) => writeFileSync(p, readFileSync(p, "utf8") + '{"ts":"2026-12-01'),
      state: "tampered",
      cached: "all before",
    },
    {
      name: "truncated (its newest records gone): read in full",
      change: (p: string) => writeFileSync(p, lines(p).slice(0, 30).join("\n") + "\n"),
      state: "verified",
      cached: "none",
    },
    {
      name: "rotated to a longer log with another chain: read in full",
      change: (p: string) => copyFileSync(log(4), p),
      state: "verified",
      cached: "none",
    },
    {
      name: "the cache's head changed: read in full",
      change: (p: string) => editCache(p, (c) => (c.head = "f".repeat(64))),
      state: "verified",
      cached: "none",
    },
    {
      name: "the cache's record count changed: read in full",
      change: (p: string) => editCache(p, (c) => (c.records = Number(c.records) - 1)),
      state: "verified",
      cached: "none",
    },
    {
      name: "the cache's length cut inside a line: read in full",
      change: (p: string) => editCache(p, (c) => (c.bytes = Number(c.bytes) - 10)),
      state: "verified",
      cached: "none",
    },
    {
      name: "a cache of another format: read in full",
      change: (p: string) => editCache(p, (c) => (c.format = 0)),
      state: "verified",
      cached: "none",
    },
    {
      name: "a cache that is not JSON: read in full",
      change: (p: string) => writeFileSync(cachePath(dirname(p)), "{"),
      state: "verified",
      cached: "none",
    },
  ])("$name", ({ change, state, cached }) => {
    const path = log(3);
    const first = read(path);
    expect(first).toMatchObject({ cachedBytes: 0, verdict: { state: "verified" } });
    const size = readFileSync(path).length;
    expect(JSON.parse(readFileSync(cachePath(dirname(path)), "utf8"))).toMatchObject({
      bytes: size,
      records: first.verdict.records,
    });

    change(path);
    const again = read(path);
    expect(again.verdict.state).toBe(state);
    expect(again.cachedBytes).toBe(cached === "none" ? 0 : size);
    if (cached === "all") expect(bare(again)).toEqual(bare(first));
    // cached or not, the read is the one a read of the bare log gives
    expect(bare(again)).toEqual(uncached(path));
  });

  it("is one file in the audit dir, written by temp file and rename, not rewritten when no log changed, and not taken from a tampered log", () => {
    const path = log(2);
    const file = cachePath(dirname(path));
    read(path);
    const inode = () => statSync(file).ino;
    const first = inode();
    read(path);
    expect(inode()).toBe(first);
    append(path, "/srv/late.yaml");
    read(path);
    expect(inode()).not.toBe(first);
    expect(readdirSync(dirname(path)).sort()).toEqual(["report.cache", `${HOST}.facts.json`, `${HOST}.jsonl`]);
    const written = readFileSync(file, "utf8");
    editLine(path, 3, (l) => l.replace('"status":"ok"', '"status":"failed"'));
    expect(read(path).verdict.state).toBe("tampered");
    // a tampered log's reading is not kept: the cache still holds the prefix verified before
    expect(readFileSync(file, "utf8")).toBe(written);
  });
});
