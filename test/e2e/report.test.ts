// Issue 23 end to end on 4 amd64 hosts: a real sequence (Go installed, drift found and fixed, one
// host moved to another Go, two deploys of hello of which the second goes bad on the canary and
// rolls back, one host's audit log tampered with), then `armgo report` read as a person reads it:
// the page opened in Debian's headless Chromium, its text checked, a screenshot kept for the README.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { auditPath } from "../../src/audit/log.js";
import { anchor } from "../../src/report/escape.js";
import type { FleetReport } from "../../src/report/model.js";
import { armgo } from "./cli.js";
import { type HelloFleet, startHelloFleet } from "./hello-fleet.js";

const PLAYBOOKS = join(import.meta.dirname, "../../playbooks");
const SCREENSHOT = join(import.meta.dirname, "../../docs/report.png");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("armgo report after install, drift --fix, a rolled-back deploy and a tampered log, on 4 amd64 hosts", () => {
  let hello: HelloFleet;
  let hosts: string[];
  let audit: string;
  let page: string;
  let browser: BrowserContext | undefined;
  const sha = { v1: "", bad: "" };

  /** A shipped playbook for every host of this fleet, with its play's fields changed. */
  function variant(file: string, change: (play: Record<string, unknown>) => void): string {
    const plays = parse(readFileSync(join(PLAYBOOKS, file), "utf8")) as Array<Record<string, unknown>>;
    plays[0]!.hosts = "all";
    change(plays[0]!);
    const out = join(hello.dir, file);
    writeFileSync(out, stringify(plays));
    return out;
  }

  beforeAll(async () => {
    hello = await startHelloFleet({ amd64: 4, name: "report" });
    hosts = hello.hosts;
    audit = join(hello.dir, "audit");
    page = join(hello.dir, "fleet.html");
  });
  afterAll(async () => {
    await browser?.close();
    await hello?.stop();
  });

  it("runs the sequence: each step exits as it should", async () => {
    const [h1, , h3, h4] = hosts as [string, string, string, string];
    const site = variant("site.yaml", () => {});
    // the go role's defaults name arm64; these hosts are amd64: goarch comes from their facts
    const deploy = variant("deploy.yaml", (p) => {
      const build = ((p.tasks as Array<Record<string, Record<string, unknown>>>)[0]!.deploy!.build ??= {}) as Record<
        string,
        unknown
      >;
      delete build.goarch;
    });
    const run = async (args: string[], code: number) => {
      const r = await armgo(args);
      expect(r.code, r.stdout + r.stderr).toBe(code);
      return r;
    };
    await run(["play", site, ...hello.common()], 0);
    await hello.fleet.exec(h1, "rm /usr/local/go");
    await run(["drift", site, ...hello.common(), "--fix"], 6);
    await run(["play", site, ...hello.common(), "--limit", h3, "-e", "go_version=1.23.5"], 0);
    const v1 = await hello.play(deploy, "1.0.0");
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    sha.v1 = /RELEASES \[hello\][^\n]*\n([0-9a-f]{12}) /.exec(v1.stdout)![1]!;
    const bad = await hello.play(
      deploy,
      "2.0.0",
      "-e",
      "hello_ldflags=-X main.healthStatus=500",
      "-e",
      "health_retries=3",
    );
    expect(bad.code, bad.stdout + bad.stderr).toBe(2);
    sha.bad = /release ([0-9a-f]{12}) of hello is bad/.exec(bad.stdout + bad.stderr)![1]!;

    // someone rewrites history on h4: a changed task made to look as if nothing changed
    const log = auditPath(audit, h4);
    const lines = readFileSync(log, "utf8").split("\n");
    const at = lines.findIndex((l) => l.includes('"changed":true'));
    lines[at] = lines[at]!.replace('"changed":true', '"changed":false');
    writeFileSync(log, lines.join("\n"));
  });

  it("armgo report --json: Go versions over the trusted hosts, the bad release on the canary, h4 tampered", async () => {
    const [h1, h2, h3, h4] = hosts as [string, string, string, string];
    const r = await armgo(["report", "--audit-dir", audit, "-i", hello.inventory, "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const data = JSON.parse(r.stdout) as FleetReport;
    expect(data.go_versions.map((g) => [g.key, g.hosts, g.sample])).toEqual([
      ["go1.22.12", 2, [h1, h2]],
      ["go1.23.5", 1, [h3]],
    ]);
    expect(data.untrusted).toEqual([h4]);
    expect(data.releases.map((x) => [x.release, x.status, x.current, x.bad_on])).toEqual([
      [sha.v1, "good", 3, []],
      [sha.bad, "bad", 0, [h1]],
    ]);
    expect(data.hosts.find((h) => h.host === h1)).toMatchObject({
      arch: "x86_64",
      glibc: "2.36",
      apps: [{ app: "hello", release: sha.v1, status: "rolled back", left: sha.bad }],
      last_run: { result: "failed", check: false },
      drift: { state: "fixed" },
    });
    expect(data.days.at(-1)).toMatchObject({ drift_found: 1, drift_fixed: 1 });
    expect(data.deploys.filter((d) => d.kind === "rolled back")).toMatchObject([{ host: h1, other: sha.bad }]);
  });

  it("the page in headless Chromium reads: hosts per Go version, the bad release, the tampered host and its timeline", async () => {
    const [h1, , , h4] = hosts as [string, string, string, string];
    const w = await armgo(["report", "--audit-dir", audit, "-i", hello.inventory, "-o", page]);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    expect(w.stdout).toMatch(new RegExp(`^wrote ${page}: 4 hosts, \\d+ KiB; tampered: ${h4}\\n$`));
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "armgo-chromium-")), {
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 1500 },
      colorScheme: "light",
    });
    const tab = await browser.newPage();
    // the page is self-contained: nothing but the file itself may be fetched
    const fetched: string[] = [];
    tab.on("request", (q) => fetched.push(q.url()));
    await tab.goto(`file://${page}`);
    expect(fetched).toEqual([`file://${page}`]);

    const rows = async (sel: string) =>
      (await tab.locator(sel).allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    expect(await rows("#go-versions tbody tr")).toEqual([
      expect.stringMatching(/^go1\.22\.12 2 hosts /),
      expect.stringMatching(/^go1\.23\.5 1 host /),
    ]);
    expect(await rows("#releases tbody tr")).toEqual([
      expect.stringMatching(new RegExp(`^hello ${sha.v1} good 3 `)),
      expect.stringMatching(new RegExp(`^hello ${sha.bad} bad 0 1: ${h1} `)),
    ]);
    expect(await rows("#tampered")).toEqual([
      `Tampered audit log: ${h4}. Their records are not counted in any view below.`,
    ]);
    expect(await tab.locator("#hosts tr.untrusted").innerText()).toMatch(new RegExp(`^${h4}\\b[\\s\\S]*TAMPERED`));

    // a host's row links to its timeline, which carries the verdict
    await tab.locator("#hosts").getByRole("link", { name: h1, exact: true }).click();
    const timeline = tab.locator(`#${anchor(h1)}`);
    expect(await timeline.locator(".rows").isVisible()).toBe(true);
    expect(await timeline.locator(".head").innerText()).toMatch(/chain verifies/);
    expect(await timeline.innerText()).toContain(`release ${sha.bad} of hello is bad`);

    await tab.evaluate(() => window.scrollTo(0, 0));
    await tab.screenshot({ path: SCREENSHOT });
  });
});
