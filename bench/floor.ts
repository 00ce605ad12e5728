// The floor: what the job costs with no tool at all. One bare ssh2 connection per host, all in parallel,
// one command each: a `stat` of the job's files (converged, check) or curl | tee | sha256sum, then tar -xzf (install).
import { readFileSync } from "node:fs";
import { benchArgs, usageError } from "./args.js";
import { hostMatches, hostToken, parseKnownHosts } from "../src/transport/known-hosts.js";
import { sh } from "../src/transport/quote.js";
import { connectAndExec } from "./ssh-exec.js";

export interface FloorJob {
  hosts: Array<{ name: string; port: number }>;
  keyPath: string;
  knownHostsPath: string;
  scenario: "install" | "converged" | "check";
  url: string;
  sha256: string;
  /** The files the job cares about: the archive, the toolchain's VERSION and go binary, the profile block. */
  archive: string;
  dest: string;
  profile: string;
}

/** The one command a host runs: what the job's end state is made of, and nothing more. */
function floorScript(job: FloorJob): string {
  if (job.scenario === "install") {
    // hashed as it arrives, the least a checked download costs (armgo hashes the file after it); a
    // failed curl leaves a short stream whose hash does not match
    return sh`h=$(curl -fsS ${job.url} | tee ${job.archive} | sha256sum) && [ "\${h%% *}" = ${job.sha256} ] && tar -xzf ${job.archive} -C ${job.dest}`;
  }
  return sh`stat -c '%n %s %Y %a' ${[job.archive, `${job.dest}/go/VERSION`, `${job.dest}/go/bin/go`, job.profile]}`;
}

function runOne(
  job: FloorJob,
  host: { name: string; port: number },
  key: Buffer,
  known: ReturnType<typeof parseKnownHosts>,
): Promise<number> {
  const token = hostToken("127.0.0.1", host.port);
  const expected = known
    .filter((e) => !e.marker && hostMatches(e.hosts, token))
    .map((e) => Buffer.from(e.key, "base64"));
  return connectAndExec(host, floorScript(job), key, expected);
}

const USAGE = `
Usage: node dist/bench/floor.js JOB.json

The floor: one bare ssh2 connection per host, one command each. JOB.json (hosts, key, known_hosts,
scenario, archive) is written by the bench (bench/run.ts); this is not meant to be run by hand.
`;
const { positionals } = benchArgs(USAGE, { allowPositionals: true });
if (positionals.length !== 1) usageError(USAGE, "floor.js takes one JOB.json");
const job = JSON.parse(readFileSync(positionals[0]!, "utf8")) as FloorJob;
const key = readFileSync(job.keyPath);
const known = parseKnownHosts(readFileSync(job.knownHostsPath, "utf8"));
const codes = await Promise.all(job.hosts.map((h) => runOne(job, h, key, known)));
// The same summary line as armgo's --json, so the bench reads both the same way.
const recap = Object.fromEntries(
  job.hosts.map((h, i) => [
    h.name,
    {
      changed: codes[i] === 0 && job.scenario === "install" ? 1 : 0,
      failed: codes[i]! > 0 ? 1 : 0,
      unreachable: codes[i] === -1 ? 1 : 0,
    },
  ]),
);
console.log(JSON.stringify({ type: "summary", recap }));
process.exitCode = codes.every((c) => c === 0) ? 0 : 2;
