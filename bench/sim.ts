// The simulated fleet: the real engine runs bench/armgo/site.yaml, converged, against 1,000–10,000 fake
// hosts that answer as one real converged lab host answered, after a set network and command delay.
// It measures what one controller costs per host (CPU, memory) and where more --forks stop helping.
import { execFile, fork } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pLimit from "p-limit";
import ssh2 from "ssh2";
import { stringify } from "yaml";
import { connectHost } from "../src/engine/connection.js";
import { runPlaybook } from "../src/engine/run.js";
import type { RunEvent } from "../src/engine/types.js";
import { loadInventory } from "../src/load/inventory.js";
import { wrapScript } from "../src/transport/become.js";
import { benchArgs, usageError } from "./args.js";
import { ensureConvergedImage } from "./converged-image.js";
import { startBenchFleet } from "./fleet.js";
import { writeInventories } from "./inventories.js";
import { describeMachine, waitQuiet, type Quiet } from "./machine.js";
import { benchSetup, OUT, ROOT } from "./setup.js";
import { onTheWire, recording, SimTransport, steadyScript, type Latency, type Replies } from "./sim-transport.js";
import type { ServeRequest } from "./ssh-hosts.js";
import { connectAndExec } from "./ssh-exec.js";
import { median } from "./stats.js";

const SITE = join(ROOT, "bench/armgo/site.yaml");
const REPLIES = join(OUT, "sim-replies.json");
// sim.js doc writes its table between these lines
const DOC = join(ROOT, "docs/scale.md");
const DOC_START = "<!-- sim-ssh table: node dist/bench/sim.js doc -->";
const DOC_END = "<!-- end of sim-ssh table -->";
const TASKS = 4;
// armgo and the floor alternate, which evens out the shared machine's load between them; a long wait for quiet would only lengthen the run
const QUIET_SSH_MS = 2_000;

interface Recorded {
  vars: Record<string, string>;
  inventoryVars: Record<string, unknown>;
  replies: Replies;
}

interface Measured {
  hosts: number;
  forks: number;
  phase: "first" | "steady" | "floor";
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
       node dist/bench/sim.js --ssh 3 [--hosts 1000,5000] [--forks 20,100,500] [--repeats 5] [--command-ms 30]
       node dist/bench/sim.js doc

The simulated fleet: records one real converged lab host (Docker), then runs the engine over
--hosts simulated hosts at each --forks, each run in its own process; writes bench/out/sim.md and sim.json.
  --hosts N,...       fleet sizes
  --forks F,...       --forks values (those above the fleet size are skipped)
  --rtt MS            a round trip
  --command-ms MS     a remote command's own time
  --connect-rtts K    round trips a connect takes (+10 ms)
  --ssh W             real SSH instead: W processes of ssh2 servers on loopback, one port per host, answering
                      as the recorded host did; armgo's steady run and the floor (a bare ssh2 connect and one
                      exec of the same script per host, at the same forks) alternate --repeats times; writes
                      bench/out/sim-ssh.md and sim-ssh.json
  --repeats R         runs of each (--ssh)
  --cpu-prof DIR      a V8 CPU profile of each measured run, written to DIR
  --recorded          reuse bench/out/sim-replies.json (--ssh; only while the engine is the one that recorded it)
  doc                 write the last --ssh run's table (bench/out/sim-ssh.json) into docs/scale.md
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
    ssh: { type: "string", default: "0" },
    repeats: { type: "string", default: "5" },
    recorded: { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
    // Internal: one measured run in its own process (clean peak RSS), used by the parent.
    phase: { type: "string" },
    audit: { type: "string" },
    fleet: { type: "string" },
  },
});

const latency: Latency = {
  rttMs: Number(values.rtt),
  commandMs: Number(values["command-ms"]),
  connectMs: Number(values["connect-rtts"]) * Number(values.rtt) + 10,
};

if (positionals[0] === "child") await child();
else if (positionals[0] === "floor") await floorChild();
else if (positionals[0] === "doc") await writeDoc();
else if (Number(values.ssh) > 0) await parentSsh();
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
          const m = await runChild([...args, ...lat]);
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

