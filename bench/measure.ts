// One timed tool run: wall clock, exit code, output, GNU time's max RSS and the cgroup's peak summed PSS.
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { joinAndExec, watchMemory } from "./memory.js";

export interface ToolRun {
  wallMs: number;
  code: number;
  output: string;
  /** GNU time %M: the largest single process of the run (for Ansible: one fork or the parent). */
  maxRssBytes: number;
  /** Summed PSS of every process of the run at its peak (Ansible: parent + forks + ssh clients + masters). */
  peakPssBytes: number;
  processesAtPeak: number;
  /** GNU time %U + %S: CPU of the tool and the children it waited for (not daemonised ssh masters). */
  cpuMs: number;
}

let seq = 0;

export async function measure(
  argv: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; logPath: string },
): Promise<ToolRun> {
  const watch = await watchMemory(`armgo-bench-${process.pid}-${++seq}`);
  const timeFile = `${opts.logPath}.time`;
  const [sh, ...shArgs] = joinAndExec(watch.path);
  const start = performance.now();
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(sh!, [...shArgs, "/usr/bin/time", "-f", "%M %U %S", "-o", timeFile, ...argv], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    child.once("error", reject);
    child.once("close", (c) => resolve({ code: c ?? -1, output: Buffer.concat(chunks).toString() }));
  });
  const wallMs = performance.now() - start;
  await endLeftovers(() => watch.pids());
  const mem = await watch.stop();
  await watch.remove();
  await writeFile(opts.logPath, output);
  const [maxRssKb, user, sys] = (await readFile(timeFile, "utf8")).trim().split("\n").pop()!.split(" ").map(Number);
  return {
    wallMs,
    code,
    output,
    maxRssBytes: maxRssKb! * 1024,
    peakPssBytes: mem.peakPss,
    processesAtPeak: mem.processesAtPeak,
    cpuMs: (user! + sys!) * 1000,
  };
}

/** Processes the tool left behind in its cgroup (Ansible's ControlPersist masters) are ended, so the next run starts cold. */
async function endLeftovers(pids: () => Promise<number[]>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const left = await pids();
    if (left.length === 0) return;
    for (const pid of left) {
      try {
        process.kill(pid, i < 30 ? "SIGTERM" : "SIGKILL");
      } catch {
        // Gone between the listing and the signal.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`processes left in the run's cgroup: ${(await pids()).join(", ")}`);
}
