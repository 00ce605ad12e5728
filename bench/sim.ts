// The simulated fleet: the real engine runs bench/armgo/site.yaml, converged, against 1,000–10,000 fake
// hosts that answer as one real converged lab host answered, after a set network and command delay.
// It measures what one controller costs per host (CPU, memory) and where more --forks stop helping.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { connectHost } from "../src/engine/connection.js";
import { runPlaybook } from "../src/engine/run.js";
import type { RunEvent } from "../src/engine/types.js";
import { loadInventory } from "../src/load/inventory.js";
import { benchArgs } from "./args.js";
import { ensureConvergedImage } from "./converged-image.js";
import { startBenchFleet } from "./fleet.js";
import { writeInventories } from "./inventories.js";
import { describeMachine, waitQuiet, type Quiet } from "./machine.js";
import { benchSetup, OUT, ROOT } from "./setup.js";
import { recording, SimTransport, type Latency, type Replies } from "./sim-transport.js";

const SITE = join(ROOT, "bench/armgo/site.yaml");
const REPLIES = join(OUT, "sim-replies.json");
const TASKS = 4;

interface Recorded {
  vars: Record<string, string>;
  inventoryVars: Record<string, unknown>;
  replies: Replies;
}

interface Measured {
  hosts: number;
  forks: number;
  phase: "first" | "steady";
  wallMs: number;
  /** The run's own CPU (user + sys), from just before runPlaybook to its end: no Node start-up, no imports. */
  cpuMs: number;
  maxRssMiB: number;
  execsPerHost: number;
  recapHosts: number;
  /** Most file descriptors open at once (sampled every 100 ms). */
  peakFds: number;
  /** What --json would have printed. */
  outputBytes: number;
  /** How busy the machine was before the run (it is shared): wall times mean little when it was. */
  before?: Quiet;
}

const USAGE = `
Usage: node dist/bench/sim.js [--hosts 1000,3000,10000] [--forks 10,50,200,1000] [--rtt 20] [--command-ms 30] [--connect-rtts 3]

The simulated fleet: records one real converged lab host (Docker), then runs the engine over
--hosts simulated hosts at each --forks, each run in its own process; writes bench/out/sim.md and sim.json.
  --hosts N,...       fleet sizes
  --forks F,...       --forks values (those above the fleet size are skipped)
  --rtt MS            a round trip
  --command-ms MS     a remote command's own time
  --connect-rtts K    round trips a connect takes (+10 ms)
`;

const { values, positionals } = benchArgs(USAGE, {
  allowPositionals: true,
  options: {
    hosts: { type: "string", default: "1000,3000,10000" },
    forks: { type: "string", default: "10,50,200,1000" },
    rtt: { type: "string", default: "20" },
    "command-ms": { type: "string", default: "30" },
    // A connect is TCP + key exchange + auth: about three round trips, plus the host's own crypto.
    "connect-rtts": { type: "string", default: "3" },
    // Internal: one measured run in its own process (clean peak RSS), used by the parent.
    phase: { type: "string" },
    audit: { type: "string" },
  },
});

const latency: Latency = {
  rttMs: Number(values.rtt),
  commandMs: Number(values["command-ms"]),
  connectMs: Number(values["connect-rtts"]) * Number(values.rtt) + 10,
};

if (positionals[0] === "child") await child();
else await parent();

/** One real converged lab host, run twice through a recording transport: the replies every simulated host gives. */
async function record(): Promise<Recorded> {
  const setup = await benchSetup();
  try {
    const image = await ensureConvergedImage(setup);
    const knownHostsPath = join(setup.work, "sim-known_hosts");
    const fleet = await startBenchFleet(1, {
      image,
      publicKey: setup.key.publicKey,
      knownHostsPath,
      label: `sim-${process.pid}`,
    });
    try {
      const inventory = join(setup.work, "sim.yaml");
      await writeInventories(
        fleet.hosts,
        { armgo: inventory, ansible: join(setup.work, "sim.ini") },
        { keyPath: setup.key.privateKeyPath, knownHostsPath, mirrorUrl: setup.mirrorUrl },
      );
      const inv = loadInventory(inventory);
      const replies: Replies = {};
      const auditDir = join(setup.work, "sim-audit");
      // Twice: the first run learns what a later run may keep (under the audit dir), the second is the steady state.
      for (let i = 0; i < 2; i++) {
        const result = await runPlaybook({
          playbook: SITE,
          inventory,
          auditDir,
          forks: 1,
          extraVars: setup.vars,
          connect: async (h) => recording(await connectHost(inv, h, { extraVars: setup.vars }), replies),
        });
        const changed = Object.values(result.recap).reduce((a, r) => a + r.changed + r.failed + r.unreachable, 0);
        if (changed) throw new Error(`sim: the recorded host is not converged (recap ${JSON.stringify(result.recap)})`);
      }
      return { vars: setup.vars, inventoryVars: inv.groups.get("all")?.vars ?? {}, replies };
    } finally {
      await fleet.stop();
    }
  } finally {
    await setup.close();
  }
}

