import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog, auditPath, readAudit } from "../../src/audit/log.js";
import { renderBlock } from "../../src/modules/env-profile/block.js";
import { MASK, redact, secretForms, Secrets, secretValues } from "../../src/audit/redact.js";
import { timeline } from "../../src/audit/query.js";
import { verifyLog } from "../../src/audit/verify.js";
import { writeAuditFleet } from "../../bench/audit-fleet.js";
import { lazyVars } from "../../src/engine/vars.js";
import { commandScript } from "../../src/modules/command/index.js";
import { exportLines, quote, sh } from "../../src/transport/quote.js";

describe("redaction", () => {
  const vars = {
    user: "root",
    db_password: "hunter2-long",
    api: { token: "tok-123456" },
    nested: { secret_key: 42424242 },
    harmless: "hunter",
  };
  const secrets = secretValues(vars);

  it("collects the values of secret-named vars, however deep", () => {
    expect(secrets.sort()).toEqual(["42424242", "hunter2-long", "tok-123456"]);
  });

  it.each<[unknown, unknown]>([
    ["curl -H 'Authorization: tok-123456' x", `curl -H 'Authorization: ${MASK}' x`],
    ["pw=hunter2-long; user=root", `pw=${MASK}; user=root`],
    [
      { script: "echo 42424242", code: 0 },
      { script: `echo ${MASK}`, code: 0 },
    ],
    [{ password: "anything at all" }, { password: MASK }],
    [
      ["hunter", "hunter2-long"],
      ["hunter", MASK],
    ],
  ])("%j → %j", (input, out) => {
    expect(redact(input, secrets)).toEqual(out);
  });
});

describe("a host's secrets, in every form a record holds them", () => {
  const SECRETS = ["plain-secret-1", "it's a 'secret'", 'back\\slash"and quote'];
  // how a value reaches a record: through the one quoting helper, or as JSON text in a command's output
  const FORMS: Array<[string, (s: string) => string]> = [
    ["raw in a command line", (s) => `echo ${s}`],
    ["a quoted word", (s) => sh`echo ${s}`],
    ["inside a larger quoted word", (s) => sh`curl -u ${`user:${s}`} x`],
    ["an environment export line", (s) => exportLines({ API_TOKEN: s })],
    ["the stdin printf word", (s) => commandScript({ cmd: "cat", stdin: s })],
    ["JSON output", (s) => JSON.stringify({ value: s })],
    [
      "a file's content in base64",
      (s) => sh`printf '%s' ${Buffer.from(renderBlock({ name: "go", env: { API_TOKEN: s } })).toString("base64")}`,
    ],
  ];
  const secrets = new Secrets().add(SECRETS);

  it.each(FORMS.flatMap(([name, form]) => SECRETS.map((s) => [name, s, form(s)] as const)))(
    "%s: %j",
    (_name, secret, text) => {
      const masked = secrets.scrub(text);
      expect(masked).toContain(MASK);
      for (const f of [...secretForms(secret), quote(secret)]) expect(masked).not.toContain(f);
    },
  );

  it("knows secret-named vars of every layer as rendered, skips what can't render yet, leaves the rest", () => {
    const view = lazyVars([
      { base: "tmpl-9999", db_password: "{{ base }}-db", later_token: "{{ not_yet.stdout }}" },
      { api: { token: "nested-tok-1" }, user: "deploy" },
    ]);
    const s = new Secrets().addVars(view);
    expect(s.scrub("pw tmpl-9999-db tok nested-tok-1 user deploy base tmpl-9999")).toBe(
      `pw ${MASK} tok ${MASK} user deploy base tmpl-9999`,
    );
  });
});

describe("audit log", () => {
  it("appends one JSON line per record, masked, and keeps earlier runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-audit-"));
    const scrub = <T>(v: T): T => redact(v, ["s3cr3t-value"]);
    for (const run of ["r1", "r2"]) {
      const log = AuditLog.open(dir, "lab/arm64 1", scrub, "0.0.0");
      log.write({
        type: "run_start",
        run_id: run,
        host: "h",
        controller_user: "u",
        armgo_version: "0",
        playbook: "p",
        playbook_sha256: "x",
        check: false,
      });
      log.write({
        type: "task",
        run_id: run,
        host: "h",
        play: "p",
        task: "t",
        module: "command",
        status: "ok",
        changed: false,
        msg: "echo s3cr3t-value",
        commands: [],
        duration_ms: 1,
      });
      log.write({ type: "run_end", run_id: run, host: "h", recap: { ok: 1 } });
      log.close();
    }
    // a host name never climbs out of the audit dir
    expect(auditPath(dir, "../etc/x")).toBe(join(dir, ".._etc_x.jsonl"));
    const path = auditPath(dir, "lab/arm64 1");
    const records = readAudit(path);
    expect(records.map((r) => (r.type === "genesis" ? "genesis" : `${r.run_id}:${r.type}`))).toEqual([
      "genesis",
      "r1:run_start",
      "r1:task",
      "r1:run_end",
      "r2:run_start",
      "r2:task",
      "r2:run_end",
    ]);
    expect(readFileSync(path, "utf8")).not.toContain("s3cr3t-value");
    expect(records[2]).toMatchObject({ msg: `echo ${MASK}` });
    expect(records.every((r) => typeof r.ts === "string")).toBe(true);
  });
});

