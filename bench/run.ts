// `npm run bench`: armgo and ansible-playbook doing the same job on the same fresh fleets, side by side.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureImage } from "../src/lab/images.js";
import { ensureClientKey } from "../src/lab/keys.js";
import { ensureMirror } from "../src/lab/mirror.js";
import { serveDir } from "../src/lab/mirror-server.js";
import { assertLabReady } from "../src/lab/doctor.js";
import { startBenchFleet } from "./fleet.js";
import { writeInventories } from "./inventories.js";
import { describeMachine, waitQuiet } from "./machine.js";
import { measure } from "./measure.js";
import { report, type Sample } from "./report.js";
import { sshdCounts, subtract, type SshdCounts } from "./sshd-log.js";
import { countTraffic, readTraffic, zeroTraffic } from "./traffic.js";
import { command, tally, type Job, type Scenario, type Tool } from "./tools.js";
import { assertGoInstalled, assertRecap } from "./verify.js";

const ARCHIVE = "go1.22.12.linux-amd64.tar.gz";
// dist/bench/run.js → the repo root.
const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const OUT = join(ROOT, "bench/out");

const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "10,50" },
    rounds: { type: "string", default: "3" },
    repeats: { type: "string", default: "2" },
    append: { type: "boolean", default: false },
  },
});
const hostCounts = values.hosts.split(",").map(Number);
const rounds = Number(values.rounds);
const repeats = Number(values.repeats);

await assertLabReady();
const [image, mirrorDir] = await Promise.all([ensureImage("amd64"), ensureMirror()]);
const mirror = await serveDir(mirrorDir);
const work = await mkdtemp(join(tmpdir(), "armgo-bench-"));
const key = await ensureClientKey(join(work, "id_ed25519"));
const sha256 = (await readFile(join(mirrorDir, `${ARCHIVE}.sha256`), "utf8")).trim();
console.log(`machine: ${describeMachine()}`);

try {
  for (const n of hostCounts) {
    const dir = join(OUT, `n${n}`);
    await mkdir(dir, { recursive: true });
    const file = join(OUT, `samples-n${n}.json`);
    const samples: Sample[] = values.append ? JSON.parse(await readFile(file, "utf8").catch(() => "[]")) : [];
    const firstRound = Math.max(0, ...samples.map((s) => s.round)) + 1;
    for (let round = firstRound; round < firstRound + rounds; round++) {
      // Alternate which tool goes first, so neither always gets the cooler machine.
      const order: Tool[] = round % 2 ? ["armgo", "ansible"] : ["ansible", "armgo"];
      for (const tool of order) samples.push(...(await fleetRuns(n, round, tool, dir)));
      await writeFile(file, JSON.stringify(samples, null, 1));
    }
    const md = report(samples);
    await writeFile(join(OUT, `report-n${n}.md`), md);
    console.log(`\n${md}`);
  }
} finally {
  await mirror.close();
  await rm(work, { recursive: true, force: true });
}

/** One fresh fleet for one tool: the first install, then converged and check runs `repeats` times each. */
async function fleetRuns(n: number, round: number, tool: Tool, dir: string): Promise<Sample[]> {
  const fleetDir = await mkdtemp(join(work, `${tool}-n${n}-`));
  const knownHostsPath = join(fleetDir, "known_hosts");
  const fleet = await startBenchFleet(n, { image, publicKey: key.publicKey, knownHostsPath, label: `bench-${process.pid}` });
  const stopTraffic = await countTraffic(fleet.hosts.map((h) => h.port));
  try {
    const inventories = { armgo: join(fleetDir, "inventory.yaml"), ansible: join(fleetDir, "inventory.ini") };
    await writeInventories(fleet.hosts, inventories, { keyPath: key.privateKeyPath, knownHostsPath, mirrorUrl: mirror.url });
    const job: Job = {
      root: ROOT,
      work: fleetDir,
      forks: n,
      inventories,
      auditDir: join(fleetDir, "audit"),
      vars: { go_url: `${mirror.url}/${ARCHIVE}`, go_sha256: sha256 },
    };
    const plan: Scenario[] = ["install", ...Array.from({ length: repeats }, () => ["converged", "check"] as Scenario[]).flat()];
    const samples: Sample[] = [];
    for (const [i, scenario] of plan.entries()) {
      const log = join(dir, `r${round}-${tool}-${i}-${scenario}.log`);
      samples.push(await oneRun(n, round, tool, scenario, job, fleet.hosts, log));
      if (scenario === "install") await assertGoInstalled(tool, fleet.hosts);
      const last = samples[samples.length - 1]!;
      console.log(`n=${n} round ${round} ${tool} ${scenario}: ${(last.wallMs / 1000).toFixed(2)} s (load ${last.before.load1.toFixed(2)}, busy ${(last.before.busy * 100).toFixed(0)}%)`);
    }
    return samples;
  } finally {
    await stopTraffic();
    await fleet.stop();
  }
}

async function oneRun(
  n: number,
  round: number,
  tool: Tool,
  scenario: Scenario,
  job: Job,
  hosts: Awaited<ReturnType<typeof startBenchFleet>>["hosts"],
  log: string,
): Promise<Sample> {
  const { argv, env } = await command(tool, scenario, job);
  const logs = () => Promise.all(hosts.map((h) => sshdCounts(h.container.getId())));
  const before = await logs();
  await zeroTraffic();
  const quiet = await waitQuiet();
  const result = await measure(argv, { env, cwd: ROOT, logPath: log });
  const traffic = await readTraffic();
  const after = await logs();
  assertRecap(tool, scenario, result.code, tally(tool, result.output), hosts, log);
  const delta: SshdCounts[] = after.map((a, i) => subtract(a, before[i]!));
  const sessionKinds: Record<string, number> = {};
  for (const d of delta) for (const [k, v] of Object.entries(d.kinds)) sessionKinds[k] = (sessionKinds[k] ?? 0) + v;
  return {
    hosts: n,
    round,
    tool,
    scenario,
    wallMs: result.wallMs,
    before: quiet,
    connections: delta.map((d) => d.connections),
    sessions: delta.map((d) => d.sessions),
    bytesToSshd: hosts.map((h) => traffic.get(h.port) ?? 0),
    sessionKinds,
    maxRssBytes: result.maxRssBytes,
    peakPssBytes: result.peakPssBytes,
    processesAtPeak: result.processesAtPeak,
    log: relative(ROOT, log),
  };
}
