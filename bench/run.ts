// `npm run bench`: armgo, ansible-playbook, Ansible with Mitogen and the floor doing the same job on the same fleets.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { benchArgs } from "./args.js";
import { chart } from "./chart.js";
import { ensureConvergedImage, restoreManifests } from "./converged-image.js";
import { startBenchFleet } from "./fleet.js";
import { writeInventories } from "./inventories.js";
import { hostMeter, type HostMeter } from "./host-cost.js";
import { describeMachine, waitQuiet } from "./machine.js";
import { measure } from "./measure.js";
import { report, type Sample } from "./report.js";
import { sshdCounts, subtract, type SshdCounts } from "./sshd-log.js";
import { countTraffic, readTraffic, zeroTraffic } from "./traffic.js";
import { benchSetup, OUT, ROOT } from "./setup.js";
import { command, tally, TOOLS, type Job, type Scenario, type Tool } from "./tools.js";
import { assertGoInstalled, assertRecap, onlyUnreachable } from "./verify.js";

const USAGE = `
Usage: node dist/bench/run.js [--hosts 10,50] [--rounds 2|10:2,50:1] [--repeats 1]
         [--scenarios install,converged,check] [--tools ${TOOLS.join(",")}] [--append] [--quiet-wait 20]

armgo, ansible-playbook, Ansible with Mitogen and the floor doing the same job on the same lab fleets
(Docker); writes bench/out/ (results.json, RESULTS tables, the chart). \`npm run bench\` builds, then runs this.
\`npm run bench -- report-page --help\`: the fleet report's bench instead (generated logs, no Docker).
  --hosts N,...        fleet sizes
  --rounds R|N:R,...   rounds per fleet size (all tools once each per round, alternated)
  --repeats K          runs per tool per round and scenario
  --scenarios LIST     install, converged, check
  --tools LIST         which tools
  --append             add to bench/out/results.json instead of starting afresh
  --quiet-wait S       seconds to wait for the CPUs to be at most 25 % busy before each run
`;

// `npm run bench -- report-page [...]`: the fleet report's bench, on generated logs; no Docker fleet
if (process.argv[2] === "report-page") {
  const { reportPageBench } = await import("./report-page.js");
  await reportPageBench(process.argv.slice(3));
  process.exit(0);
}

const { values } = benchArgs(USAGE, {
  options: {
    hosts: { type: "string", default: "10,50" },
    // "2" for every N, or per N: "10:2,50:1,200:1".
    rounds: { type: "string", default: "2" },
    repeats: { type: "string", default: "1" },
    scenarios: { type: "string", default: "install,converged,check" },
    tools: { type: "string", default: TOOLS.join(",") },
    append: { type: "boolean", default: false },
    // Seconds to wait for the CPUs to be ≤ 25 % busy before each run (less when the machine is never quiet).
    "quiet-wait": { type: "string", default: "20" },
  },
});
const hostCounts = values.hosts.split(",").map(Number);
const roundsFor = (n: number): number => {
  const spec = values.rounds.split(",").map((r) => r.split(":"));
  const hit = spec.find((p) => p.length === 2 && Number(p[0]) === n) ?? spec.find((p) => p.length === 1);
  if (!hit) throw new Error(`--rounds ${values.rounds} names no round count for N = ${n}`);
  return Number(hit[hit.length - 1]);
};
const repeats = Number(values.repeats);
const scenarios = values.scenarios.split(",") as Scenario[];
const tools = values.tools.split(",") as Tool[];
for (const t of tools)
  if (!TOOLS.includes(t)) throw new Error(`--tools: unknown tool ${t} (known: ${TOOLS.join(", ")})`);

const setup = await benchSetup();
const { image, work, key, vars } = setup;
console.log(`machine: ${describeMachine()}`);