/** CPU, wall time, peak RSS and the most descriptors open at once (sampled every 100 ms) of `run`, in this process. */
async function measured<T>(
  run: () => Promise<T>,
): Promise<{ result: T; wallMs: number; cpuMs: number; maxRssMiB: number; peakFds: number }> {
  let peakFds = 0;
  const fds = setInterval(() => void (peakFds = Math.max(peakFds, readdirSync("/proc/self/fd").length)), 100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(fds);
  return {
    result,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    peakFds,
  };
}

/** One run over `--hosts` simulated hosts (or, with --fleet, the real-SSH fleet's), printed as one JSON line. */
async function child(): Promise<void> {
  const recorded = JSON.parse(await readFile(REPLIES, "utf8")) as Recorded;
  const hosts = Number(values.hosts);
  const dir = values.audit!;
  let inventory = join(values.fleet ?? "", "inventory.yaml");
  if (!values.fleet) {
    inventory = join(dir, "inventory.yaml");
    // 192.0.2.0/24 is TEST-NET-1: nothing is ever contacted, the transport is the simulation.
    await writeFile(
      inventory,
      inventoryYaml(recorded.inventoryVars, simNames(hosts), () => ({ host: "192.0.2.1" })),
    );
  }
  // What --json would print: each event serialised, as the CLI does, to a sink.
  let printed = 0;
  const onEvent = (e: RunEvent) => void (printed += JSON.stringify(e).length);
  const { result, ...m } = await measured(() =>
    runPlaybook({
      playbook: SITE,
      inventory,
      auditDir: join(dir, "audit"),
      forks: Number(values.forks),
      extraVars: recorded.vars,
      onEvent,
      // with --fleet, the engine's own ssh connections
      ...(values.fleet ? {} : { connect: (h: string) => SimTransport.open(h, recorded.replies, latency) }),
    }),
  );
  const bad = Object.entries(result.recap).filter(([, r]) => r.changed || r.failed || r.unreachable);
  if (bad.length || Object.keys(result.recap).length !== hosts)
    throw new Error(
      `sim: ${bad.length} hosts not converged, ${Object.keys(result.recap).length}/${hosts} in the recap: ${JSON.stringify(bad.slice(0, 3))}`,
    );
  const out: Measured = {
    hosts,
    forks: Number(values.forks),
    phase: values.phase as Measured["phase"],
    ...m,
    execsPerHost: result.stats.execs / hosts,
    recapHosts: Object.keys(result.recap).length,
    outputBytes: printed,
  };
  console.log(JSON.stringify(out));
}

function simNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `sim-${String(i + 1).padStart(5, "0")}`);
}

function inventoryYaml(
  vars: Record<string, unknown>,
  names: string[],
  host: (name: string, i: number) => object,
): string {
  return stringify({
    all: { vars, children: { sim: { hosts: Object.fromEntries(names.map((n, i) => [n, host(n, i)])) } } },
  });
}

interface SshFleet {
  dir: string;
  ports: number[];
  stop(): void;
}

/** `hosts` ssh2 servers in `workers` processes; the fleet's inventory, key and known_hosts under its dir. */
async function startSshFleet(recorded: Recorded, hosts: number, workers: number): Promise<SshFleet> {
  const dir = await mkdtemp(join(tmpdir(), "armgo-sim-ssh-"));
  const hostKey = ssh2.utils.generateKeyPairSync("ed25519");
  const clientKey = ssh2.utils.generateKeyPairSync("ed25519");
  await writeFile(join(dir, "id_ed25519"), clientKey.private, { mode: 0o600 });
  const names = simNames(hosts);
  const per = Math.ceil(hosts / workers);
  const children = Array.from({ length: workers }, () =>
    fork(join(ROOT, "dist/bench/ssh-hosts.js"), { stdio: "inherit" }),
  );
  const wire = onTheWire(recorded.replies);
  const ports = (
    await Promise.all(
      children.map((c, i) => {
        const req: ServeRequest = {
          names: names.slice(i * per, (i + 1) * per),
          replies: wire,
          hostKey: hostKey.private,
          clientPublicKey: clientKey.public,
          commandMs: latency.commandMs,
        };
        c.send(req);
        return new Promise<number[]>((resolve, reject) =>
          c.once("message", (m: { ports?: number[]; error?: string }) =>
            m.ports ? resolve(m.ports) : reject(new Error(m.error)),
          ),
        );
      }),
    )
  ).flat();
  const known = join(dir, "known_hosts");
  await writeFile(known, ports.map((p) => `[127.0.0.1]:${p} ${hostKey.public}\n`).join(""));
  const vars = { ...recorded.inventoryVars, user: "root", identity_file: join(dir, "id_ed25519"), known_hosts: known };
  await writeFile(
    join(dir, "inventory.yaml"),
    inventoryYaml(vars, names, (_, i) => ({ host: "127.0.0.1", port: ports[i] })),
  );
  await writeFile(join(dir, "fleet.json"), JSON.stringify({ names, ports, hostKey: hostKey.public }));
  return {
    dir,
    ports,
    stop() {
      for (const c of children) c.kill();
    },
  };
}

