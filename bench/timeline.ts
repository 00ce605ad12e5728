// Where an armgo run's time goes: each --json event with the ms since the process was spawned.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { benchArgs, usageError } from "./args.js";

const USAGE = `
Usage: node dist/bench/timeline.js -- node dist/src/cli/main.js play … --json

Where an armgo run's time goes: each --json event of the command after -- with the ms since it was spawned.
`;
const dash = process.argv.indexOf("--");
benchArgs(USAGE, { args: process.argv.slice(2, dash < 0 ? undefined : dash) });
const argv = process.argv.slice(dash + 1);
if (dash < 0 || argv.length === 0) usageError(USAGE, "timeline.js needs a command after --");
const start = performance.now();
const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
const ms = () => (performance.now() - start).toFixed(0).padStart(6);
for await (const line of createInterface({ input: child.stdout })) {
  const e = JSON.parse(line) as {
    type: string;
    host?: string;
    task?: string;
    result?: { host: string; task: string; duration_ms?: number };
  };
  const who = e.result
    ? `${e.result.host} ${e.result.task} (${e.result.duration_ms ?? "?"} ms)`
    : [e.host, e.task].filter(Boolean).join(" ");
  console.log(`${ms()} ms  ${e.type} ${who}`);
}
console.log(`${ms()} ms  exit`);
