// The one command table: each command's argv spec, its help (made from the spec) and its handler
// together. A handler turns parsed argv into the command's options, calls the exported command in
// src/commands/, prints the outcome and returns the exit code exit.ts decides. Handlers import their
// command when they run: a start loads only the command it runs (start-up is paid on every run).
import { resolve } from "node:path";
import type { LabAction } from "../commands/lab.js";
import { InputError } from "../errors.js";
import { didYouMean } from "../load/suggest.js";
import { version } from "../paths.js";
import { choice, helpText, inventories, parse, type CommandSpec, type OptionSpec } from "./args.js";
import { auditCommand } from "./audit.js";
import {
  becomePassword,
  type Command,
  connection,
  connectionOptions,
  interruptible,
  inventoryOption,
  lockOptions,
  type Print,
  printWarnings,
  renderer,
  runOptions,
  runOptionsOf,
} from "./command.js";
import { cronCommand } from "./cron.js";
import { releasesCommand, rollbackCommand } from "./deploy.js";
import { driftCommand } from "./drift.js";
import { EXIT, exitForHosts, exitForRecap } from "./exit.js";
import { warningLine } from "./render.js";

const playCommand: Command = {
  spec: {
    name: "play",
    usage: "armgo play PLAYBOOK -i INVENTORY [options]",
    summary: "Converge hosts to what the playbook describes. Each task checks the host first, so a second run changes nothing.",
    positionals: [1, 1],
    options: {
      check: { type: "boolean", short: "C", help: "probe and plan only: print what would change, change nothing" },
      diff: { type: "boolean", short: "D", help: "show before/after of what changes" },
      "syntax-check": { type: "boolean", help: "validate the playbook and inventory, contact nothing" },
      "list-hosts": { type: "boolean", help: "print the hosts each play would run on" },
      "list-tasks": { type: "boolean", help: "print the tasks each play would run (after --tags)" },
      ...runOptions,
    },
  },
  async run(args, print) {
    const v = args.values;
    const opts = runOptionsOf(args, playCommand.spec);
    const [{ loadRun }, { listPlay, play }] = await Promise.all([import("../load/run.js"), import("../commands/play.js")]);
    const loaded = loadRun(opts);
    // a run shows the playbook's warnings as its first events; a check or a listing, here
    const warn = (): void => (loaded.playbook.warnings ?? []).forEach((w) => process.stderr.write(warningLine(w)));
    printWarnings(loaded.inventory.warnings);
    if (v["syntax-check"]) {
      warn();
      print(`playbook: ${opts.playbook} — syntax ok`);
      return EXIT.ok;
    }
    if (v["list-hosts"] || v["list-tasks"]) {
      warn();
      for (const p of await listPlay(opts, { hosts: Boolean(v["list-hosts"]), tasks: Boolean(v["list-tasks"]) }, loaded)) {
        print(`play: ${p.play}`);
        for (const h of p.hosts ?? []) print(`  ${h}`);
        for (const t of p.tasks ?? []) print(`  ${t.name}  [${t.module}]${t.tags.length ? `  TAGS: [${t.tags.join(", ")}]` : ""}`);
      }
      return EXIT.ok;
    }
    const result = await play({ ...opts, ...(await becomePassword(v)), signal: interruptible(), onEvent: renderer(v, opts), lock: lockOptions(v) }, loaded);
    const code = exitForRecap(result.recap, result.interrupted);
    if (v.json) print(JSON.stringify({ type: "summary", run_id: result.runId, recap: result.recap, deployed: result.deployed, exit_code: code, stats: result.stats, audit_heads: result.auditHeads }));
    return code;
  },
};

const validateCommand: Command = {
  spec: {
    name: "validate",
    usage: "armgo validate PLAYBOOK [-i INVENTORY]",
    summary: "Check a playbook (and inventory) against the schemas; every problem at file:line:col.",
    positionals: [1, 1],
    options: {
      inventory: { ...inventoryOption, help: "also validate this inventory (repeatable)" },
    },
  },
  async run({ values: v, positionals }, print) {
    const inv = v.inventory === undefined ? undefined : inventories(v.inventory, validateCommand.spec);
    const { validate } = await import("../commands/validate.js");
    const s = await validate({ playbook: positionals[0]!, ...(inv ? { inventory: inv } : {}) });
    printWarnings(s.warnings);
    print(`${positionals[0]}: ok — ${s.plays} play(s), ${s.tasks} task(s), ${s.handlers} handler(s)${s.hosts !== undefined ? `; ${inv!.join(", ")}: ${s.hosts} host(s)` : ""}`);
    return EXIT.ok;
  },
};

const inventoryCommand: Command = {
  spec: {
    name: "inventory",
    usage: "armgo inventory -i INVENTORY [-i INVENTORY...] [--playbook-dir DIR] --list|--graph",
    summary: "Show an inventory's hosts, groups and merged vars, as ansible-inventory shows them.",
    positionals: [0, 0],
    options: {
      inventory: inventoryOption,
      "playbook-dir": { type: "string", arg: "DIR", help: "also read group_vars/ and host_vars/ beside a playbook in DIR" },
      list: { type: "boolean", help: "JSON: groups and every host's merged vars" },
      graph: { type: "boolean", help: "the group tree" },
    },
  },
  async run({ values: v }, print) {
    const { inventory } = await import("../commands/inventory.js");
    const dir = v["playbook-dir"] as string | undefined;
    const view = await inventory({ inventory: inventories(v.inventory, inventoryCommand.spec), ...(dir ? { playbookDir: dir } : {}) });
    printWarnings(view.warnings);
    print(v.graph ? view.graph.join("\n") : JSON.stringify(view.list, null, 2));
    return EXIT.ok;
  },
};