/** The floor, in its own process: a bare ssh2 connect and one exec of the steady run's script per host, --forks at once. */
async function floorChild(): Promise<void> {
  const recorded = JSON.parse(await readFile(REPLIES, "utf8")) as Recorded;
  const fleet = JSON.parse(await readFile(join(values.fleet!, "fleet.json"), "utf8")) as {
    names: string[];
    ports: number[];
    hostKey: string;
  };
  const key = await readFile(join(values.fleet!, "id_ed25519"));
  const expected = [Buffer.from(fleet.hostKey.split(" ")[1]!, "base64")];
  const limit = pLimit(Number(values.forks));
  const { result: codes, ...m } = await measured(() =>
    Promise.all(
      fleet.names.map((name, i) =>
        limit(() =>
          connectAndExec(
            { name, port: fleet.ports[i]! },
            wrapScript(steadyScript(recorded.replies, name)),
            key,
            expected,
          ),
        ),
      ),
    ),
  );
  if (codes.some((c) => c !== 0))
    throw new Error(`sim: the floor failed on ${codes.filter((c) => c !== 0).length} hosts`);
  const out: Measured = {
    hosts: fleet.names.length,
    forks: Number(values.forks),
    phase: "floor",
    ...m,
    execsPerHost: 1,
    recapHosts: fleet.names.length,
    outputBytes: 0,
  };
  console.log(JSON.stringify(out));
}

