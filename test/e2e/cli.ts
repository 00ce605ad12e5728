// Run the built CLI as a user would: a real process, real exit code, real output.
import { execFile } from "node:child_process";
import { join } from "node:path";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const CLI = join(import.meta.dirname, "../../dist/src/cli/main.js");

export function armgo(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: opts.cwd,
        env: { ...process.env, NO_COLOR: "1", ...opts.env },
        timeout: opts.timeoutMs ?? 900_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The PLAY RECAP counters per host, parsed from human output (the block ends at a blank line). */
export function recap(stdout: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const at = stdout.lastIndexOf("PLAY RECAP");
  const lines = stdout.slice(at).split("\n").slice(1);
  for (const line of lines.slice(0, lines.indexOf("") === -1 ? undefined : lines.indexOf(""))) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]!] = Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1]!, Number(x[2])]));
  }
  return out;
}

/** A hash of every path's size, mtime, mode and link target, but what sshd and the kernel write for any login: equal before and after means untouched. */
export const HOST_SNAPSHOT = `find / -xdev \\( -path /proc -o -path /sys -o -path /run -o -path /var/log -o -path /dev \\) -prune -o -printf '%p %s %T@ %m %l\\n' 2>/dev/null | sort | sha256sum`;