try {
  const repeated = scenarios.filter((s) => s !== "install");
  const convergedImage = repeated.length ? await ensureConvergedImage(setup) : image;
  for (const n of hostCounts) {
    const dir = join(OUT, `n${n}`);
    await mkdir(dir, { recursive: true });
    const file = join(OUT, `samples-n${n}.json`);
    const samples = values.append ? (JSON.parse(await readFile(file, "utf8").catch(() => "[]")) as Sample[]) : [];
    const firstRound = Math.max(0, ...samples.map((s) => s.round)) + 1;
    for (let round = firstRound; round < firstRound + roundsFor(n); round++) {
      // Rotate which tool goes first, so none always gets the cooler machine.
      const order = tools.map((_, i) => tools[(i + round - 1) % tools.length]!);
      // Saved after every run: a bench stopped at its time box keeps what it measured.
      const keep = async (s: Sample) => {
        samples.push(s);
        await writeFile(file, JSON.stringify(samples, null, 1));
      };
      if (scenarios.includes("install")) for (const tool of order) await keep(await installRun(n, round, tool, dir));
      if (repeated.length) await convergedRuns(n, round, order, repeated, dir, convergedImage, keep);
    }
    await writeFile(join(OUT, `report-n${n}.md`), report(samples));
  }
  // The report and the chart cover every N with saved samples, so runs made in several sittings come together.
  const all: Sample[] = [];
  for (const f of (await readdir(OUT)).filter((f) => /^samples-n\d+\.json$/.test(f)))
    all.push(...(JSON.parse(await readFile(join(OUT, f), "utf8")) as Sample[]));
  const md = [...new Set(all.map((s) => s.hosts))]
    .sort((a, b) => a - b)
    .map((n) => report(all.filter((s) => s.hosts === n)))
    .join("\n");
  await writeFile(join(OUT, "report.md"), md);
  await writeFile(join(ROOT, "bench/speed.svg"), chart(all));
  console.log(`\n${md}\nchart: bench/speed.svg`);
} finally {
  await setup.close();
}

interface Fleet {
  hosts: Awaited<ReturnType<typeof startBenchFleet>>["hosts"];
  /** Per host, in fleet order: its CPU and processes over one run. */
  meters: HostMeter[];
  job: Job;
}

/** A fresh fleet of `n` hosts from `fromImage`, with both inventories, traffic counters and a scratch dir. */
async function withFleet<T>(n: number, name: string, fromImage: string, body: (f: Fleet) => Promise<T>): Promise<T> {
  const fleetDir = await mkdtemp(join(work, `${name}-n${n}-`));
  const knownHostsPath = join(fleetDir, "known_hosts");
  const fleet = await startBenchFleet(n, {
    image: fromImage,
    publicKey: key.publicKey,
    knownHostsPath,
    label: `bench-${process.pid}`,
  });
  const stopTraffic = await countTraffic(fleet.hosts.map((h) => h.port));
  const meters = await Promise.all(fleet.hosts.map((h) => hostMeter(h.container.getId())));
  try {
    const inventories = { armgo: join(fleetDir, "inventory.yaml"), ansible: join(fleetDir, "inventory.ini") };
    await writeInventories(fleet.hosts, inventories, {
      keyPath: key.privateKeyPath,
      knownHostsPath,
      mirrorUrl: setup.mirrorUrl,
    });
    const job: Job = {
      root: ROOT,
      work: fleetDir,
      forks: n,
      inventories,
      auditDir: join(fleetDir, "audit"),
      vars,
      hosts: fleet.hosts.map((h) => ({ name: h.name, port: h.port })),
      keyPath: key.privateKeyPath,
      knownHostsPath,
    };
    return await body({ hosts: fleet.hosts, meters, job });
  } finally {
    await stopTraffic();
    await fleet.stop();
  }
}

/** A first install: one fresh fleet per tool, checked afterwards on every host. */
async function installRun(n: number, round: number, tool: Tool, dir: string): Promise<Sample> {
  return withFleet(n, tool, image, async (fleet) => {
    const { hosts } = fleet;
    const sample = await oneRun(n, round, tool, "install", fleet, join(dir, `r${round}-${tool}-install.log`));
    await assertGoInstalled(tool, hosts);
    return sample;
  });
}