/** A measured run in its own process: `sim.js child|floor …`, after waiting up to `quietMs` for a quiet machine. */
async function runChild(args: string[], quietMs = 20_000): Promise<Measured> {
  const before = await waitQuiet(0.25, quietMs);
  const profile = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`] : [];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...profile, join(ROOT, "dist/bench/sim.js"), ...args],
    {
      maxBuffer: 16 * 2 ** 20,
    },
  );
  return { ...(JSON.parse(stdout.trim().split("\n").pop()!) as Measured), before };
}

/** Real SSH: per fleet size, the first run once, then armgo's steady run and the floor alternated --repeats times per --forks. */
async function parentSsh(): Promise<void> {
  const recorded = await record();
  await mkdir(OUT, { recursive: true });
  await writeFile(REPLIES, JSON.stringify(recorded, null, 1));
  console.log(
    `machine: ${describeMachine()}; real SSH on loopback, ${values.ssh} server processes, command ${latency.commandMs} ms`,
  );
  const rows: Measured[] = [];
  for (const hosts of values.hosts.split(",").map(Number)) {
    const fleet = await startSshFleet(recorded, hosts, Number(values.ssh));
    const audit = await mkdtemp(join(tmpdir(), "armgo-sim-"));
    const common = [
      "--hosts",
      String(hosts),
      "--fleet",
      fleet.dir,
      "--audit",
      audit,
      "--command-ms",
      values["command-ms"],
    ];
    try {
      const forksList = values.forks
        .split(",")
        .map(Number)
        .filter((f) => f <= hosts);
      const first = await runChild(
        ["child", ...common, "--forks", String(forksList[0]), "--phase", "first"],
        QUIET_SSH_MS,
      );
      rows.push(first);
      console.log(line(first));
      for (const forks of forksList) {
        for (let r = 0; r < Number(values.repeats); r++) {
          // alternated, so that the machine's load falls on both alike
          const order = r % 2 ? (["floor", "child"] as const) : (["child", "floor"] as const);
          for (const what of order) {
            const m = await runChild([what, ...common, "--forks", String(forks), "--phase", "steady"], QUIET_SSH_MS);
            rows.push(m);
            console.log(line(m));
          }
        }
      }
    } finally {
      fleet.stop();
      await rm(audit, { recursive: true, force: true });
      await rm(fleet.dir, { recursive: true, force: true });
    }
  }
  await writeFile(
    join(OUT, "sim-ssh.json"),
    JSON.stringify(
      { date: new Date().toISOString().slice(0, 10), machine: describeMachine(), commandMs: latency.commandMs, rows },
      null,
      1,
    ),
  );
  await writeFile(join(OUT, "sim-ssh.md"), sshTable(rows));
  console.log(`\n${sshTable(rows)}`);
}

function line(m: Measured): string {
  return `${m.hosts} hosts, forks ${m.forks}, ${m.phase}: wall ${(m.wallMs / 1000).toFixed(1)} s, CPU ${(m.cpuMs / m.hosts).toFixed(2)} ms/host, peak RSS ${m.maxRssMiB.toFixed(0)} MiB, fds ${m.peakFds}, load ${m.before?.load1.toFixed(1)}`;
}

/** Medians per (hosts, forks): armgo's steady run against the floor of the same run. */
function sshTable(rows: Measured[]): string {
  const out = [
    "| hosts | forks | armgo CPU/host | floor CPU/host | ratio | armgo wall | floor wall | armgo peak RSS | floor peak RSS | armgo peak fds | runs | load (median) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const keys = [...new Set(rows.filter((r) => r.phase === "steady").map((r) => `${r.hosts}/${r.forks}`))];
  for (const k of keys) {
    const [hosts, forks] = k.split("/").map(Number);
    const of = (phase: string) => rows.filter((r) => r.hosts === hosts && r.forks === forks && r.phase === phase);
    const a = of("steady");
    const f = of("floor");
    const med = (xs: Measured[], pick: (m: Measured) => number) => median(xs.map(pick));
    const cpuA = med(a, (m) => m.cpuMs / m.hosts);
    const cpuF = med(f, (m) => m.cpuMs / m.hosts);
    out.push(
      `| ${hosts} | ${forks} | ${cpuA.toFixed(2)} ms | ${cpuF.toFixed(2)} ms | ${(cpuA / cpuF).toFixed(2)}× | ${(med(a, (m) => m.wallMs) / 1000).toFixed(1)} s | ${(med(f, (m) => m.wallMs) / 1000).toFixed(1)} s | ${med(a, (m) => m.maxRssMiB).toFixed(0)} MiB | ${med(f, (m) => m.maxRssMiB).toFixed(0)} MiB | ${med(a, (m) => m.peakFds).toFixed(0)} | ${a.length}, ${f.length} | ${med([...a, ...f], (m) => m.before?.load1 ?? 0).toFixed(1)} |`,
    );
  }
  return out.join("\n") + "\n";
}

/** docs/scale.md's real-SSH table, replaced by the one of the last `--ssh` run (bench/out/sim-ssh.json). */
async function writeDoc(): Promise<void> {
  const file = join(OUT, "sim-ssh.json");
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) usageError(USAGE, `sim.js doc: no ${file}: run sim.js --ssh first`);
  const run = JSON.parse(text) as { date?: string; machine: string; commandMs: number; rows: Measured[] };
  const doc = await readFile(DOC, "utf8");
  const [a, b] = [doc.indexOf(DOC_START), doc.indexOf(DOC_END)];
  if (a < 0 || b < a) usageError(USAGE, `sim.js doc: ${DOC} has no "${DOC_START}" … "${DOC_END}" block`);
  const body = `${run.date ?? "undated"}, ${run.machine}; each exec answered after ${run.commandMs} ms; medians, load = 1-min load average before the runs.\n\n${sshTable(run.rows)}`;
  await writeFile(DOC, `${doc.slice(0, a + DOC_START.length)}\n\n${body}\n${doc.slice(b)}`);
  console.log(`docs/scale.md: ${run.rows.filter((r) => r.phase === "steady").length} armgo runs from ${file}`);
}
