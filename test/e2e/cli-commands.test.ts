// The CLI's non-running commands through the real binary: help, version, validate, inventory,
// list-*, and `armgo` on PATH as scripts/setup.sh installs it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { armgo, type CliResult } from "./cli.js";

const ROOT = join(import.meta.dirname, "../..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const SITE = join(import.meta.dirname, "../../playbooks/site.yaml");
let dir: string;
let inv: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "armgo-cli-"));
  inv = join(dir, "hosts.yaml");
  writeFileSync(
    inv,
    "all:\n  vars: { go_mirror: 'http://127.0.0.1:1' }\n  children:\n    arm64:\n      hosts:\n        a1: { host: 127.0.0.1, port: 2201 }\n        a2: { host: 127.0.0.1, port: 2202 }\n      children:\n        canary:\n          hosts:\n            a1:\n    amd64:\n      hosts:\n        x1: { host: 127.0.0.1, port: 2203 }\n",
  );
});

describe("armgo CLI", () => {
  it.each<[string[], number, RegExp]>([
    [
      ["--help"],
      0,
      /^Usage: armgo COMMAND \[options\][\s\S]*Exit codes: 0 fine, 2 a host failed, 3 drift found, 4 a host unreachable, 5 invalid input,\n6 drift fixed, 7 run lock held/,
    ],
    [["play", "--help"], 0, /-C, --check\s+probe and plan only[\s\S]*--host-key-checking MODE/],
    [["--version"], 0, new RegExp(`^${VERSION.replace(/\./g, "\\.")}\n$`)],
    [["validate", "--help"], 0, /^Usage: armgo validate PLAYBOOK \[-i INVENTORY\][\s\S]*-h, --help\s+show this help/],
    [["lab", "upp"], 5, /^ERROR: unknown lab command 'upp' — did you mean 'up'\?/],
    [["plya"], 5, /^ERROR: unknown command 'plya' — did you mean 'play'\? — see armgo --help\n$/],
    [
      ["play", SITE, "-i", "INV", "--chekc"],
      5,
      /^ERROR: armgo play: unknown option --chekc — did you mean '--check'\?/,
    ],
    [["play", SITE], 5, /^ERROR: armgo play: -i INVENTORY is required/],
    [["play", SITE, "-i", "INV", "--forks", "0"], 5, /^ERROR: --forks must be a whole number of at least 1/],
    [
      ["play", SITE, "-i", "INV", "--host-key-checking", "maybe"],
      5,
      /^ERROR: --host-key-checking must be strict, accept-new or off/,
    ],
    [["play", SITE, "-i", "INV", "--limit", "nosuch"], 5, /^ERROR: --limit 'nosuch' matches no host/],
    [["play", SITE, "-i", "INV", "-e", "novalue"], 5, /^ERROR: -e 'novalue' is not key=value or @file/],
    [["play", "missing.yaml", "-i", "INV"], 5, /^ERROR: missing\.yaml: file not found — check the path\n$/],
  ])("armgo %j → exit %i", async (args, code, out) => {
    const r = await armgo(args.map((a) => (a === "INV" ? inv : a)));
    expect(r.code).toBe(code);
    expect(code === 0 ? r.stdout : r.stderr).toMatch(out);
  });

  it("validate reports ok, and a broken playbook with every problem at file:line:col", async () => {
    const ok = await armgo(["validate", SITE, "-i", inv]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/site\.yaml: ok — 1 play\(s\), 6 task\(s\), 0 handler\(s\); .*: 3 host\(s\)/);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "- hosts: arm64\n  gather_facts: yes please\n  tasks:\n    - extract: { src: /a, dest: 7 }\n");
    const r = await armgo(["validate", bad]);
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split("\n")).toEqual([
      `ERROR: ${bad}:2:17: 'gather_facts' must be boolean`,
      `${bad}:4:16: 'extract' needs version and version_file, or creates`,
      `${bad}:4:33: 'dest' must be string`,
    ]);
  });

  it("inventory --graph and --list", async () => {
    const g = await armgo(["inventory", "-i", inv, "--graph"]);
    expect(g.stdout).toBe(
      "@all:\n  |--@ungrouped:\n  |--@arm64:\n  |  |--@canary:\n  |  |  |--a1\n  |  |--a1\n  |  |--a2\n  |--@amd64:\n  |  |--x1\n",
    );
    const l = JSON.parse((await armgo(["inventory", "-i", inv, "--list"])).stdout);
    expect(l._meta.hostvars.a2).toMatchObject({ port: 2202, go_mirror: "http://127.0.0.1:1" });
    expect(l.arm64).toEqual({ hosts: ["a1", "a2"], children: ["canary"] });
  });

  it("--syntax-check, --list-hosts with --limit, --list-tasks with --tags contact nothing", async () => {
    expect((await armgo(["play", SITE, "-i", inv, "--syntax-check"])).stdout).toBe(`playbook: ${SITE} — syntax ok\n`);
    const hosts = await armgo(["play", SITE, "-i", inv, "--list-hosts", "--limit", "arm64:!canary"]);
    expect(hosts.stdout).toBe("play: Go toolchain (system-wide)\n  a2\n");
    const tasks = await armgo(["play", SITE, "-i", inv, "--list-tasks"]);
    expect(tasks.stdout.split("\n").filter((l) => l.startsWith("  "))).toHaveLength(6);
  });

  it("`armgo` on PATH, as scripts/setup.sh installs it, answers from any directory", async () => {
    const bin = join(dir, "bin");
    const installed = await run("bash", [join(ROOT, "scripts/install-cli.sh"), bin], {});
    expect(installed).toMatchObject({ code: 0 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" };
    expect(await run("armgo", ["--version"], { cwd: dir, env })).toEqual({
      code: 0,
      stdout: `${VERSION}\n`,
      stderr: "",
    });
    const r = await run("armgo", ["validate", SITE], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${SITE}: ok — \\d+ play\\(s\\)`));
  });
});

/** A program found the way a shell finds it (PATH), not through node. */
function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile(file, args, opts, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}