/**
 * Converged and check runs: one fleet that starts converged (made by armgo, and converged for every
 * tool: the same files), shared by all tools in turn. armgo first runs once untimed, so that it holds
 * what its install run would have left in its audit dir; the other tools keep nothing between runs.
 */
async function convergedRuns(
  n: number,
  round: number,
  order: Tool[],
  repeated: Scenario[],
  dir: string,
  fromImage: string,
  keep: (s: Sample) => Promise<void>,
): Promise<void> {
  return withFleet(n, "converged", fromImage, async (fleet) => {
    const { hosts } = fleet;
    await restoreManifests(hosts, vars.go_sha256);
    for (const tool of order) {
      if (tool === "armgo")
        await oneRun(
          n,
          round,
          tool,
          "converged",
          fleet,
          join(dir, `r${round}-${tool}-prime.log`),
          "prime, not counted",
        );
      for (let i = 0; i < repeats; i++) {
        for (const scenario of repeated)
          await keep(
            await oneRun(n, round, tool, scenario, fleet, join(dir, `r${round}-${tool}-${i}-${scenario}.log`)),
          );
      }
    }
  });
}

async function oneRun(
  n: number,
  round: number,
  tool: Tool,
  scenario: Scenario,
  fleet: Fleet,
  log: string,
  note?: string,
): Promise<Sample> {
  const { hosts, meters, job } = fleet;
  const { argv, env } = await command(tool, scenario, job);
  const logs = () => Promise.all(hosts.map((h) => sshdCounts(h.container.getId())));
  const before = await logs();
  await zeroTraffic();
  const quiet = await waitQuiet(0.25, Number(values["quiet-wait"]) * 1000);
  const marks = await Promise.all(meters.map((m) => m.mark()));
  const result = await measure(argv, { env, cwd: ROOT, logPath: log });
  const hostCosts = await Promise.all(meters.map(async (m, i) => m.cost(marks[i]!, await m.mark())));
  const traffic = await readTraffic();
  const after = await logs();
  const tallies = tally(tool, result.output);
  // A converged or check run changed nothing, so it can run again; a second timeout stops the bench.
  if (scenario !== "install" && !log.endsWith("-again.log") && onlyUnreachable(result.code, tallies)) {
    console.log(
      `n=${n} round ${round} ${tool} ${scenario}: hosts unreachable (output: ${relative(ROOT, log)}); once more`,
    );
    return oneRun(
      n,
      round,
      tool,
      scenario,
      fleet,
      log.replace(/\.log$/, "-again.log"),
      "again after unreachable hosts",
    );
  }
  assertRecap(tool, scenario, result.code, tallies, hosts, log);
  const delta: SshdCounts[] = after.map((a, i) => subtract(a, before[i]!));
  const sessionKinds: Record<string, number> = {};
  for (const d of delta) for (const [k, v] of Object.entries(d.kinds)) sessionKinds[k] = (sessionKinds[k] ?? 0) + v;
  const sample: Sample = {
    hosts: n,
    round,
    tool,
    scenario,
    wallMs: result.wallMs,
    cpuMs: result.cpuMs,
    before: quiet,
    connections: delta.map((d) => d.connections),
    sessions: delta.map((d) => d.sessions),
    bytesToSshd: hosts.map((h) => traffic.get(h.port) ?? 0),
    sessionKinds,
    hostCpuMs: hostCosts.map((c) => c.cpuMs),
    hostProcesses: hostCosts.map((c) => c.processes),
    maxRssBytes: result.maxRssBytes,
    peakPssBytes: result.peakPssBytes,
    processesAtPeak: result.processesAtPeak,
    log: relative(ROOT, log),
  };
  console.log(
    `n=${n} round ${round} ${tool} ${scenario}${note ? ` (${note})` : ""}: ${(sample.wallMs / 1000).toFixed(2)} s (load ${quiet.load1.toFixed(2)}, busy ${(quiet.busy * 100).toFixed(0)}%)`,
  );
  return sample;
}
