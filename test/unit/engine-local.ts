// Playbooks on `connection: local` hosts: real sh, no containers; DIR in a playbook is a fresh temp dir.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPlaybook } from "../../src/engine/run.js";
import type { RunEvent, RunOptions, TaskResult } from "../../src/engine/types.js";

/** `hostVars`: more vars of some hosts (`connection: ssh` makes one a real SSH host). */
export function setup(playbook: string, hosts = ["h1", "h2"], hostVars: Record<string, Record<string, unknown>> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "armgo-run-"));
  writeFileSync(join(dir, "site.yaml"), playbook.replaceAll("DIR", dir));
  writeFileSync(
    join(dir, "hosts.yaml"),
    `all:\n  vars: { connection: local, secret_token: tok-9876543 }\n  children:\n    g:\n      hosts:\n${hosts.map((h) => `        ${h}: ${JSON.stringify({ n: h, ...hostVars[h] })}\n`).join("")}`,
  );
  const run = async (extra: Partial<RunOptions> = {}) => {
    const events: RunEvent[] = [];
    const result = await runPlaybook({
      playbook: join(dir, "site.yaml"),
      inventory: join(dir, "hosts.yaml"),
      auditDir: join(dir, "audit"),
      onEvent: (e) => events.push(e),
      ...extra,
    });
    const results = events
      .filter((e): e is { type: "task_result"; result: TaskResult } => e.type === "task_result")
      .map((e) => e.result);
    return {
      result,
      events,
      results,
      of: (host: string, task: string) => results.find((r) => r.host === host && r.task === task),
    };
  };
  return { dir, run };
}
