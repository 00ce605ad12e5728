// How each tool is invoked for a scenario, and what its output says each host ended up as.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FloorJob } from "./floor.js";

/** armgo; ansible-playbook as tuned; the same with Mitogen's strategy; the floor (bench/floor.ts, no tool at all). */
export type Tool = "armgo" | "ansible" | "mitogen" | "floor";
export type Scenario = "install" | "converged" | "check";
export const TOOLS: Tool[] = ["armgo", "ansible", "mitogen", "floor"];

export interface Job {
  root: string;
  /** Scratch dir of this fleet (ssh control sockets), removed with it. */
  work: string;
  forks: number;
  inventories: { armgo: string; ansible: string };
  auditDir: string;
  vars: { go_url: string; go_sha256: string };
  /** What the floor needs to reach the hosts: the same key and known_hosts as the tools. */
  hosts: Array<{ name: string; port: number }>;
  keyPath: string;
  knownHostsPath: string;
}

export interface HostTally {
  changed: number;
  failed: number;
  unreachable: number;
}

// The job's files, as bench/armgo/site.yaml and bench/ansible/site.yml name them.
export const ARCHIVE = "/usr/local/src/go1.22.12.linux-amd64.tar.gz";

let strategyDir: Promise<string> | undefined;

/** Mitogen's strategy plugins, asked of the Python that runs ansible-playbook (its shebang), not guessed. */
export function mitogenStrategyDir(): Promise<string> {
  strategyDir ??= (async () => {
    const { stdout: bin } = await promisify(execFile)("sh", ["-c", "command -v ansible-playbook"]);
    const python = (await readFile(bin.trim(), "utf8"))
      .split("\n")[0]!
      .replace(/^#!\s*/, "")
      .trim()
      .split(/\s+/);
    const code = "import os, ansible_mitogen.plugins.strategy as s; print(os.path.dirname(s.__file__))";
    const { stdout } = await promisify(execFile)(python[0]!, [...python.slice(1), "-c", code]);
    return stdout.trim();
  })();
  return strategyDir;
}

export async function command(
  tool: Tool,
  scenario: Scenario,
  job: Job,
): Promise<{ argv: string[]; env: NodeJS.ProcessEnv }> {
  const extra = Object.entries(job.vars).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const check = scenario === "check" ? ["--check"] : [];
  if (tool === "armgo") {
    const argv = [
      process.execPath,
      join(job.root, "dist/src/cli/main.js"),
      "play",
      join(job.root, "bench/armgo/site.yaml"),
    ];
    return {
      argv: [
        ...argv,
        "-i",
        job.inventories.armgo,
        "--json",
        "--forks",
        String(job.forks),
        "--audit-dir",
        job.auditDir,
        ...extra,
        ...check,
      ],
      env: process.env,
    };
  }
  if (tool === "floor") {
    const file = join(job.work, `floor-${scenario}.json`);
    const spec: FloorJob = {
      hosts: job.hosts,
      keyPath: job.keyPath,
      knownHostsPath: job.knownHostsPath,
      scenario,
      url: job.vars.go_url,
      sha256: job.vars.go_sha256,
      archive: ARCHIVE,
      dest: "/usr/local",
      profile: "/etc/profile.d/go.sh",
    };
    await writeFile(file, JSON.stringify(spec));
    return { argv: [process.execPath, join(job.root, "dist/bench/floor.js"), file], env: process.env };
  }
  // A fresh ControlPath dir per run: no run reuses the previous run's ssh masters.
  const controlDir = await mkdtemp(join(job.work, "cp-"));
  // Mitogen: same config, forks, hosts and known_hosts; only the strategy differs.
  const mitogen =
    tool === "mitogen"
      ? { ANSIBLE_STRATEGY_PLUGINS: await mitogenStrategyDir(), ANSIBLE_STRATEGY: "mitogen_linear" }
      : {};
  return {
    argv: [
      "ansible-playbook",
      join(job.root, "bench/ansible/site.yml"),
      "-i",
      job.inventories.ansible,
      "-f",
      String(job.forks),
      ...extra,
      ...check,
    ],
    env: {
      ...process.env,
      ANSIBLE_CONFIG: join(job.root, "bench/ansible/ansible.cfg"),
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
      ANSIBLE_NOCOLOR: "1",
      ...mitogen,
    },
  };
}

/** Per-host changed/failed/unreachable from armgo's (or the floor's) --json summary, or Ansible's PLAY RECAP. */
export function tally(tool: Tool, output: string): Map<string, HostTally> {
  const hosts = new Map<string, HostTally>();
  if (tool === "armgo" || tool === "floor") {
    const summary = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type: string; recap?: Record<string, HostTally> })
      .find((e) => e.type === "summary");
    for (const [host, r] of Object.entries(summary?.recap ?? {}))
      hosts.set(host, { changed: r.changed, failed: r.failed, unreachable: r.unreachable });
    return hosts;
  }
  for (const m of output.matchAll(/^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    hosts.set(m[1]!, { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) });
  }
  return hosts;
}
