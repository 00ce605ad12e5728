#!/usr/bin/env node
// The CLI: argv → the exported commands → rendering and the exit code. The only place that exits.
import { InputError } from "../errors.js";
import { collectFacts } from "../commands/facts.js";
import { loadRun, playHosts, runPlaybook } from "../engine/run.js";
import { selectTasks } from "../engine/tags.js";
import { inventoryGraph, inventoryList, loadInventory, validateFiles } from "../load/index.js";
import { didYouMean } from "../load/suggest.js";
import { parseExtraVars } from "../load/vars.js";
import { version } from "../paths.js";
import type { HostKeyChecking } from "../transport/connect.js";
import { helpText, list, parse, type CommandSpec, type OptionSpec } from "./args.js";
import { EXIT, exitForError, exitForFacts, exitForRecap } from "./exit.js";
import { createRenderer } from "./render.js";
import { labCommand, labSpec } from "./lab.js";

const connectionOptions: Record<string, OptionSpec> = {
  "host-key-checking": { type: "string", arg: "MODE", help: "strict (default) | accept-new | off" },
  "known-hosts": { type: "string", arg: "FILE", help: "known_hosts file (default ~/.ssh/known_hosts, or the inventory's known_hosts)" },
  forks: { type: "string", short: "f", arg: "N", help: "hosts worked on in parallel (default 10)" },
  limit: { type: "string", short: "l", arg: "PATTERN", help: "only hosts matching PATTERN (web:db, arm64:&canary, all:!canary, lab-*)" },
};

const playSpec: CommandSpec = {
  name: "play",
  usage: "armgo play PLAYBOOK -i INVENTORY [options]",
  summary: "Converge hosts to what the playbook describes. Each task checks the host first, so a second run changes nothing.",
  positionals: [1, 1],
  options: {
    inventory: { type: "string", short: "i", arg: "FILE", help: "inventory YAML (required)" },
    check: { type: "boolean", short: "C", help: "probe and plan only: print what would change, change nothing" },
    diff: { type: "boolean", short: "D", help: "show before/after of what changes" },
    tags: { type: "string", short: "t", multiple: true, arg: "a,b", help: "only tasks with these tags" },
    "skip-tags": { type: "string", multiple: true, arg: "a,b", help: "skip tasks with these tags" },
    "extra-vars": { type: "string", short: "e", multiple: true, arg: "k=v|@FILE", help: "extra vars, highest precedence (repeatable)" },
    "audit-dir": { type: "string", arg: "DIR", help: "per-host JSONL audit logs (default .armgo/audit)" },
    json: { type: "boolean", help: "machine-readable events and results on stdout, one JSON object a line" },
    "syntax-check": { type: "boolean", help: "validate the playbook and inventory, contact nothing" },
    "list-hosts": { type: "boolean", help: "print the hosts each play would run on" },
    "list-tasks": { type: "boolean", help: "print the tasks each play would run (after --tags)" },
    ...connectionOptions,
    verbose: { type: "boolean", short: "v", multiple: true, help: "show remote commands and their output" },
    help: { type: "boolean", short: "h", help: "show this help" },
  },
};

const validateSpec: CommandSpec = {
  name: "validate",
  usage: "armgo validate PLAYBOOK [-i INVENTORY]",
  summary: "Check a playbook (and inventory) against the schemas; every problem at file:line:col.",
  positionals: [1, 1],
  options: {
    inventory: { type: "string", short: "i", arg: "FILE", help: "also validate this inventory" },
    help: { type: "boolean", short: "h", help: "show this help" },
  },
};

const inventorySpec: CommandSpec = {
  name: "inventory",
  usage: "armgo inventory -i INVENTORY --list|--graph",
  summary: "Show an inventory's hosts, groups and merged vars.",
  positionals: [0, 0],
  options: {
    inventory: { type: "string", short: "i", arg: "FILE", help: "inventory YAML (required)" },
    list: { type: "boolean", help: "JSON: groups and every host's merged vars" },
    graph: { type: "boolean", help: "the group tree" },
    help: { type: "boolean", short: "h", help: "show this help" },
  },
};

const factsSpec: CommandSpec = {
  name: "facts",
  usage: "armgo facts -i INVENTORY [--limit PATTERN]",
  summary: "Gather facts (arch, goarch, OS, libc, shell, tools, installed Go) from each host in one command, and print them as JSON.",
  positionals: [0, 0],
  options: {
    inventory: { type: "string", short: "i", arg: "FILE", help: "inventory YAML (required)" },
    ...connectionOptions,
    help: { type: "boolean", short: "h", help: "show this help" },
  },
};

const commands: CommandSpec[] = [playSpec, validateSpec, inventorySpec, factsSpec, labSpec];

function topHelp(): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: armgo COMMAND [options]",
    "",
    "Idempotent playbooks that put Go toolchains and Go services onto Linux ARM64 fleets over SSH.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary.split(". ")[0]!.replace(/\.$/, "")}`),
    "",
    "Run 'armgo COMMAND --help' for a command's options.",
    "Exit codes: 0 fine, 2 a host failed, 4 a host unreachable, 5 invalid input, 99 interrupted.",
    "",
  ].join("\n");
}