async function parent(): Promise<void> {
  // Recorded afresh every time: the replies must come from the engine that is being measured.
  const recorded = await record();
  await mkdir(OUT, { recursive: true });
  await writeFile(REPLIES, JSON.stringify(recorded, null, 1));
  console.log(
    `machine: ${describeMachine()}; latency: connect ${latency.connectMs} ms, round trip ${latency.rttMs} ms, command ${latency.commandMs} ms`,
  );
  const rows: Measured[] = [];
  for (const hosts of values.hosts.split(",").map(Number)) {
    for (const forks of values.forks.split(",").map(Number)) {
      if (forks > hosts) continue;
      const audit = await mkdtemp(join(tmpdir(), "armgo-sim-"));
      try {
        for (const phase of ["first", "steady"] as const) {
          const args = [
            join(ROOT, "dist/bench/sim.js"),
            "child",
            "--hosts",
            String(hosts),
            "--forks",
            String(forks),
            "--phase",
            phase,
            "--audit",
            audit,
          ];
          const lat = [
            "--rtt",
            values.rtt,
            "--command-ms",
            values["command-ms"],
            "--connect-rtts",
            values["connect-rtts"],
          ];
          const before = await waitQuiet();
          const { stdout } = await promisify(execFile)(process.execPath, [...args, ...lat], {
            maxBuffer: 16 * 2 ** 20,
          });
          const m = { ...(JSON.parse(stdout.trim().split("\n").pop()!) as Measured), before };
          rows.push(m);
          console.log(
            `${hosts} hosts, forks ${forks}, ${phase}: ${(m.wallMs / 1000).toFixed(1)} s, CPU ${(m.cpuMs / 1000).toFixed(1)} s (${(m.cpuMs / hosts / TASKS).toFixed(2)} ms/host/task), peak RSS ${m.maxRssMiB.toFixed(0)} MiB, ${m.execsPerHost} execs/host`,
          );
        }
      } finally {
        await rm(audit, { recursive: true, force: true });
      }
    }
  }
  await writeFile(join(OUT, "sim.json"), JSON.stringify({ latency, machine: describeMachine(), rows }, null, 1));
  await writeFile(join(OUT, "sim.md"), table(rows));
  console.log(`\n${table(rows)}`);
}

function table(rows: Measured[]): string {
  const out = [
    `Latency: connect ${latency.connectMs} ms, round trip ${latency.rttMs} ms, command ${latency.commandMs} ms. CPU = the run's user + sys; per host per task = CPU / (hosts × ${TASKS}).`,
    "",
    "| hosts | forks | run | wall | CPU | CPU/host/task | CPU/wall | hosts/s | peak RSS | peak fds | execs/host | load, busy before |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.hosts} | ${r.forks} | ${r.phase} | ${(r.wallMs / 1000).toFixed(1)} s | ${(r.cpuMs / 1000).toFixed(1)} s | ${(r.cpuMs / r.hosts / TASKS).toFixed(2)} ms | ${((r.cpuMs / r.wallMs) * 100).toFixed(0)}% | ${(r.hosts / (r.wallMs / 1000)).toFixed(0)} | ${r.maxRssMiB.toFixed(0)} MiB | ${r.peakFds ?? "—"} | ${r.execsPerHost.toFixed(1)} | ${r.before ? `${r.before.load1.toFixed(1)}, ${(r.before.busy * 100).toFixed(0)}%` : "—"} |`,
    );
  }
  return out.join("\n") + "\n";
}

/** One run over `--hosts` simulated hosts, printed as one JSON line. */
async function child(): Promise<void> {
  const recorded = JSON.parse(await readFile(REPLIES, "utf8")) as Recorded;
  const hosts = Number(values.hosts);
  const names = Array.from({ length: hosts }, (_, i) => `sim-${String(i + 1).padStart(5, "0")}`);
  const dir = values.audit!;
  const inventory = join(dir, "inventory.yaml");
  // 192.0.2.0/24 is TEST-NET-1: nothing is ever contacted, the transport is the simulation.
  await writeFile(
    inventory,
    stringify({
      all: {
        vars: recorded.inventoryVars,
        children: { sim: { hosts: Object.fromEntries(names.map((n) => [n, { host: "192.0.2.1" }])) } },
      },
    }),
  );
  // What --json would print: each event serialised, as the CLI does, to a sink.
  let printed = 0;
  const onEvent = (e: RunEvent) => void (printed += JSON.stringify(e).length);
  let peakFds = 0;
  const fds = setInterval(() => void (peakFds = Math.max(peakFds, readdirSync("/proc/self/fd").length)), 100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runPlaybook({
    playbook: SITE,
    inventory,
    auditDir: join(dir, "audit"),
    forks: Number(values.forks),
    extraVars: recorded.vars,
    onEvent,
    connect: (h) => SimTransport.open(h, recorded.replies, latency),
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(fds);
  const bad = Object.entries(result.recap).filter(([, r]) => r.changed || r.failed || r.unreachable);
  if (bad.length || Object.keys(result.recap).length !== hosts)
    throw new Error(
      `sim: ${bad.length} hosts not converged, ${Object.keys(result.recap).length}/${hosts} in the recap: ${JSON.stringify(bad.slice(0, 3))}`,
    );
  const m: Measured = {
    hosts,
    forks: Number(values.forks),
    phase: values.phase as Measured["phase"],
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    execsPerHost: result.stats.execs / hosts,
    recapHosts: Object.keys(result.recap).length,
    peakFds,
    outputBytes: printed,
  };
  console.log(JSON.stringify(m));
}
