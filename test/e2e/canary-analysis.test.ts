// Issue 19's metric-gated rollout on 3 amd64 lab hosts with a real Prometheus (Debian's) scraping
// hello's /metrics on loopback, a bounded load generator, playbooks/canary-analysis.yaml: a good
// release promoted through every batch, a release bad only under load rolled back after the canary
// while the other hosts never see it, and --check saying what would be evaluated.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { freePorts } from "../../src/lab/ports.js";
import { armgo, recap } from "./cli.js";
import { type HelloFleet, startHelloFleet } from "./hello-fleet.js";

const PLAYBOOK = join(import.meta.dirname, "../../playbooks/canary-analysis.yaml");

describe("canary analysis on Prometheus metrics, 3 amd64 hosts", () => {
  let hello: HelloFleet;
  let prometheus: ChildProcess;
  let promUrl: string;
  let playbook: string;
  let hosts: string[];
  let canary: string;
  let others: string[];
  const port: Record<string, number> = {};

  beforeAll(async () => {
    hello = await startHelloFleet({ amd64: 3, name: "canary-analysis" });
    hosts = hello.hosts;
    [canary, ...others] = hosts as [string, ...string[]];
    Object.assign(port, hello.ports.hello_port);
    // the example playbook, on this fleet's group
    const plays = parse(readFileSync(PLAYBOOK, "utf8")) as Array<Record<string, unknown>>;
    plays[0]!.hosts = "amd64";
    playbook = join(hello.dir, "canary-analysis.yaml");
    writeFileSync(playbook, stringify(plays));
    // Prometheus on a free loopback port, fresh storage, scraping every host each second, labelled by host
    const [promPort] = await freePorts(1);
    promUrl = `http://127.0.0.1:${promPort}`;
    const config = {
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: [
        {
          job_name: "hello",
          static_configs: hosts.map((h) => ({ targets: [`127.0.0.1:${port[h]}`], labels: { host: h } })),
        },
      ],
    };
    mkdirSync(join(hello.dir, "prometheus"));
    writeFileSync(join(hello.dir, "prometheus.yml"), stringify(config));
    prometheus = spawn(
      "/usr/bin/prometheus",
      [
        `--config.file=${join(hello.dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(hello.dir, "prometheus")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; ; i++) {
      const ready = await fetch(`${promUrl}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (i > 300) throw new Error("Prometheus did not get ready");
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    prometheus?.kill("SIGTERM");
    await hello?.stop();
  });

  /** The play, with a load generator on every host (about 20 requests per second each) until it ends. */
  async function playUnderLoad(version: string, ...extra: string[]) {
    let done = false;
    const load = Promise.all(
      hosts.map(async (h) => {
        // bounded: at most 10 minutes of load whatever the play does
        for (let i = 0; !done && i < 12000; i++) {
          await fetch(`http://127.0.0.1:${port[h]}/`).then(
            (r) => r.arrayBuffer(),
            () => undefined,
          );
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    try {
      return await hello.play(
        playbook,
        version,
        "-e",
        `prometheus=${promUrl}`,
        "-e",
        "analysis_interval=3",
        "-e",
        "analysis_duration=9",
        ...extra,
      );
    } finally {
      done = true;
      await load;
    }
  }
  const serves = async (h: string) =>
    (await fetch(`http://127.0.0.1:${port[h]}/healthz`).then((r) => r.ok)) &&
    (await hello.fleet.exec(h, `readlink /opt/hello/current`)).stdout.trim();
  const releases = async () => {
    const r = await armgo(["releases", ...hello.common(), "--app", "hello", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return JSON.parse(r.stdout) as {
      hosts: Record<string, { current?: string; releases: Array<{ sha: string; status: string; why?: string }> }>;
    };
  };
  let good = "";

  it("a good release is promoted through every batch, each host's analysis passing", async () => {
    const r = await playUnderLoad("1.0.0");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(recap(r.stdout)).toEqual(
      Object.fromEntries(hosts.map((h) => [h, expect.objectContaining({ changed: 1, failed: 0 })])),
    );
    expect(
      r.stdout.match(
        /analysis passed: .*hello_http_errors_total.* = 0, wanted < 0\.03 \(sample 3 of 3(, after \d+ without data)?\)/g,
      ),
    ).toHaveLength(3);
    const report = await releases();
    good = report.hosts[canary]!.current!;
    for (const h of hosts) expect(report.hosts[h]!.current).toBe(good);
  });

  it("--check says which analysis would be evaluated", async () => {
    const r = await hello.play(playbook, "2.0.0", "--check", "-e", `prometheus=${promUrl}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `analysis: (sum(rate(hello_http_errors_total{host="${canary}"}[10s])) or vector(0)) / sum(rate(hello_http_requests_total{host="${canary}"}[10s])) < 0.03 at ${promUrl}, every 10 s for 60 s (6 samples)`,
    );
  });

  it("a release failing a fifth of its requests passes its health check, fails the canary's analysis, is rolled back; the others never see it", async () => {
    const r = await playUnderLoad("3.0.0", "-e", "hello_ldflags=-X main.failRate=0.2");
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(
        `release ([0-9a-f]{12}) of hello is bad: analysis failed: \\(sum\\(rate\\(hello_http_errors_total\\{host="${canary}"\\}.* = 0\\.\\d+, wanted < 0\\.03 \\(sample \\d of 3(, after \\d+ without data)?\\); rolled back to ${good}, which is healthy`,
      ),
    );
    const rc = recap(r.stdout);
    expect(rc[canary]).toMatchObject({ failed: 1 });
    // the hosts the stopped rollout never reached: in the recap, nothing counted
    for (const h of others)
      expect(rc[h]).toEqual({ ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, ignored: 0 });
    const report = await releases();
    const badRelease = report.hosts[canary]!.releases.find((x) => x.status === "bad")!;
    const bad = badRelease.sha;
    // armgo releases says why: the query, the value, the threshold
    expect(badRelease.why).toMatch(
      /^analysis failed: \(sum\(rate\(hello_http_errors_total.* = 0\.\d+, wanted < 0\.03 \(sample \d of 3(, after \d+ without data)?\)$/,
    );
    const table = await armgo(["releases", ...hello.common(), "--app", "hello"]);
    expect(table.stdout).toMatch(/ bad .* analysis failed: .* wanted < 0\.03/);
    expect(bad).not.toBe(good);
    for (const h of hosts) {
      expect(report.hosts[h]!.current).toBe(good);
      expect(await serves(h)).toBe(`releases/${good}`);
    }
    // the rest of the fleet was never given the bad release
    for (const h of others) expect(report.hosts[h]!.releases.map((x) => x.sha)).not.toContain(bad);
  });
});