function required(v: unknown, flag: string, spec: CommandSpec): string {
  if (typeof v !== "string" || v === "") throw new InputError(`armgo ${spec.name}: ${flag} is required`, { hint: `usage: ${spec.usage}` });
  return v;
}

function hostKeyChecking(v: unknown): HostKeyChecking | undefined {
  if (v === undefined) return undefined;
  if (v === "strict" || v === "accept-new" || v === "off") return v;
  throw new InputError(`--host-key-checking must be strict, accept-new or off, not '${String(v)}'`);
}

function forks(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--forks must be a whole number of at least 1, not '${String(v)}'`);
  return n;
}

async function play(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(playSpec, argv);
  if (v.help) return print(helpText(playSpec));
  const opts = {
    playbook: positionals[0]!,
    inventory: required(v.inventory, "-i INVENTORY", playSpec),
    check: Boolean(v.check),
    diff: Boolean(v.diff),
    limit: v.limit as string | undefined,
    tags: list(v.tags),
    skipTags: list(v["skip-tags"]),
    forks: forks(v.forks),
    extraVars: parseExtraVars((v["extra-vars"] as string[] | undefined) ?? []),
    auditDir: v["audit-dir"] as string | undefined,
    hostKeyChecking: hostKeyChecking(v["host-key-checking"]),
    knownHosts: v["known-hosts"] as string | undefined,
    verbose: Boolean(v.verbose),
  };
  const loaded = loadRun(opts);
  if (v["syntax-check"]) return print(`playbook: ${opts.playbook} — syntax ok`);
  if (v["list-hosts"] || v["list-tasks"]) {
    for (const p of loaded.playbook.plays) {
      print(`play: ${p.name}`);
      if (v["list-hosts"]) for (const h of playHosts(loaded.inventory, p, opts.limit)) print(`  ${h}`);
      if (v["list-tasks"]) {
        for (const t of selectTasks(p.tasks, p.tags, opts.tags, opts.skipTags)) {
          print(`  ${t.name}  [${t.module}]${t.tags.length ? `  TAGS: [${t.tags.join(", ")}]` : ""}`);
        }
      }
    }
    return EXIT.ok;
  }
  const render = createRenderer({ json: Boolean(v.json), diff: opts.diff, verbose: opts.verbose });
  const ac = new AbortController();
  const stop = (): void => {
    // a second Ctrl-C means now: the audit logs already hold every finished task
    if (ac.signal.aborted) process.exit(EXIT.interrupted);
    ac.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const result = await runPlaybook({ ...opts, signal: ac.signal, onEvent: render }, loaded);
  const code = exitForRecap(result.recap, result.interrupted);
  if (v.json) print(JSON.stringify({ type: "summary", run_id: result.runId, recap: result.recap, exit_code: code, stats: result.stats }));
  return code;
}

async function validate(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(validateSpec, argv);
  if (v.help) return print(helpText(validateSpec));
  const s = validateFiles(positionals[0]!, v.inventory as string | undefined);
  return print(`${positionals[0]}: ok — ${s.plays} play(s), ${s.tasks} task(s), ${s.handlers} handler(s)${s.hosts !== undefined ? `; ${v.inventory}: ${s.hosts} host(s)` : ""}`);
}

async function inventory(argv: string[]): Promise<number> {
  const { values: v } = parse(inventorySpec, argv);
  if (v.help) return print(helpText(inventorySpec));
  const inv = loadInventory(required(v.inventory, "-i INVENTORY", inventorySpec));
  if (v.graph) return print(inventoryGraph(inv).join("\n"));
  return print(JSON.stringify(inventoryList(inv), null, 2));
}

async function facts(argv: string[]): Promise<number> {
  const { values: v } = parse(factsSpec, argv);
  if (v.help) return print(helpText(factsSpec));
  const report = await collectFacts({
    inventory: required(v.inventory, "-i INVENTORY", factsSpec),
    limit: v.limit as string | undefined,
    forks: forks(v.forks),
    hostKeyChecking: hostKeyChecking(v["host-key-checking"]),
    knownHosts: v["known-hosts"] as string | undefined,
  });
  print(JSON.stringify(report, null, 2));
  return exitForFacts(report);
}

function print(text: string): number {
  process.stdout.write(text + "\n");
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const run: Record<string, (a: string[]) => Promise<number>> = { play, validate, inventory, facts, lab: labCommand };
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") return print(topHelp());
  if (cmd === "--version" || cmd === "-V") return print(version);
  const fn = run[cmd];
  if (!fn) {
    throw new InputError(`unknown command '${cmd}'${didYouMean(cmd, Object.keys(run))}`, { hint: "see armgo --help" });
  }
  return fn(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const code = exitForError(e);
    const line = e instanceof Error && "oneLine" in e ? (e as InputError).oneLine() : (e as Error)?.stack ?? String(e);
    process.stderr.write(`${code === EXIT.internal ? "armgo: internal error: " : "ERROR: "}${line}\n`);
    process.exit(code);
  },
);
