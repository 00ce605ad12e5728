// What a run costs each host: CPU of everything in the container's cgroup (sshd, the remote command and
// every process it forks) and how many processes were started in the container's pid namespace.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

export interface HostMark {
  cpuNs: number;
  lastPid: number;
}

export interface HostCost {
  cpuMs: number;
  processes: number;
}

export interface HostMeter {
  mark(): Promise<HostMark>;
  /** From `before` to `after`, less the processes the `after` reading itself started. */
  cost(before: HostMark, after: HostMark): HostCost;
}

const run = promisify(execFile);

/** The container's CPU counter file, found through its init process's cgroup (v1 cpuacct or v2 unified). */
async function cpuFile(pid: number): Promise<{ path: string; read(text: string): number }> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, "utf8")).split("\n");
  const v1 = lines.map((l) => l.split(":")).find((f) => f[1]?.split(",").includes("cpuacct"));
  if (v1) {
    const mount = (await readFile("/proc/self/mountinfo", "utf8"))
      .split("\n")
      .map((l) => l.split(" - "))
      .find(([, fs]) => fs?.startsWith("cgroup ") && fs.split(" ")[2]?.split(",").includes("cpuacct"))?.[0]
      ?.split(" ")[4];
    if (!mount) throw new Error("no cgroup v1 cpuacct mount in /proc/self/mountinfo");
    return { path: `${mount}${v1[2]}/cpuacct.usage`, read: (t) => Number(t.trim()) };
  }
  const v2 = lines.find((l) => l.startsWith("0::"))?.slice(3);
  if (v2 === undefined) throw new Error(`no cpu cgroup for pid ${pid}`);
  return {
    path: `/sys/fs/cgroup${v2}/cpu.stat`,
    read: (t) => Number(/^usage_usec (\d+)/m.exec(t)?.[1] ?? NaN) * 1000,
  };
}

/**
 * A meter for one container. The process count is the container pid namespace's last pid (the 5th
 * field of /proc/loadavg as a process in that namespace reads it): it counts every process started,
 * short-lived ones too. `nsenter -p` enters the pid namespace alone, not the cgroup (`docker exec`
 * would charge the container runc's CPU and a varying count of its threads): one `cat` per reading,
 * measured once (two readings in a row) and taken off.
 */
export async function hostMeter(containerId: string): Promise<HostMeter> {
  const { stdout } = await run("docker", ["inspect", "-f", "{{.State.Pid}}", containerId]);
  const pid = Number(stdout.trim());
  const cpu = await cpuFile(pid);
  const lastPid = async () => {
    const { stdout: avg } = await run("nsenter", ["-t", String(pid), "-p", "--", "cat", "/proc/loadavg"]);
    return Number(avg.trim().split(/\s+/)[4]);
  };
  const cpuNs = async () => cpu.read(await readFile(cpu.path, "utf8"));
  const first = await lastPid();
  const reading = (await lastPid()) - first;
  return {
    mark: async () => ({ lastPid: await lastPid(), cpuNs: await cpuNs() }),
    cost: (before, after) => ({
      cpuMs: (after.cpuNs - before.cpuNs) / 1e6,
      processes: after.lastPid - before.lastPid - reading,
    }),
  };
}
