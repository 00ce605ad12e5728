import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cronInstall, cronList, cronRemove } from "../../src/commands/cron.js";
import {
  commandLine,
  cronSchedule,
  crontabLine,
  defaultName,
  periodMinutes,
  splayMinutes,
  type CronJob,
} from "../../src/cron/entry.js";
import { onCalendar, script, units } from "../../src/cron/systemd.js";
import { InputError } from "../../src/errors.js";
import { stampLines } from "../../src/cli/timestamps.js";

const job = (over: Partial<CronJob> = {}): CronJob => ({
  name: "site",
  playbook: "/srv/armgo/site.yaml",
  inventory: "/srv/armgo/hosts.yaml",
  every: "30m",
  fix: true,
  auditDir: "/srv/armgo/.armgo/audit",
  log: "/var/log/armgo/site.log",
  node: "/usr/bin/node",
  main: "/opt/armgo/dist/src/cli/main.js",
  cwd: "/srv/armgo",
  cache: "/root/.cache/armgo",
  ...over,
});

describe("cron schedule", () => {
  it.each<[string, number]>([
    ["5m", 5],
    ["30m", 30],
    ["60m", 60],
    ["1h", 60],
    ["6h", 360],
    ["24h", 1440],
  ])("--every %s is %i minutes", (every, minutes) => expect(periodMinutes(every)).toBe(minutes));

  it.each(["7m", "0m", "90m", "5h", "30", "1d", ""])("--every %j is refused with the periods that work", (every) => {
    expect(() => periodMinutes(every)).toThrow(InputError);
    expect(() => periodMinutes(every)).toThrow(/must divide an hour .* or a day/);
  });

  it.each<[number, number, string]>([
    [30, 7, "7,37 * * * *"],
    [15, 0, "0,15,30,45 * * * *"],
    [60, 42, "42 * * * *"],
    [360, 70, "10 1,7,13,19 * * *"],
    [1440, 1439, "59 23 * * *"],
  ])("every %i min starting %i min in: %s", (period, splay, fields) =>
    expect(cronSchedule(period, splay)).toBe(fields),
  );

  it.each([
    {
      name: "the playbook's and inventory's stems and a hash of the inventory paths",
      playbook: "/srv/site.yaml",
      inv: ["/srv/prod/hosts.yaml"],
      want: /^site-hosts-[0-9a-f]{6}$/,
    },
    {
      name: "a path's odd characters become _",
      playbook: "/srv/my site.yml",
      inv: ["/srv/a b"],
      want: /^my_site-a_b-[0-9a-f]{6}$/,
    },
  ])("default name: $name", ({ playbook, inv, want }) => expect(defaultName(playbook, inv)).toMatch(want));

  it("two inventories with one playbook get two names (neither entry replaces the other)", () => {
    const [prod, staging] = [["/srv/prod/hosts.yaml"], ["/srv/staging/hosts.yaml"]];
    expect(defaultName("/srv/site.yaml", prod)).not.toBe(defaultName("/srv/site.yaml", staging));
    expect(defaultName("/srv/site.yaml", prod)).toBe(defaultName("/srv/site.yaml", prod));
  });

  it("the start delay is derived from the name: stable, and different names spread out", () => {
    expect(splayMinutes("site", 30)).toBe(splayMinutes("site", 30));
    const offsets = new Set(Array.from({ length: 20 }, (_, i) => splayMinutes(`controller-${i}`, 30)));
    expect(offsets.size).toBeGreaterThan(8);
  });

  it("the command line quotes every path, escapes cron's %, and names absolute paths only", () => {
    const hostile = job({
      playbook: "/srv/it's $(touch pwned)/100%.yaml",
      metrics: "/var/lib/node_exporter/armgo.prom",
      report: "/srv/www/fleet.html",
    });
    expect(commandLine(hostile)).toBe(
      "cd /srv/armgo && ARMGO_CACHE=/root/.cache/armgo ARMGO_LOG_TIMESTAMPS=1 /usr/bin/node /opt/armgo/dist/src/cli/main.js drift '/srv/it'\\''s $(touch pwned)/100%.yaml' -i /srv/armgo/hosts.yaml --audit-dir /srv/armgo/.armgo/audit --no-wait --fix --metrics /var/lib/node_exporter/armgo.prom --report /srv/www/fleet.html >>/var/log/armgo/site.log 2>&1",
    );
    expect(crontabLine(hostile)).toContain("100\\%.yaml");
    expect(crontabLine(hostile)).not.toMatch(/[^\\]%/);
  });
});

