// Start-up: ms from spawning `armgo play` to its first connection attempt (target ≤ 100 ms, issue 21). A
// local TCP listener stands in for the host, so no fleet and no timing hook inside armgo is needed.
// Beside wall time, the main thread's CPU time until then (/proc/PID/schedstat): on a machine
// shared with other work, wall time measures the load; CPU time is what an idle machine would wait.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import ssh2 from "ssh2";
import { benchArgs } from "./args.js";
import { median } from "./stats.js";

const ROOT = join(import.meta.dirname, "../..");

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** One run: spawn → the listener's first accepted connection; the run is then killed. */
function once(cli: string, port: number, sockets: Socket[], args: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const waiting = setInterval(() => {
      if (sockets.length === 0) return;
      clearInterval(waiting);
      const cpuNs = Number(readFileSync(`/proc/${child.pid}/schedstat`, "utf8").split(" ")[0]);
      resolve({ wallMs: (sockets[0] as Socket & { at: number }).at - start, cpuMs: cpuNs / 1e6 });
      for (const s of sockets.splice(0)) s.destroy();
      child.kill("SIGKILL");
    }, 1);
    child.on("exit", () => {
      clearInterval(waiting);
      if (sockets.length === 0) reject(new Error(`armgo exited before connecting: ${stderr.trim().split("\n").pop()}`));
    });
  });
}

const USAGE = `
Usage: node dist/bench/startup.js [--runs 15] [--cli dist/src/cli/main.js] [--playbook playbooks/site.yaml] [-- extra armgo args]

Start-up: ms (wall and CPU) from spawning \`armgo play\` to its first connection attempt, toward a local
TCP listener standing in for the host; medians of --runs runs.
`;

async function main(): Promise<void> {
  const { values, positionals } = benchArgs(USAGE, {
    options: {
      runs: { type: "string", default: "15" },
      // another build's CLI (e.g. main's), to compare before and after on the same machine
      cli: { type: "string", default: join(ROOT, "dist/src/cli/main.js") },
      playbook: { type: "string", default: join(ROOT, "playbooks/site.yaml") },
    },
    allowPositionals: true,
  });
  const dir = mkdtempSync(join(tmpdir(), "armgo-startup-"));
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(Object.assign(s, { at: performance.now() })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  try {
    const key = ssh2.utils.generateKeyPairSync("ed25519");
    writeFileSync(join(dir, "key"), key.private, { mode: 0o600 });
    const inventory = join(dir, "hosts.yaml");
    writeFileSync(
      inventory,
      `all:\n  vars: { user: root, identity_file: ${join(dir, "key")}, go_mirror: "http://127.0.0.1:9" }\n  children:\n    arm64:\n      hosts:\n        h1: { host: 127.0.0.1, port: ${port} }\n`,
    );
    const args = [
      "play",
      values.playbook,
      "-i",
      inventory,
      "--json",
      "--audit-dir",
      join(dir, "audit"),
      ...positionals,
    ];
    const samples: Sample[] = [];
    for (let i = 0; i < Number(values.runs); i++) samples.push(await once(values.cli, port, sockets, args));
    const line = (ms: number[]) =>
      `median ${median(ms).toFixed(0)} ms (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)})`;
    console.log(`spawn → first connection attempt, ${samples.length} runs of ${values.cli}`);
    console.log(`  wall:             ${line(samples.map((s) => s.wallMs))}`);
    console.log(`  main thread CPU:  ${line(samples.map((s) => s.cpuMs))}`);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
