import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog, auditPath, readAudit } from "../../src/audit/log.js";
import { MASK, redact, secretValues } from "../../src/audit/redact.js";

describe("redaction", () => {
  const vars = { user: "root", db_password: "hunter2-long", api: { token: "tok-123456" }, nested: { secret_key: 42424242 }, harmless: "hunter" };
  const secrets = secretValues(vars);

  it("collects the values of secret-named vars, however deep", () => {
    expect(secrets.sort()).toEqual(["42424242", "hunter2-long", "tok-123456"]);
  });

  it.each<[unknown, unknown]>([
    ["curl -H 'Authorization: tok-123456' x", `curl -H 'Authorization: ${MASK}' x`],
    ["pw=hunter2-long; user=root", `pw=${MASK}; user=root`],
    [{ script: "echo 42424242", code: 0 }, { script: `echo ${MASK}`, code: 0 }],
    [{ password: "anything at all" }, { password: MASK }],
    [["hunter", "hunter2-long"], ["hunter", MASK]],
  ])("%j → %j", (input, out) => {
    expect(redact(input, secrets)).toEqual(out);
  });
});

describe("audit log", () => {
  it("appends one JSON line per record, masked, and keeps earlier runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-audit-"));
    const scrub = <T>(v: T): T => redact(v, ["s3cr3t-value"]);
    for (const run of ["r1", "r2"]) {
      const log = AuditLog.open(dir, "lab/arm64 1", scrub);
      log.write({ type: "run_start", run_id: run, host: "h", controller_user: "u", armgo_version: "0", playbook: "p", playbook_sha256: "x", check: false });
      log.write({ type: "task", run_id: run, host: "h", play: "p", task: "t", module: "command", status: "ok", changed: false, msg: "echo s3cr3t-value", commands: [], duration_ms: 1 });
      log.write({ type: "run_end", run_id: run, host: "h", recap: { ok: 1 } });
      log.close();
    }
    // a host name never climbs out of the audit dir
    expect(auditPath(dir, "../etc/x")).toBe(join(dir, ".._etc_x.jsonl"));
    const path = auditPath(dir, "lab/arm64 1");
    const records = readAudit(path);
    expect(records.map((r) => `${r.run_id}:${r.type}`)).toEqual(["r1:run_start", "r1:task", "r1:run_end", "r2:run_start", "r2:task", "r2:run_end"]);
    expect(readFileSync(path, "utf8")).not.toContain("s3cr3t-value");
    expect(records[1]).toMatchObject({ msg: `echo ${MASK}` });
    expect(records.every((r) => typeof r.ts === "string")).toBe(true);
  });
});
