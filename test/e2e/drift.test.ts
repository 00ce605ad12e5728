// Issue 12 end to end on ARM64 hosts: drift found and fixed, metrics, cron's bare environment, the
// run lock between two plays, and a tampered audit log caught by `armgo audit verify`.
import { execFile, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../../src/audit/log.js";
import { armgo, CLI } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const SITE = join(import.meta.dirname, "../../playbooks/site.yaml");

/** The samples of the metrics file that name a host: `name{host="h"...}` → value. */
function metrics(file: string): Record<string, number> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => {
        const at = l.lastIndexOf(" ");
        return [l.slice(0, at), Number(l.slice(at + 1))];
      }),
  );
}

describe("armgo drift, cron, locks and audit verify on an ARM64 fleet", () => {
  let fleet: Fleet;
  let dir: string;
  let audit: string;
  let h1: string;
  let h2: string;
  let h3: string;
  const cronName = `armgo-e2e-${process.pid}`;

  beforeAll(async () => {
    fleet = await startFleet({ arm64: 3 });
    [h1, h2, h3] = fleet.hosts.map((h) => h.name) as [string, string, string];
    dir = mkdtempSync(join(tmpdir(), "armgo-drift-e2e-"));
    audit = join(dir, "audit");
    const first = await armgo(["play", SITE, "-i", fleet.inventoryPath, "--audit-dir", audit]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
  });
  afterAll(async () => {
    await armgo(["cron", "remove", cronName]);
    await fleet?.stop();
  });

  const drift = (...extra: string[]) =>
    armgo(["drift", SITE, "-i", fleet.inventoryPath, "--audit-dir", audit, ...extra]);

  it("names exactly the drifted hosts and tasks (exit 3), --fix restores them (exit 6), then in sync (exit 0); the metrics say so", async () => {
    const prom = join(dir, "armgo.prom");
    const clean = await drift("--metrics", prom);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);

    await fleet.exec(h1, "rm /usr/local/go");
    await fleet.exec(h2, "sed -i 's|^export GOPATH=.*|export GOPATH=/tmp/elsewhere|' /etc/profile.d/go.sh");
    const found = await drift("--metrics", prom, "--json");
    expect(found.code, found.stdout + found.stderr).toBe(3);
    const report = JSON.parse(found.stdout.trim().split("\n").pop()!);
    const drifted = Object.fromEntries(
      Object.entries(report.hosts as Record<string, { state: string; drifted: Array<{ task: string }> }>).map(
        ([h, d]) => [h, [d.state, d.drifted.map((t) => t.task)]],
      ),
    );
    expect(drifted).toEqual({
      [h1]: ["drifted", ["go : install the toolchain"]],
      [h2]: ["drifted", ["go : environment for login shells"]],
      [h3]: ["in_sync", []],
    });
    expect(metrics(prom)).toMatchObject({
      [`armgo_drift_tasks{host="${h1}"}`]: 1,
      [`armgo_drift_tasks{host="${h2}"}`]: 1,
      [`armgo_drift_tasks{host="${h3}"}`]: 0,
      [`armgo_last_run_success{host="${h1}"}`]: 1,
      [`armgo_go_version_info{host="${h3}",version="go1.22.12"}`]: 1,
    });
    // the check changed nothing
    expect((await fleet.exec(h1, "test -e /usr/local/go; echo $?")).stdout.trim()).toBe("1");

    const fixed = await drift("--fix", "--metrics", prom);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(6);
    expect(fixed.stdout).toContain(`fixed: [${h1}] go : install the toolchain`);
    expect(fixed.stdout).toContain(`fixed: [${h2}] go : environment for login shells`);
    expect((await fleet.exec(h1, "bash -lc 'go version'")).stdout).toBe("go version go1.22.12 linux/arm64\n");
    expect((await fleet.exec(h2, "grep GOPATH /etc/profile.d/go.sh")).stdout).not.toContain("/tmp/elsewhere");
    expect(
      Object.entries(metrics(prom))
        .filter(([k]) => k.startsWith("armgo_drift_tasks"))
        .map(([, v]) => v),
    ).toEqual([0, 0, 0]);

    const after = await drift();
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toContain(`in sync: ${h1}, ${h2}, ${h3}`);
    const records = readAudit(join(audit, `${h1}.jsonl`)).filter((r) => r.type === "drift");
    expect(records.map((r) => (r.type === "drift" ? r.state : ""))).toEqual(["in_sync", "drifted", "fixed", "in_sync"]);
  });

  it("cron install twice leaves one entry, and its command line runs under env -i with cron's PATH and writes its log", async () => {
    const log = join(dir, "cron.log");
    const args = [
      "cron",
      "install",
      SITE,
      "-i",
      fleet.inventoryPath,
      "--every",
      "30m",
      "--fix",
      "--name",
      cronName,
      "--audit-dir",
      audit,
      "--log",
      log,
    ];
    expect((await armgo(args)).code).toBe(0);
    const second = await armgo(args);
    expect(second.code, second.stderr).toBe(0);
    const lines = execFileSync("crontab", ["-l"], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.includes(log));
    expect(lines).toHaveLength(1);
    const entry = lines[0]!;
    // cron gives sh the line after its five time fields, with \% turned back into %
    const command = entry.split(" ").slice(5).join(" ").replace(/\\%/g, "%");
    // not execFileSync: the lab's Go mirror is served by this very process
    const r = await promisify(execFile)(
      "env",
      ["-i", "PATH=/usr/bin:/bin", `HOME=${process.env.HOME}`, "SHELL=/bin/sh", "/bin/sh", "-c", command],
      { encoding: "utf8" },
    );
    expect(r.stdout + r.stderr).toBe("");
    const written = readFileSync(log, "utf8");
    expect(written).toContain("DRIFT RECAP");
    expect(written).toContain(`in sync: ${h1}, ${h2}, ${h3}`);
  });

  it("two plays on one inventory never interleave: --no-wait stops with exit 7 naming the holder; a waiting one runs after", async () => {
    const pb = join(dir, "slow.yaml");
    writeFileSync(
      pb,
      `- hosts: arm64\n  gather_facts: false\n  tasks:\n    - name: slow change\n      command: "sleep 4; echo $$ >> /tmp/armgo-lock-order"\n`,
    );
    const run = (...extra: string[]) =>
      spawn(process.execPath, [CLI, "play", pb, "-i", fleet.inventoryPath, "--audit-dir", audit, ...extra], {
        env: { ...process.env, NO_COLOR: "1" },
      });
    const done = (child: ReturnType<typeof run>) =>
      new Promise<{ code: number; stderr: string }>((res) => {
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.once("close", (code) => res({ code: code ?? -1, stderr }));
      });
    const first = run();
    const firstDone = done(first);
    // the first run holds the lock once it has started on its hosts
    const started = (h: string) =>
      readAudit(join(audit, `${h}.jsonl`)).some((r) => r.type === "run_start" && r.playbook === pb);
    for (let i = 0; i < 150 && !started(h1); i++) await new Promise((r) => setTimeout(r, 100));
    expect(started(h1)).toBe(true);
    const refused = await done(run("--no-wait"));
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(
      new RegExp(`another run holds the lock for this inventory \\(pid ${first.pid} on .*: armgo play ${pb}\\)`),
    );
    const waiter = run();
    const waited = await done(waiter);
    expect(waited.code).toBe(0);
    expect(waited.stderr).toMatch(new RegExp(`waiting for the run lock held by pid ${first.pid} `));
    expect((await firstDone).code).toBe(0);
    // on every host the waiting run started only after the first one ended
    for (const h of fleet.hosts) {
      const recs = readAudit(join(audit, `${h.name}.jsonl`));
      const [a, b] = recs.flatMap((r) => (r.type === "run_start" && r.playbook === pb ? [r.run_id] : []));
      expect(b).toBeDefined();
      const aEnd = recs.findIndex((r) => r.type === "run_end" && r.run_id === a);
      const bStart = recs.findIndex((r) => r.type === "run_start" && r.run_id === b);
      expect(aEnd).toBeGreaterThan(-1);
      expect(aEnd).toBeLessThan(bStart);
    }
  });

  it("a host another controller holds is not changed (its task fails naming the holder); a stale lock is taken over", async () => {
    const pb = join(dir, "touch.yaml");
    writeFileSync(
      pb,
      `- hosts: ${h3}\n  gather_facts: false\n  tasks:\n    - name: mark\n      command: { cmd: "touch /tmp/armgo-marked", creates: /tmp/armgo-marked }\n`,
    );
    const lock = "/tmp/armgo-host.lock";
    await fleet.exec(
      h3,
      `mkdir ${lock} && echo "run=other-run controller=other-controller pid=4242 since=$(date +%s)" > ${lock}/owner`,
    );
    const held = await armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", audit]);
    expect(held.code, held.stdout + held.stderr).toBe(2);
    expect(held.stdout).toMatch(
      new RegExp(
        `\\[${h3}\\]: FAILED! ${h3}: ${lock} is held by run other-run from other-controller \\(pid 4242\\), \\d+ s ago`,
      ),
    );
    expect((await fleet.exec(h3, "test -e /tmp/armgo-marked; echo $?")).stdout.trim()).toBe("1");
    // three hours old: its controller is taken to be gone
    await fleet.exec(h3, `touch -d '3 hours ago' ${lock}`);
    const taken = await armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", audit]);
    expect(taken.code, taken.stdout + taken.stderr).toBe(0);
    expect(taken.stderr).toMatch(
      new RegExp(`took over the stale lock ${lock} held by run other-run from other-controller`),
    );
    expect((await fleet.exec(h3, `test -e /tmp/armgo-marked && test ! -e ${lock}; echo $?`)).stdout.trim()).toBe("0");
  });

  it("an edited, deleted or reordered record, or a cut-off end (with --head), makes audit verify fail at the first bad record", async () => {
    const ok = await armgo(["audit", "verify", "--audit-dir", audit]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout.trim().split("\n")).toHaveLength(3);
    const src = join(audit, `${h3}.jsonl`);
    const lines = readFileSync(src, "utf8").trimEnd().split("\n");
    const head = JSON.parse(lines[lines.length - 1]!).hash as string;
    const cases: Array<[string, string[], string[], RegExp]> = [
      ["edited", lines.map((l, i) => (i === 3 ? l.replace('"msg":"', '"msg":"(edited) ') : l)), [], /:4: edited/],
      ["deleted", lines.filter((_, i) => i !== 5), [], /:6: does not follow record 5/],
      [
        "reordered",
        [...lines.slice(0, 2), lines[3]!, lines[2]!, ...lines.slice(4)],
        [],
        /:3: does not follow record 2/,
      ],
      ["truncated", lines.slice(0, lines.length - 2), ["--head", head], /is not in the log: it was truncated/],
    ];
    for (const [what, tampered, extra, bad] of cases) {
      const copy = join(dir, `audit-${what}`);
      mkdirSync(copy);
      copyFileSync(src, join(copy, `${h3}.jsonl`));
      writeFileSync(join(copy, `${h3}.jsonl`), tampered.join("\n") + "\n");
      const r = await armgo(["audit", "verify", h3, "--audit-dir", copy, ...extra]);
      expect(r.code, `${what}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stdout, what).toMatch(bad);
    }
    // the truncated copy alone still passes: only the head kept elsewhere catches it
    expect((await armgo(["audit", "verify", h3, "--audit-dir", join(dir, "audit-truncated")])).code).toBe(0);
  });
});