const factsCommand: Command = {
  spec: {
    name: "facts",
    usage: "armgo facts -i INVENTORY [--limit PATTERN]",
    summary: "Gather facts (arch, goarch, OS, libc, shell, tools, installed Go) from each host in one command, and print them as JSON.",
    positionals: [0, 0],
    options: {
      inventory: inventoryOption,
      ...connectionOptions,
    },
  },
  async run({ values: v }, print) {
    const { collectFacts } = await import("../commands/facts.js");
    const report = await collectFacts({ inventory: inventories(v.inventory, factsCommand.spec), ...connection(v), ...(await becomePassword(v)), onWarnings: printWarnings });
    print(JSON.stringify(report, null, 2));
    return exitForHosts(report);
  },
};

const LAB_ACTIONS = ["up", "status", "down", "build"] as const;
const LAB_ARCHES = ["arm64", "amd64", "mixed"] as const;
const LAB_INITS = ["none", "systemd"] as const;

function hostCount(v: unknown): number {
  const n = Number(v ?? 3);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InputError(`--hosts must be 1 to 64, not '${String(v)}'`);
  return n;
}

const labCommand: Command = {
  spec: {
    name: "lab",
    usage: "armgo lab up|status|down|build [options]",
    summary: "Start a fleet of Debian containers with real sshd (ARM64 under QEMU) and a local Go mirror, and write an inventory for it.",
    positionals: [1, 1],
    options: {
      hosts: { type: "string", short: "n", arg: "N", help: "up: how many hosts (default 3)" },
      arch: { type: "string", arg: "ARCH", help: "up: arm64 (default) | amd64 | mixed" },
      init: { type: "string", arg: "INIT", help: "up: none (default: sshd is PID 1) | systemd (PID 1, sshd a unit)" },
      out: { type: "string", short: "o", arg: "FILE", help: "up: inventory to write (default .armgo/lab/inventory.yaml)" },
      bastion: { type: "boolean", help: "up: hosts reachable only through a bastion (ProxyJump; see STATE_DIR/ssh_config)" },
      "state-dir": { type: "string", arg: "DIR", help: "where the lab keeps its key, known_hosts and state (default .armgo/lab)" },
    },
  },
  async run({ values: v, positionals }, print) {
    const sub = positionals[0]!;
    if (!(LAB_ACTIONS as readonly string[]).includes(sub)) {
      throw new InputError(`unknown lab command '${sub}'${didYouMean(sub, [...LAB_ACTIONS])}`, { hint: `usage: ${labCommand.spec.usage}` });
    }
    const stateDir = resolve((v["state-dir"] as string | undefined) ?? ".armgo/lab");
    const out = resolve((v.out as string | undefined) ?? `${stateDir}/inventory.yaml`);
    const up =
      sub === "up"
        ? { hosts: hostCount(v.hosts), arch: choice(v.arch, "--arch", LAB_ARCHES) ?? "arm64", init: choice(v.init, "--init", LAB_INITS), out, bastion: Boolean(v.bastion) }
        : {};
    const { lab } = await import("../commands/lab.js");
    const report = await lab({ action: sub as LabAction, stateDir, ...up });
    switch (report.action) {
      case "up":
        print(`lab up: ${report.lab.hosts.length} host(s); inventory ${out}\n  try: armgo play playbooks/site.yaml -i ${out}`);
        if (report.lab.bastion) print(`  behind a bastion on 127.0.0.1:${report.lab.bastion.port}; ssh -F ${report.lab.sshConfigPath} ${report.lab.hosts[0]!.name}`);
        break;
      case "status":
        print(JSON.stringify(report.status, null, 2));
        break;
      case "down":
        print("lab down: containers and mirror stopped");
        break;
      case "build":
        break;
    }
    return EXIT.ok;
  },
};

export const commands: readonly Command[] = [playCommand, driftCommand, validateCommand, inventoryCommand, factsCommand, releasesCommand, rollbackCommand, auditCommand, cronCommand, labCommand];

const HELP: OptionSpec = { type: "boolean", short: "h", help: "show this help" };

/** A command's spec as parsed and shown: every command takes -h, --help. */
function withHelp(spec: CommandSpec): CommandSpec {
  return { ...spec, options: { ...spec.options, help: HELP } };
}

export function topHelp(): string {
  const w = Math.max(...commands.map((c) => c.spec.name.length));
  return [
    "Usage: armgo COMMAND [options]",
    "",
    "Idempotent playbooks that put Go toolchains and Go services onto Linux ARM64 fleets over SSH.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.spec.name.padEnd(w)}  ${c.spec.summary.split(". ")[0]!.replace(/\.$/, "")}`),
    "",
    "Run 'armgo COMMAND --help' for a command's options; 'armgo --version' for the version.",
    "Exit codes: 0 fine, 2 a host failed, 3 drift found, 4 a host unreachable, 5 invalid input,",
    "6 drift fixed, 7 run lock held (--no-wait), 99 interrupted.",
    "",
  ].join("\n");
}

/** argv (without node and the script) → the exit code. Input errors throw InputError. */
export async function dispatch(argv: string[], print: Print): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    print(topHelp());
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    print(version);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (!command) {
    throw new InputError(`unknown command '${name}'${didYouMean(name, commands.map((c) => c.spec.name))}`, { hint: "see armgo --help" });
  }
  const spec = withHelp(command.spec);
  const parsed = parse(spec, rest);
  if (parsed.values.help) {
    print(helpText(spec));
    return EXIT.ok;
  }
  return command.run(parsed, print);
}
