// What each host's sshd logged: connections accepted and sessions started, read from `docker logs`.
import { execFile } from "node:child_process";

export interface SshdCounts {
  connections: number;
  sessions: number;
  /** Session kinds as sshd names them: command, shell, subsystem. */
  kinds: Record<string, number>;
}

/** sshd runs with -e, so its log is the container's stderr. */
export function sshdLog(containerId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("docker", ["logs", containerId], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker logs ${containerId}: ${err.message}`, { cause: err })) : resolve(stdout + stderr),
    );
  });
}

export function countSshd(log: string): SshdCounts {
  const kinds: Record<string, number> = {};
  let connections = 0;
  let sessions = 0;
  for (const line of log.split("\n")) {
    if (line.includes("Accepted publickey for ")) connections += 1;
    // VERBOSE: "Starting session: command for root from 127.0.0.1 port 4711 id 0".
    const m = /Starting session: (\w+)/.exec(line);
    if (m) {
      sessions += 1;
      kinds[m[1]!] = (kinds[m[1]!] ?? 0) + 1;
    }
  }
  return { connections, sessions, kinds };
}

export async function sshdCounts(containerId: string): Promise<SshdCounts> {
  return countSshd(await sshdLog(containerId));
}

export function subtract(after: SshdCounts, before: SshdCounts): SshdCounts {
  const kinds: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.kinds)) {
    const d = v - (before.kinds[k] ?? 0);
    if (d) kinds[k] = d;
  }
  return { connections: after.connections - before.connections, sessions: after.sessions - before.sessions, kinds };
}

/** Resolve once sshd logged `Server listening` `times` times (the second one follows a SIGHUP re-exec). */
export async function waitListening(containerId: string, times: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await sshdLog(containerId);
    if ((log.match(/Server listening on 127\.0\.0\.1/g) ?? []).length >= times) return;
    if (Date.now() > deadline)
      throw new Error(`sshd in ${containerId.slice(0, 12)} did not listen again within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