describe("audit hash chain", () => {
  const scrub = <T>(v: T): T => v;
  /** A log of three runs, as `armgo play` writes it; returns its path, its lines and each run's end hash. */
  function writeRuns(dir: string, host = "h1"): { path: string; lines: string[]; heads: string[] } {
    const heads: string[] = [];
    for (const run of ["r1", "r2", "r3"]) {
      const log = AuditLog.open(dir, host, scrub, "0.0.0");
      log.write({
        type: "run_start",
        run_id: run,
        host,
        controller_user: "u",
        armgo_version: "0",
        playbook: "p",
        playbook_sha256: "x",
        check: false,
      });
      log.write({
        type: "task",
        run_id: run,
        host,
        play: "p",
        task: "t",
        module: "command",
        status: "changed",
        changed: true,
        msg: `run ${run}`,
        commands: [],
        duration_ms: 1,
      });
      heads.push(log.write({ type: "run_end", run_id: run, host, recap: { ok: 1 } }));
      log.close();
    }
    const path = auditPath(dir, host);
    return { path, lines: readFileSync(path, "utf8").trimEnd().split("\n"), heads };
  }
  const tmp = () => mkdtempSync(join(tmpdir(), "armgo-chain-"));

  it("a log written across runs verifies, and its head is the last run's end record", () => {
    const { path, lines, heads } = writeRuns(tmp());
    expect(lines).toHaveLength(10);
    expect(verifyLog(path)).toEqual({ path, records: 10, head: heads[2] });
    expect(verifyLog(path, { head: heads[0] }).bad).toBeUndefined();
  });

  it("two writers on one file keep one chain: each chains from the file's real end", () => {
    const dir = tmp();
    const a = AuditLog.open(dir, "h", scrub, "0");
    const b = AuditLog.open(dir, "h", scrub, "0");
    for (let i = 0; i < 4; i++) {
      a.write({ type: "run_end", run_id: `a${i}`, host: "h" });
      b.write({ type: "run_end", run_id: `b${i}`, host: "h" });
    }
    a.close();
    b.close();
    expect(verifyLog(auditPath(dir, "h"))).toMatchObject({ records: 9 });
    expect(verifyLog(auditPath(dir, "h")).bad).toBeUndefined();
  });

  it("the records of one event-loop turn share one lock, given back at the turn's end", async () => {
    const dir = tmp();
    const lock = `${auditPath(dir, "h")}.lock`;
    const log = AuditLog.open(dir, "h", scrub, "0");
    log.write({ type: "run_end", run_id: "r1", host: "h" });
    log.write({ type: "run_end", run_id: "r2", host: "h" });
    expect(existsSync(lock)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(existsSync(lock)).toBe(false);
    log.write({ type: "run_end", run_id: "r3", host: "h" });
    log.close();
    expect(existsSync(lock)).toBe(false);
    expect(verifyLog(auditPath(dir, "h"))).toMatchObject({ records: 4 });
  });

  it("two processes appending at once keep one valid chain (each append reads the tail under a lock)", async () => {
    const dir = tmp();
    const built = join(import.meta.dirname, "../../dist/src/audit/log.js");
    const writer = (name: string) =>
      new Promise<number>((res) => {
        const script = `import { AuditLog } from ${JSON.stringify(built)};
const log = AuditLog.open(${JSON.stringify(dir)}, "h", (v) => v, "0");
for (let i = 0; i < 3000; i++) log.write({ type: "run_end", run_id: "${name}" + i, host: "h" });
log.close();`;
        spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" }).once("exit", (code) =>
          res(code ?? -1),
        );
      });
    expect(await Promise.all([writer("a"), writer("b")])).toEqual([0, 0]);
    const v = verifyLog(auditPath(dir, "h"));
    expect(v.bad).toBeUndefined();
    expect(v.records).toBe(6001);
  });

  it.each<[string, string]>([
    ["written before the chain", '{"type":"run_end","run_id":"old","host":"h"}\n'],
    ["its last line cut short by a crash", ""],
  ])("a log %s is kept aside and a new chain starts", (_what, content) => {
    const dir = tmp();
    const path = auditPath(dir, "h");
    const log = AuditLog.open(dir, "h", scrub, "0");
    log.write({ type: "run_end", run_id: "r1", host: "h" });
    log.close();
    writeFileSync(path, content || readFileSync(path, "utf8").slice(0, -20));
    const again = AuditLog.open(dir, "h", scrub, "0");
    again.write({ type: "run_end", run_id: "r2", host: "h" });
    again.close();
    expect(verifyLog(path)).toMatchObject({ records: 2 });
    expect(verifyLog(path).bad).toBeUndefined();
    expect(readdirSync(dir).filter((f) => f.endsWith(".unchained"))).toHaveLength(1);
  });

  // Each way of tampering with a 10-line log, and the line verify must name.
  const other = (() => writeRuns(tmp(), "h1").lines)();
  it.each<[string, (l: string[]) => string[], number, RegExp]>([
    ["a task's msg edited", (l) => l.map((x, i) => (i === 2 ? x.replace("run r1", "run rX") : x)), 3, /edited/],
    [
      "a status edited and its hash recomputed by hand",
      (l) =>
        l.map((x, i) =>
          i === 2 ? x.replace('"changed"', '"ok"').replace(/"hash":"[0-9a-f]+"/, `"hash":"${"ab".repeat(32)}"`) : x,
        ),
      3,
      /edited/,
    ],
    ["a record deleted", (l) => l.filter((_, i) => i !== 4), 5, /does not follow record 4/],
    ["two records swapped", (l) => [...l.slice(0, 4), l[5]!, l[4]!, ...l.slice(6)], 5, /does not follow record 4/],
    [
      "a record spliced in from another log",
      (l) => [...l.slice(0, 3), other[3]!, ...l.slice(3)],
      4,
      /does not follow record 3/,
    ],
    ["the genesis record removed", (l) => l.slice(1), 1, /does not start with its genesis/],
    ["another log's start appended", (l) => [...l, ...other.slice(0, 2)], 11, /second genesis/],
    ["the last line cut short", (l) => [...l.slice(0, 9), l[9]!.slice(0, 40)], 10, /cut short/],
    [
      "a line without the chain",
      (l) => [...l.slice(0, 9), JSON.stringify({ type: "run_end", run_id: "r9", host: "h1" })],
      10,
      /without the hash chain/,
    ],
  ])("%s: verify names the line", (_name, tamper, line, what) => {
    const { path, lines } = writeRuns(tmp());
    writeFileSync(path, tamper(lines).join("\n") + "\n");
    const v = verifyLog(path);
    expect(v.bad?.line).toBe(line);
    expect(v.bad?.what).toMatch(what);
  });

  it("truncating the end passes without a head and fails against the head saved before", () => {
    const { path, lines, heads } = writeRuns(tmp());
    writeFileSync(path, lines.slice(0, 7).join("\n") + "\n");
    expect(verifyLog(path).bad).toBeUndefined();
    expect(verifyLog(path, { head: heads[2] }).bad).toMatchObject({
      line: 7,
      what: expect.stringMatching(/is not in the log: it was truncated/),
    });
  });

  it("an emptied log fails", () => {
    const { path } = writeRuns(tmp());
    writeFileSync(path, "");
    expect(verifyLog(path).bad?.what).toMatch(/empty/);
  });
});

describe("the timeline: check-mode records marked, drift records in it", () => {
  const dir = mkdtempSync(join(tmpdir(), "armgo-timeline-"));
  // host web-0001 drifts on day 0 of the generated fleet: a check, a fix run, a re-check, a drift record
  writeAuditFleet(dir, { hosts: 1, days: 1, end: new Date("2026-11-30T00:00:00Z") });

  it.each([
    {
      name: "all of it: the check's would-change marked, the drift record last",
      query: {},
      want: [
        ["check-0", "go : install the toolchain", "changed", true],
        ["fix-0", "go : install the toolchain", "changed", false],
        ["check-0", "drift --fix", "fixed", true],
      ],
    },
    {
      name: "--changed: only the fix",
      query: { changed: true },
      want: [["fix-0", "go : install the toolchain", "changed", false]],
    },
    { name: "--failed: nothing failed", query: { failed: true }, want: [] },
  ])("$name", ({ query, want }) => {
    // the generated day also deploys (its own rows elsewhere): the go role's rows are the point here
    const entries = timeline(dir, query).filter((e) => e.status !== "ok" && e.module !== "deploy");
    expect(entries.map((e) => [e.run_id, e.task, e.status, e.check])).toEqual(want);
  });
});
