// How each tool is invoked for a scenario, and what its output says each host ended up as.
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";

export type Tool = "armgo" | "ansible";
export type Scenario = "install" | "converged" | "check";

export interface Job {
  root: string;
  /** Scratch dir of this fleet (ssh control sockets), removed with it. */
  work: string;
  forks: number;
  inventories: { armgo: string; ansible: string };
  auditDir: string;
  vars: { go_url: string; go_sha256: string };
}

export interface HostTally {
  changed: number;
  failed: number;
  unreachable: number;
}

export async function command(tool: Tool, scenario: Scenario, job: Job): Promise<{ argv: string[]; env: NodeJS.ProcessEnv }> {
  const extra = Object.entries(job.vars).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const check = scenario === "check" ? ["--check"] : [];
  if (tool === "armgo") {
    const argv = [process.execPath, join(job.root, "dist/src/cli/main.js"), "play", join(job.root, "bench/armgo/site.yaml")];
    return {
      argv: [...argv, "-i", job.inventories.armgo, "--json", "--forks", String(job.forks), "--audit-dir", job.auditDir, ...extra, ...check],
      env: process.env,
    };
  }
  // A fresh ControlPath dir per run: no run reuses the previous run's ssh masters.
  const controlDir = await mkdtemp(join(job.work, "cp-"));
  return {
    argv: ["ansible-playbook", join(job.root, "bench/ansible/site.yml"), "-i", job.inventories.ansible, "-f", String(job.forks), ...extra, ...check],
    env: {
      ...process.env,
      ANSIBLE_CONFIG: join(job.root, "bench/ansible/ansible.cfg"),
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
      ANSIBLE_NOCOLOR: "1",
    },
  };
}

/** Per-host changed/failed/unreachable from armgo's --json summary or Ansible's PLAY RECAP. */
export function tally(tool: Tool, output: string): Map<string, HostTally> {
  const hosts = new Map<string, HostTally>();
  if (tool === "armgo") {
    const summary = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type: string; recap?: Record<string, HostTally> })
      .find((e) => e.type === "summary");
    for (const [host, r] of Object.entries(summary?.recap ?? {})) hosts.set(host, { changed: r.changed, failed: r.failed, unreachable: r.unreachable });
    return hosts;
  }
  for (const m of output.matchAll(/^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    hosts.set(m[1]!, { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) });
  }
  return hosts;
}
