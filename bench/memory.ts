// Controller memory of one tool run: every process in its own pids cgroup, summed PSS, sampled.
import { mkdir, readFile, rmdir } from "node:fs/promises";

const ROOT = "/sys/fs/cgroup/pids";
const INTERVAL_MS = 100;

export interface MemoryWatch {
  /** Path of the cgroup a process joins by writing its pid to `${path}/cgroup.procs`. */
  path: string;
  /** Stop sampling; peak summed PSS (bytes) and the process count at that peak. */
  stop(): Promise<{ peakPss: number; processesAtPeak: number }>;
  /** Pids still in the cgroup (e.g. Ansible's ControlPersist ssh masters after ansible-playbook exits). */
  pids(): Promise<number[]>;
  remove(): Promise<void>;
}

export async function watchMemory(name: string): Promise<MemoryWatch> {
  const path = `${ROOT}/${name}`;
  await mkdir(path);
  const pids = async () =>
    (await readFile(`${path}/cgroup.procs`, "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
  let peakPss = 0;
  let processesAtPeak = 0;
  let sampling: Promise<void> | undefined;
  // Forked Ansible workers share pages copy-on-write; PSS charges each shared page once in total, RSS would count it per fork.
  const sample = async () => {
    const list = await pids();
    const sizes = await Promise.all(list.map(pss));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total > peakPss) {
      peakPss = total;
      processesAtPeak = list.length;
    }
  };
  // A slow sample (many processes) is skipped over rather than queued.
  const timer = setInterval(() => {
    sampling ??= sample().finally(() => (sampling = undefined));
  }, INTERVAL_MS);
  return {
    path,
    pids,
    async stop() {
      clearInterval(timer);
      await sampling;
      await sample();
      return { peakPss, processesAtPeak };
    },
    async remove() {
      await rmdir(path);
    },
  };
}

async function pss(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
  const kb = /^Pss:\s+(\d+) kB/m.exec(text)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** Put this shell's pid into the cgroup, then exec the tool: no process of the run is ever outside it. */
export function joinAndExec(path: string): string[] {
  return ["sh", "-c", `echo $$ > ${path}/cgroup.procs && exec "$@"`, "sh"];
}
