// Issue 18's mixed fleet: ARM64 hosts of bullseye, bookworm and trixie (one shared fleet) converge with
// site.yaml and stay in sync; the cgo probe's glibc floor refuses a bookworm-sysroot binary for bullseye only,
// and a bullseye sysroot's binary suits every host; (issue 19) deploy refuses a bookworm-sysroot service for
// bullseye only, before anything reaches it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ensureControllerGo } from "../../src/lab/controller-go.js";
import { armgo, HOST_SNAPSHOT, recap } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";
import { HELLO } from "./hello-fleet.js";

const SITE = join(import.meta.dirname, "../../playbooks/site.yaml");

describe("a fleet of bullseye, bookworm and trixie ARM64 hosts", () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  let go: string;

  beforeAll(async () => {
    [fleet, go] = await Promise.all([startFleet({ arm64: 3, release: "mixed" }), ensureControllerGo()]);
    dir = mkdtempSync(join(tmpdir(), "armgo-releases-"));
    // the fleet's inventory, a group per release, and the controller as the cross-build host
    const inv = parse(await readFile(fleet.inventoryPath, "utf8")) as { all: { children: Record<string, unknown> } };
    for (const release of ["bullseye", "bookworm", "trixie"]) {
      const hosts = fleet.hosts.filter((h) => h.release === release).map((h) => [h.name, null]);
      inv.all.children[release] = { hosts: Object.fromEntries(hosts) };
    }
    inv.all.children.build = { hosts: { build: { connection: "local" } } };
    inventory = join(dir, "inventory.yaml");
    writeFileSync(inventory, stringify(inv));
  });
  afterAll(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = (cmd: "play" | "drift", pb: string, ...extra: string[]) =>
    armgo([cmd, pb, "-i", inventory, "--audit-dir", join(dir, "audit"), ...extra]);

  it("each host runs its release and glibc, as lab status reports them", () => {
    expect(fleet.hosts.map((h) => `${h.release} ${h.glibc}`).sort()).toEqual([
      "bookworm 2.36",
      "bullseye 2.31",
      "trixie 2.41",
    ]);
  });

  it("site.yaml converges the mixed fleet, and drift after it finds 0 drifted", async () => {
    const play = await run("play", SITE, "--limit", "arm64");
    expect(play.code, play.stdout + play.stderr).toBe(0);
    for (const h of fleet.hosts) {
      expect(recap(play.stdout)[h.name]).toMatchObject({ failed: 0, unreachable: 0 });
      expect((await fleet.exec(h.name, "bash -lc 'go version'")).stdout).toBe("go version go1.22.12 linux/arm64\n");
    }
    const drift = await run("drift", SITE, "--limit", "arm64");
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.stdout).toContain("0 drifted, 0 fixed, 3 in sync, 0 failed, 0 unreachable");
  });

  it("the glibc floor: a bookworm-sysroot cgo binary is refused for bullseye only; a bullseye sysroot's suits every host", async () => {
    const sysroots = join(dir, "sysroots");
    const probe = (release: string, targets: string) =>
      [
        `    - name: ${release} sysroot with zlib`,
        `      sysroot: { path: ${sysroots}/${release}, release: ${release}, libs: [zlib], install_compiler: true }`,
        `    - name: ${release} cgo probe for ${targets}`,
        `      cgo-probe: { sysroot: ${sysroots}/${release}, libs: [zlib], go: ${go}, targets: "${targets}" }`,
      ].join("\n");
    const playbook = (name: string, tasks: string[]) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, `- hosts: build\n  become: true\n  tasks:\n${tasks.join("\n")}\n`);
      return file;
    };
    const [bullseye] = fleet.hosts.filter((h) => h.release === "bullseye").map((h) => h.name);

    const newer = await run("play", playbook("newer", [probe("bookworm", "bookworm:trixie")]), "--json");
    expect(newer.code, newer.stdout + newer.stderr).toBe(0);
    const floor = newer.stdout.match(/"glibc":"(2\.\d+)"/)?.[1];
    expect(floor).toBe("2.34");

    const refused = await run("play", playbook("refused", [probe("bookworm", "bullseye")]));
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stdout).toContain(`cgo needs GLIBC_2.34, ${bullseye} has 2.31`);
    expect(recap(refused.stdout).build).toMatchObject({ failed: 1 });

    const oldest = await run("play", playbook("oldest", [probe("bullseye", "arm64")]));
    expect(oldest.code, oldest.stdout + oldest.stderr).toBe(0);
    expect(recap(oldest.stdout).build).toMatchObject({ failed: 0 });
  });

  it("deploy of hello built through the bookworm sysroot: bullseye refused in one line with nothing uploaded and counted against max_fail_percentage, bookworm and trixie serve it; --check says the same and changes nothing", async () => {
    const appDir = "/opt/hello-cgo";
    // cgo on (the sysroot's environment): hello links glibc dynamically, its floor bookworm's GLIBC_2.34
    const rollout = (name: string, play: Record<string, unknown>) => {
      const file = join(dir, `${name}.yaml`);
      const deploy = {
        app: "hello",
        app_dir: appDir,
        build: { package: HELLO, go, sysroot: join(dir, "sysroots/bookworm") },
        service: {
          type: "command",
          start: "HELLO_PORT={{ hello_port }} nohup ./current/hello > hello.log 2>&1 & echo $! > hello.pid",
          pidfile: `${appDir}/hello.pid`,
        },
        health: {
          http: "http://127.0.0.1:{{ hello_port }}/healthz",
          body: "OK",
          retries: 60,
          interval: 1,
          timeout: 60,
        },
      };
      writeFileSync(
        file,
        stringify([{ hosts: "arm64", become: true, ...play, tasks: [{ name: "deploy cgo hello", deploy }] }]),
      );
      return file;
    };
    const named = (release: string): string => fleet.hosts.find((h) => h.release === release)!.name;
    const [bullseye, bookworm, trixie] = [named("bullseye"), named("bookworm"), named("trixie")] as const;
    const refusal = new RegExp(
      `^.*release [0-9a-f]{12} of hello not uploaded to ${bullseye}: hello needs GLIBC_2\\.34, ${bullseye} has 2\\.31 — build against release: bullseye \\(glibc 2\\.31\\), link statically, or upgrade ${bullseye}$`,
    );
    const refusals = (out: string) => out.split("\n").filter((l) => l.includes("not uploaded to"));
    const snapshot = () => Promise.all(fleet.hosts.map(async (h) => (await fleet.exec(h.name, HOST_SNAPSHOT)).stdout));
    // --check in batches of 2 then 1, stopping above 49%: bullseye's refusal is 1 of 2 hosts after the
    // first batch, so trixie is never started; the same refusal, bookworm would change, no host changed
    const before = await snapshot();
    const check = await run(
      "play",
      rollout("deploy-cgo-49", { serial: [2, "100%"], max_fail_percentage: 49 }),
      "--check",
    );
    expect(check.code, check.stdout + check.stderr).toBe(2);
    expect(refusals(check.stdout)).toHaveLength(1);
    expect(refusals(check.stdout)[0]).toMatch(refusal);
    expect(recap(check.stdout)).toMatchObject({ [bullseye]: { failed: 1 }, [bookworm]: { failed: 0, changed: 1 } });
    expect(check.stdout).toContain(`not started: ${trixie} — unchanged`);
    expect(await snapshot()).toEqual(before);

    // the real run, all three hosts in one batch
    const play = await run("play", rollout("deploy-cgo", {}));
    expect(play.code, play.stdout + play.stderr).toBe(2);
    expect(refusals(play.stdout)).toHaveLength(1);
    expect(refusals(play.stdout)[0]).toMatch(refusal);
    expect(recap(play.stdout)).toMatchObject({
      [bullseye]: { failed: 1, changed: 0 },
      [bookworm]: { failed: 0, changed: 1 },
      [trixie]: { failed: 0, changed: 1 },
    });
    expect((await fleet.exec(bullseye, `ls -A ${appDir} 2>&1; echo rc=$?`)).stdout).toMatch(/No such file.*\nrc=2\n$/);
    const ports = parse(await readFile(inventory, "utf8")).all.children.arm64.hosts as Record<
      string,
      { hello_port: number }
    >;
    for (const host of [bookworm, trixie]) {
      const r = await fetch(`http://127.0.0.1:${ports[host]!.hello_port}/`);
      expect(await r.text()).toBe("hello dev\n");
    }
  });
});