describe("systemd timer", () => {
  it.each<[number, string]>([
    [30, "*:00/30"],
    [60, "*:00"],
    [120, "00/2:00"],
    [1440, "00:00"],
  ])("every %i min: OnCalendar=%s, which systemd reads", (period, spec) => {
    expect(onCalendar(period)).toBe(spec);
    expect(spawnSync("systemd-analyze", ["calendar", spec]).status).toBe(0);
  });

  it("service and timer pass systemd-analyze verify; the script runs the cron command line", () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-units-"));
    const j = job({ every: "2h" });
    const scriptPath = join(dir, "site.sh");
    const u = units(j, scriptPath);
    expect(u.timer).toContain("RandomizedDelaySec=7200\nFixedRandomDelay=true\nPersistent=true");
    expect(u.service).toContain(`ExecStart=/bin/sh ${scriptPath}`);
    expect(script(j)).toBe(`#!/bin/sh\n${commandLine(j)}\n`);
    writeFileSync(join(dir, "armgo-site.service"), u.service);
    writeFileSync(join(dir, "armgo-site.timer"), u.timer);
    writeFileSync(scriptPath, script(j));
    const r = spawnSync("systemd-analyze", ["verify", join(dir, "armgo-site.timer"), join(dir, "armgo-site.service")], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(() => units(j, "/home/a b/site.sh")).toThrow(/cannot be named in a systemd unit/);
  });
});

describe("armgo cron install / list / remove on this user's real crontab", () => {
  const name = `armgo-test-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "armgo-cron-"));
  const playbook = join(dir, "site.yaml");
  const inventory = join(dir, "hosts.yaml");
  writeFileSync(playbook, "- hosts: all\n  tasks:\n    - command: 'true'\n");
  writeFileSync(inventory, "all:\n  hosts:\n    h1: { connection: local }\n");
  afterAll(async () => {
    await cronRemove(name);
  });

  it("installing twice leaves one entry; list shows it; remove takes it out and leaves other lines alone", async () => {
    const before = spawnSync("crontab", ["-l"], { encoding: "utf8" }).stdout;
    const first = await cronInstall({ playbook, inventory, every: "30m", fix: true, name, log: join(dir, "cron.log") });
    const second = await cronInstall({
      playbook,
      inventory,
      every: "15m",
      fix: true,
      name,
      log: join(dir, "cron.log"),
    });
    const text = execFileSync("crontab", ["-l"], { encoding: "utf8" });
    expect(text.split("\n").filter((l) => l.includes(`${dir}/site.yaml`))).toEqual([second.line]);
    expect(first.line).not.toBe(second.line);
    expect((await cronList()).filter((e) => e.name === name)).toEqual([{ name, line: second.line }]);
    expect(await cronRemove(name)).toBe(true);
    expect(await cronRemove(name)).toBe(false);
    expect(spawnSync("crontab", ["-l"], { encoding: "utf8" }).stdout).toBe(before);
  });

  it("refuses a broken playbook and a bad name, installing nothing", async () => {
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "- hosts: all\n  tasks:\n    - nosuchmodule: {}\n");
    await expect(cronInstall({ playbook: broken, inventory, every: "30m", name })).rejects.toBeInstanceOf(InputError);
    await expect(cronInstall({ playbook, inventory, every: "30m", name: "a b" })).rejects.toThrow(
      /may hold only letters/,
    );
    expect((await cronList()).filter((e) => e.name === name)).toEqual([]);
  });
});

describe("ARMGO_LOG_TIMESTAMPS: every line of cron's log says when", () => {
  it.each([
    { name: "whole lines", writes: ["a\n", "b\n"], want: "T a\nT b\n" },
    { name: "a line in pieces is stamped once", writes: ["PLAY ", "[x]\n", "ok\n"], want: "T PLAY [x]\nT ok\n" },
    { name: "several lines in one write, blank lines left bare", writes: ["a\n\nb\n"], want: "T a\n\nT b\n" },
  ])("$name", ({ writes, want }) => {
    let out = "";
    const stream = { write: (chunk: string | Uint8Array) => ((out += String(chunk)), true) };
    stampLines(stream, () => "T");
    for (const w of writes) stream.write(w);
    expect(out).toBe(want);
  });
});
