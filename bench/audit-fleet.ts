// A generated fleet's audit dir, as runs would have written it (hash-chained logs and kept facts):
// a daily drift check, the few hosts that drifted fixed, and an app deployed twice then a bad
// release that went back on its canary. For the report's unit tests and its benchmark.
import { mkdirSync, writeFileSync } from "node:fs";
import { chainLine, GENESIS_PREV } from "../src/audit/chain.js";
import { auditPath, type AuditRecord } from "../src/audit/log.js";
import type { Facts } from "../src/facts/types.js";

export interface FleetSpec {
  hosts: number;
  days: number;
  /** The last day's date (UTC midnight of the day after is "now"). */
  end: Date;
}

const GO = ["1.22.12", "1.23.5", "1.21.13"];
export const RELEASES = { v1: "aaaaaaaaaaa1", v2: "bbbbbbbbbbb2", v3: "ccccccccccc3" };
const TASKS = ["go : download the archive", "go : install the toolchain", "go : environment for login shells"];

export const hostName = (i: number): string => `web-${String(i + 1).padStart(4, "0")}`;
/** Host i's Go: 70 % on the first version, 25 % on the second, the rest on the third. */
export const goOf = (i: number): string => GO[i % 20 < 14 ? 0 : i % 20 < 19 ? 1 : 2]!;
/** Host i drifts on day d (a deterministic few per day). */
export const drifts = (i: number, d: number): boolean => (i * 7 + d * 13) % 50 === 0;

function facts(i: number): Facts {
  return {
    arch: "aarch64",
    goarch: "arm64",
    goos: "linux",
    os: { id: "debian", version_id: "12", pretty_name: "Debian GNU/Linux 12 (bookworm)", codename: "bookworm" },
    libc: { kind: "glibc", version: "2.36" },
    shell: "/bin/bash",
    home: "/root",
    user: "root",
    uid: 0,
    tools: { curl: true, tar: true, sha256sum: true },
    go_version: goOf(i),
    hostname: hostName(i),
  };
}

/** Writes `dir`/<host>.jsonl and <host>.facts.json for every host; returns the hosts. */
export function writeAuditFleet(dir: string, spec: FleetSpec): string[] {
  mkdirSync(dir, { recursive: true });
  const start = spec.end.getTime() - (spec.days - 1) * 86_400_000;
  const hosts = Array.from({ length: spec.hosts }, (_, i) => hostName(i));
  hosts.forEach((host, i) => {
    const lines: string[] = [];
    let prev = GENESIS_PREV;
    const put = (at: number, r: AuditRecord): void => {
      const { line, hash } = chainLine({ ts: new Date(at).toISOString(), ...r }, prev);
      lines.push(line);
      prev = hash;
    };
    put(start, { type: "genesis", host, armgo_version: "0.1.0" });
    const run = (at: number, id: string, check: boolean, tasks: Array<Partial<AuditRecord>>, seconds = 4): void => {
      put(at, {
        type: "run_start",
        run_id: id,
        host,
        controller_user: "ops",
        armgo_version: "0.1.0",
        playbook: "/srv/site.yaml",
        playbook_sha256: "0".repeat(64),
        check,
      });
      let changed = 0;
      let failed = 0;
      tasks.forEach((t, k) => {
        const task = {
          type: "task",
          run_id: id,
          host,
          play: "Go toolchain",
          task: TASKS[k % 3]!,
          module: "go-release",
          status: "ok",
          changed: false,
          msg: "go1.22.12 is installed",
          commands: [{ script: "probe", code: 0, duration_ms: 40 }],
          duration_ms: 40,
          ...t,
        } as AuditRecord;
        if (task.type === "task" && task.changed) changed++;
        if (task.type === "task" && task.status === "failed") failed++;
        put(at + 500 * (k + 1), task);
      });
      put(at + seconds * 1000, {
        type: "run_end",
        run_id: id,
        host,
        recap: { ok: tasks.length, changed, failed, unreachable: 0 },
      });
    };
    for (let d = 0; d < spec.days; d++) {
      const at = start + d * 86_400_000 + 3_600_000;
      const drifted = drifts(i, d);
      const id = `check-${d}`;
      run(
        at,
        id,
        true,
        [
          {},
          drifted ? { status: "changed", changed: true, msg: "would install go1.22.12 (password ********)" } : {},
          {},
        ],
        3 + (d % 5),
      );
      if (drifted) {
        run(
          at + 60_000,
          `fix-${d}`,
          false,
          [{}, { status: "changed", changed: true, msg: "installed go1.22.12" }, {}],
          20,
        );
        run(at + 120_000, `recheck-${d}`, true, [{}, {}, {}]);
      }
      put(at + 130_000, {
        type: "drift",
        run_id: id,
        host,
        state: drifted ? "fixed" : "in_sync",
        drifted: drifted ? [TASKS[1]!] : [],
        remaining: [],
        fix: true,
      });
      const deploy = (release: string, previous: string | null, extra: Partial<AuditRecord> = {}): void =>
        run(
          at + 7_200_000,
          `deploy-${d}`,
          false,
          [
            {
              module: "deploy",
              task: "deploy hello",
              status: "changed",
              changed: true,
              msg: `hello ${release} is current and healthy`,
              release: { app: "hello", release, ...(previous ? { previous } : {}) },
              ...extra,
            },
          ],
          30,
        );
      if (d === Math.floor(spec.days / 3)) deploy(RELEASES.v1, null);
      if (d === Math.floor((2 * spec.days) / 3)) deploy(RELEASES.v2, RELEASES.v1);
      // the bad release reaches the canary only, which goes back to v2
      if (d === spec.days - 1 && i === 0)
        deploy(RELEASES.v2, RELEASES.v2, {
          status: "failed",
          changed: false,
          msg: `release ${RELEASES.v3} of hello is bad: health check failed; rolled back to ${RELEASES.v2}, which is healthy`,
          release: { app: "hello", release: RELEASES.v2, previous: RELEASES.v2, failed: RELEASES.v3 },
        });
    }
    writeFileSync(auditPath(dir, host), lines.join("\n") + "\n");
    writeFileSync(
      auditPath(dir, host).replace(/\.jsonl$/, ".facts.json"),
      JSON.stringify({ armgo_version: "0.1.0", facts: facts(i) }),
    );
  });
  return hosts;
}
