// Fleet concurrency: 20 hosts at --forks 20, where a 3-host lab never shows the races a fleet hits
// (issue 8: quick commands whose exit status arrived before its listener, reported as lost hosts).
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../../src/audit/log.js";
import { armgo, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const HOSTS = 20;
const ROUNDS = 3;
const SITE = join(import.meta.dirname, "../../playbooks/site.yaml");
// Gathering Facts plus site.yaml's six tasks.
const TASKS = 7;
// Back to a host that never had Go: what a first install meets.
const UNINSTALL = "rm -rf /usr/local/go /usr/local/go-* /var/cache/armgo /etc/profile.d/go.sh";

interface Summary {
  recap: Record<string, { ok: number; changed: number; failed: number; unreachable: number; skipped: number }>;
  stats: { connections: number; execs: number };
}

describe(`site.yaml on ${HOSTS} amd64 hosts at --forks ${HOSTS}, ${ROUNDS} rounds`, () => {
  let fleet: Fleet;
  let pb: string;
  let audit: string;

  beforeAll(async () => {
    fleet = await startFleet({ amd64: HOSTS });
    const dir = await mkdtemp(join(tmpdir(), "armgo-load-"));
    // The same tasks as the shipped playbook, for every host of the fleet.
    pb = join(dir, "site-all.yaml");
    writeFileSync(pb, readFileSync(SITE, "utf8").replace(/^(\s*)hosts: arm64$/m, "$1hosts: all"));
    audit = join(dir, "audit");
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  const run = async (...extra: string[]): Promise<string> => {
    const r = await armgo([
      "play",
      pb,
      "-i",
      fleet.inventoryPath,
      "--audit-dir",
      audit,
      "--forks",
      String(HOSTS),
      ...extra,
    ]);
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    return r.stdout;
  };
  const play = async (...extra: string[]): Promise<Summary> =>
    JSON.parse((await run("--json", ...extra)).trim().split("\n").pop()!) as Summary;

  /** A run in human output: one TASK header per task, in the order the hosts ran them, each with every host's line. */
  const playHuman = async (): Promise<Pick<Summary, "recap">> => {
    const stdout = await run();
    const blocks = stdout.split(/^(?=TASK \[|CONTINUED \[|PLAY RECAP)/m).filter((b) => /^(TASK|CONTINUED) \[/.test(b));
    const headers = blocks.map((b) => /^(?:TASK|CONTINUED) \[(.*)\]/.exec(b)![1]!);
    const records = readAudit(join(audit, `${fleet.hosts[0]!.name}.jsonl`));
    const lastRun = records.filter((r) => r.type === "run_start").pop()!.run_id;
    const ran = records.flatMap((r) => (r.type === "task" && r.run_id === lastRun ? [r.task] : []));
    expect(
      blocks.every((b) => b.startsWith("TASK [")),
      stdout,
    ).toBe(true);
    expect(headers).toEqual(ran);
    expect(headers).toHaveLength(TASKS);
    for (const b of blocks)
      expect(
        b.split("\n").filter((l) => /^(ok|changed): \[/.test(l)),
        b,
      ).toHaveLength(HOSTS);
    // the summary after the recap: what changed, per task
    expect(stdout).toMatch(new RegExp(`^CHANGES \\*+\n(.*\n)*go : download the archive: ${HOSTS} changed$`, "m"));
    return { recap: recap(stdout) as Summary["recap"] };
  };

  it("first install, converged and --check, three times: no host lost, every host converged, one audit record per task, one TASK header per task", async () => {
    expect(fleet.hosts).toHaveLength(HOSTS);
    for (let round = 1; round <= ROUNDS; round++) {
      await Promise.all(fleet.hosts.map((h) => fleet.exec(h.name, UNINSTALL)));

      // the last first install in human output, as a person reads it
      const first = round === ROUNDS ? await playHuman() : await play();
      for (const h of fleet.hosts) {
        expect(first.recap[h.name], `round ${round} first install on ${h.name}`).toMatchObject({
          failed: 0,
          unreachable: 0,
        });
        expect(first.recap[h.name]!.changed, `round ${round} first install on ${h.name}`).toBeGreaterThanOrEqual(3);
      }
      const converged = await play();
      for (const h of fleet.hosts)
        expect(converged.recap[h.name], `round ${round} converged on ${h.name}`).toMatchObject({
          changed: 0,
          failed: 0,
          unreachable: 0,
        });
      // one connection and one exec per host: the facts and the probes built from the last run's facts
      expect(converged.stats).toMatchObject({ connections: HOSTS, execs: HOSTS });
      const check = await play("--check");
      for (const h of fleet.hosts)
        expect(check.recap[h.name], `round ${round} --check on ${h.name}`).toMatchObject({
          changed: 0,
          failed: 0,
          unreachable: 0,
        });
    }

    const hostsWithGo = await Promise.all(fleet.hosts.map((h) => fleet.exec(h.name, "bash -lc 'go version'")));
    expect(hostsWithGo.map((r) => r.stdout)).toEqual(fleet.hosts.map(() => "go version go1.22.12 linux/amd64\n"));

    for (const h of fleet.hosts) {
      const records = readAudit(join(audit, `${h.name}.jsonl`));
      const runs = records.filter((r) => r.type === "run_start").map((r) => r.run_id);
      expect(runs).toHaveLength(3 * ROUNDS);
      for (const run of runs) {
        const tasks = records.filter((r) => r.type === "task" && r.run_id === run);
        expect(
          tasks.map((t) => (t.type === "task" ? t.status : "")).filter((s) => s === "unreachable" || s === "failed"),
          `${h.name} run ${run}`,
        ).toEqual([]);
        expect(tasks, `${h.name} run ${run}`).toHaveLength(TASKS);
        expect(records.filter((r) => r.type === "run_end" && r.run_id === run)).toHaveLength(1);
      }
    }
    // three first installs of 66 MB on 20 hosts: ~6 min on an idle 2-core machine, more when it is shared
  }, 1_200_000);
});
