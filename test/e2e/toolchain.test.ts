// Issue 4 end to end: the real Go toolchain from the lab mirror onto ARM64 hosts with site.yaml.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTarGz } from "../unit/modules-helpers.js";
import { armgo, CLI, HOST_SNAPSHOT, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

const SITE = join(import.meta.dirname, "../../playbooks/site.yaml");
const USER_GO = join(import.meta.dirname, "../../playbooks/user-go.yaml");
const loginGo = (user = "root") => (user === "root" ? "bash -lc 'go version'" : `su - ${user} -c 'go version'`);

describe("site.yaml on an ARM64 fleet with real Go from the lab mirror", () => {
  let fleet: Fleet;
  let dir: string;
  let audit: string;
  let h1: string;
  let h2: string;
  let h3: string;

  beforeAll(async () => {
    fleet = await startFleet({ arm64: 3 });
    [h1, h2, h3] = fleet.hosts.map((h) => h.name) as [string, string, string];
    dir = mkdtempSync(join(tmpdir(), "armgo-toolchain-"));
    audit = join(dir, "audit");
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  const play = (pb: string, ...extra: string[]) =>
    armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", audit, ...extra]);

  it("--check on a fresh host reports the changes and leaves it byte-for-byte untouched", async () => {
    const before = await fleet.exec(h1, HOST_SNAPSHOT);
    const r = await play(SITE, "--check", "--diff", "--limit", h1);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/changed: \[.+\] would download .*go1\.22\.12\.linux-arm64\.tar\.gz/);
    expect(r.stdout).toMatch(/changed: \[.+\] would .*go1\.22\.12/);
    expect(r.stdout).toContain("+# BEGIN armgo go");
    expect(recap(r.stdout)[h1]).toMatchObject({ failed: 0, unreachable: 0 });
    expect((await fleet.exec(h1, HOST_SNAPSHOT)).stdout).toBe(before.stdout);
  });

  it("first run installs go1.22.12 on every host; a new login shell finds it; a second run changes nothing", async () => {
    const first = await play(SITE);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const h of fleet.hosts) {
      expect(recap(first.stdout)[h.name]!.changed).toBeGreaterThanOrEqual(3);
      const go = await fleet.exec(h.name, loginGo());
      expect(go.stdout).toBe("go version go1.22.12 linux/arm64\n");
    }
    const second = await play(SITE, "--json");
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout.trim().split("\n").pop()!);
    for (const h of fleet.hosts) expect(summary.recap[h.name]).toMatchObject({ changed: 0, failed: 0 });
    // per host: the facts and every probe in one exec
    expect(summary.stats).toMatchObject({ connections: 3, execs: 3 });
  });

  it("upgrades to 1.23.5 by one var, keeps 1.22.12, and goes back", async () => {
    const up = await play(SITE, "--limit", h2, "-e", "go_version=1.23.5", "--diff");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toMatch(/go1\.22\.12.*go1\.23\.5|1\.22\.12 -> .*1\.23\.5/s);
    expect((await fleet.exec(h2, loginGo())).stdout).toBe("go version go1.23.5 linux/arm64\n");
    expect((await fleet.exec(h2, "cat /usr/local/go-1.22.12/VERSION | head -n 1")).stdout).toBe("go1.22.12\n");
    const back = await play(SITE, "--limit", h2);
    expect(back.code).toBe(0);
    expect((await fleet.exec(h2, loginGo())).stdout).toBe("go version go1.22.12 linux/arm64\n");
    expect((await fleet.exec(h2, "readlink /usr/local/go")).stdout.trim()).toBe("go-1.22.12");
  });

  it("a wrong checksum fails the host with expected and actual, and leaves Go and the file at dest untouched", async () => {
    const dest = "/var/cache/armgo/go1.22.12.linux-arm64.tar.gz";
    const before = await fleet.exec(h1, `sha256sum ${dest}; readlink /usr/local/go`);
    const pb = join(dir, "wrong-sum.yaml");
    const wrong = "0".repeat(64);
    writeFileSync(
      pb,
      `- hosts: arm64\n  become: true\n  tasks:\n    - name: download with a wrong checksum\n      download:\n        url: "{{ go_mirror }}/go1.22.12.linux-arm64.tar.gz"\n        dest: ${dest}\n        checksum: "sha256:${wrong}"\n`,
    );
    const r = await play(pb, "--limit", h1);
    expect(r.code).toBe(2);
    const actual = before.stdout.split(" ")[0]!;
    expect(r.stdout).toContain(wrong);
    expect(r.stdout).toContain(actual);
    expect((await fleet.exec(h1, `sha256sum ${dest}; readlink /usr/local/go`)).stdout).toBe(before.stdout);
    expect((await fleet.exec(h1, `ls ${dest}.part 2>&1; ls /var/cache/armgo`)).stdout).not.toContain(".part\n");
    expect((await fleet.exec(h1, loginGo())).stdout).toBe("go version go1.22.12 linux/arm64\n");
  });

  it("download mode: controller fetches once and pushes over SFTP; checksum fails with path, expected and actual", async () => {
    const sum = (await fleet.exec(h1, "sha256sum /var/cache/armgo/go1.22.12.linux-arm64.tar.gz")).stdout.split(" ")[0]!;
    const pb = join(dir, "controller.yaml");
    const dest = "/opt/pushed/go.tar.gz";
    writeFileSync(
      pb,
      `- hosts: arm64\n  become: true\n  gather_facts: false\n  tasks:\n    - name: push\n      download: { url: "{{ go_mirror }}/go1.22.12.linux-arm64.tar.gz", dest: ${dest}, checksum: "sha256:${sum}", mode: controller }\n    - name: verify\n      checksum: { path: ${dest}, checksum: "sha256:{{ want }}" }\n`,
    );
    const first = await play(pb, "--limit", `${h1}:${h2}`, "-e", `want=${sum}`);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const h of [h1, h2])
      expect((await fleet.exec(h, `sha256sum ${dest} | cut -d' ' -f1; stat -c %U ${dest}`)).stdout).toBe(
        `${sum}\nroot\n`,
      );
    const again = await play(pb, "--limit", `${h1}:${h2}`, "-e", `want=${sum}`);
    expect(recap(again.stdout)[h1]).toMatchObject({ changed: 0, failed: 0 });
    const wrong = "f".repeat(64);
    const bad = await play(pb, "--limit", h1, "-e", `want=${wrong}`);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(new RegExp(`FAILED! .*${dest}.*${wrong}.*${sum}|FAILED! .*${dest}.*${sum}.*${wrong}`));
  });

  it("SIGKILL during extract leaves the old toolchain working; the next run converges", async () => {
    const child = spawn(
      process.execPath,
      [CLI, "play", SITE, "-i", fleet.inventoryPath, "--audit-dir", audit, "--limit", h3, "-e", "go_version=1.23.5"],
      {
        stdio: "ignore",
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    const exited = new Promise<void>((res) => child.on("exit", () => res()));
    // kill once the new tree is being unpacked beside the target
    let seen = false;
    for (let i = 0; i < 600 && !seen; i++) {
      const r = await fleet.exec(h3, "ls -d /usr/local/.armgo-extract-* 2>/dev/null | head -n 1");
      seen = r.stdout.trim() !== "";
      if (!seen) await new Promise((res) => setTimeout(res, 250));
    }
    expect(seen).toBe(true);
    child.kill("SIGKILL");
    await exited;
    expect((await fleet.exec(h3, loginGo())).stdout).toBe("go version go1.22.12 linux/arm64\n");
    const again = await play(SITE, "--limit", h3, "-e", "go_version=1.23.5");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect((await fleet.exec(h3, loginGo())).stdout).toBe("go version go1.23.5 linux/arm64\n");
    expect((await fleet.exec(h3, "ls -d /usr/local/.armgo-extract-* 2>/dev/null | wc -l")).stdout.trim()).toBe("0");
  });

  it("user-go.yaml installs into ~/sdk as deploy, with no root", async () => {
    const r = await play(USER_GO, "--limit", h1, "-e", "user=deploy");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await fleet.exec(h1, loginGo("deploy"))).stdout).toBe("go version go1.22.12 linux/arm64\n");
    expect((await fleet.exec(h1, "readlink /home/deploy/sdk/go; stat -c %U /home/deploy/sdk/go-1.22.12")).stdout).toBe(
      "go-1.22.12\ndeploy\n",
    );
    // the audit log shows no sudo in any command of that run
    const lines = readFileSync(join(audit, `${h1}.jsonl`), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const runId = lines.filter((l) => l.type === "run_start").pop().run_id;
    const scripts = lines
      .filter((l) => l.run_id === runId && l.type === "task")
      .flatMap((l) => l.commands.map((c: { script: string }) => c.script));
    expect(scripts.join("\n")).not.toMatch(/\bsudo\b/);
  });

  it("an archive with a ../ entry is refused with nothing written", async () => {
    const evil = makeTarGz([
      { type: "dir", name: "go/" },
      { type: "file", name: "go/VERSION", content: "go1.99.0\n" },
      { type: "file", name: "go/../../../tmp/armgo-escaped", content: "pwned\n" },
    ]).toString("base64");
    await fleet.exec(h1, `echo ${evil} | base64 -d > /tmp/evil.tar.gz`);
    // Entries are checked as they are unpacked into a temp dir beside the target, which is then
    // removed: directories' mtimes move, nothing else may (no file, directory, mode or link).
    const snapshot = HOST_SNAPSHOT.replace("-printf", "-type d -printf '%p %m\\n' -o -printf");
    const before = await fleet.exec(h1, snapshot);
    const pb = join(dir, "evil.yaml");
    writeFileSync(
      pb,
      "- hosts: arm64\n  become: true\n  tasks:\n    - extract: { src: /tmp/evil.tar.gz, dest: /opt/evil, version_file: go/VERSION, version: go1.99.0 }\n",
    );
    const r = await play(pb, "--limit", h1);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /FAILED!.*refusing to extract \/tmp\/evil\.tar\.gz: '\.\.' in path: go\/\.\.\/\.\.\/\.\.\/tmp\/armgo-escaped/,
    );
    expect((await fleet.exec(h1, snapshot)).stdout).toBe(before.stdout);
    expect((await fleet.exec(h1, "ls -d /opt/evil /tmp/armgo-escaped 2>/dev/null | wc -l")).stdout.trim()).toBe("0");
  });
});

describe("one playbook on a mixed fleet", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({ arm64: 1, amd64: 1 });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it("gives each host the tarball of its own arch", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-mixed-"));
    const pb = join(dir, "site-all.yaml");
    writeFileSync(pb, readFileSync(SITE, "utf8").replace("hosts: arm64", "hosts: all"));
    const r = await armgo(["play", pb, "-i", fleet.inventoryPath, "--audit-dir", join(dir, "audit")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const h of fleet.hosts) {
      expect((await fleet.exec(h.name, "bash -lc 'go version'")).stdout).toBe(`go version go1.22.12 linux/${h.arch}\n`);
      expect((await fleet.exec(h.name, "ls /var/cache/armgo")).stdout).toContain(`go1.22.12.linux-${h.arch}.tar.gz`);
    }
  });
});
