// What every entry of the command table shares: its shape, and the options runs have in common.
import { parseShard } from "../engine/shard.js";
import type { RunOptions, RunResult } from "../engine/types.js";
import { parseExtraVars } from "../load/vars.js";
import { choice, forks, inventories, list, type CommandSpec, type OptionSpec, type Parsed } from "./args.js";
import { EXIT, exitForRecap } from "./exit.js";
import { createRenderer, warningLine } from "./render.js";

/** Where a handler prints its result (stdout in the CLI). */
export type Print = (text: string) => void;

export interface Command {
  spec: CommandSpec;
  run(args: Parsed, print: Print): Promise<number>;
}

/** `-i`: repeatable, as ansible-playbook's; the sources are merged as Ansible merges them. */
/** --audit-dir, wherever a command reads or writes the per-host logs. */
export const auditDirOption: OptionSpec = {
  type: "string",
  arg: "DIR",
  help: "per-host JSONL audit logs (default .armgo/audit)",
};

export const inventoryOption: OptionSpec = {
  type: "string",
  short: "i",
  multiple: true,
  arg: "SOURCE",
  help: "inventory: an INI, YAML or JSON file, an executable script or a directory (required; repeatable)",
};

/** `write`, for each distinct line once per process: a command may load or resolve the same thing more than once. */
function onceEach(write: (line: string) => void): (line: string) => void {
  const said = new Set<string>();
  return (line) => {
    if (said.has(line)) return;
    said.add(line);
    write(line);
  };
}

const warnOnce = onceEach((line) => process.stderr.write(warningLine(line)));
/** Each warning (the playbook's, a var the inventory sets that armgo ignores) once per process, on stderr. */
export function printWarnings(lines: readonly string[] = []): void {
  lines.forEach(warnOnce);
}

export const connectionOptions: Record<string, OptionSpec> = {
  user: {
    type: "string",
    short: "u",
    arg: "USER",
    help: "connect as USER where the inventory names no user (its user / ansible_user wins, as in Ansible)",
  },
  "private-key": {
    type: "string",
    arg: "FILE",
    help: "identity file where the inventory names none (identity_file / ansible_ssh_private_key_file win)",
  },
  become: {
    type: "boolean",
    short: "b",
    help: "run tasks through sudo (become: true) where the play does not set become",
  },
  "become-user": {
    type: "string",
    arg: "USER",
    help: "whom become: true becomes (default root); the inventory's ansible_become_user / become_user win",
  },
  "ask-become-pass": {
    type: "boolean",
    short: "K",
    help: "ask once, on the terminal, for the password sudo wants (else: become_password_env)",
  },
  "host-key-checking": {
    type: "string",
    arg: "MODE",
    help: "strict | accept-new | off (default: the ssh config's StrictHostKeyChecking, else strict)",
  },
  "known-hosts": {
    type: "string",
    arg: "FILE",
    help: "known_hosts file (default ~/.ssh/known_hosts, or the inventory's known_hosts)",
  },
  "ssh-config": {
    type: "string",
    short: "F",
    arg: "FILE",
    help: "OpenSSH client config (default ~/.ssh/config, or the inventory's ssh_config)",
  },
  forks: { type: "string", short: "f", arg: "N", help: "hosts worked on in parallel (default 10)" },
  limit: {
    type: "string",
    short: "l",
    arg: "PATTERN",
    help: "only hosts matching PATTERN (web:db, arm64:&canary, all:!canary, lab-*)",
  },
};

const HOST_KEY_CHECKING = ["strict", "accept-new", "off"] as const;

export function connection(v: Parsed["values"]) {
  return {
    limit: v.limit as string | undefined,
    forks: forks(v.forks),
    hostKeyChecking: choice(v["host-key-checking"], "--host-key-checking", HOST_KEY_CHECKING),
    knownHosts: v["known-hosts"] as string | undefined,
    sshConfig: v["ssh-config"] as string | undefined,
    onNotice: noticeOnce,
    user: v.user as string | undefined,
    privateKey: v["private-key"] as string | undefined,
    become: Boolean(v.become),
    becomeUser: v["become-user"] as string | undefined,
  };
}

/** -K's password, asked just before the first host is contacted; undefined without -K. */
export async function becomePassword(v: Parsed["values"]): Promise<{ becomePassword?: string }> {
  if (!v["ask-become-pass"]) return {};
  const { askBecomePass } = await import("./ask-pass.js");
  return { becomePassword: await askBecomePass() };
}

/** The options of a run of a playbook: play and drift take the same. */
export const runOptions: Record<string, OptionSpec> = {
  inventory: inventoryOption,
  tags: { type: "string", short: "t", multiple: true, arg: "a,b", help: "only tasks with these tags" },
  "skip-tags": { type: "string", multiple: true, arg: "a,b", help: "skip tasks with these tags" },
  "extra-vars": {
    type: "string",
    short: "e",
    multiple: true,
    arg: "k=v|@FILE",
    help: "extra vars, highest precedence (repeatable)",
  },
  "audit-dir": auditDirOption,
  json: { type: "boolean", help: "machine-readable events and results on stdout, one JSON object a line" },
  shard: {
    type: "string",
    arg: "I/N|auto",
    help: "only this runner's share of the hosts: shard I of N (rendezvous hashing); auto: from the job runner (Kubernetes, GitLab, Nomad)",
  },
  shards: {
    type: "string",
    arg: "N",
    help: "the number of shards where the runner does not say it (Kubernetes, Nomad); alone, as --shard auto",
  },
  "no-wait": {
    type: "boolean",
    help: "if another run of this inventory holds the run lock, stop (exit 7) instead of waiting",
  },
  ...connectionOptions,
  verbose: { type: "boolean", short: "v", multiple: true, help: "show remote commands and their output" },
};

export function runOptionsOf(
  { values: v, positionals }: Parsed,
  spec: CommandSpec,
  env: NodeJS.ProcessEnv = process.env,
): RunOptions {
  return {
    playbook: positionals[0]!,
    inventory: inventories(v.inventory, spec),
    check: Boolean(v.check),
    diff: Boolean(v.diff),
    tags: list(v.tags),
    skipTags: list(v["skip-tags"]),
    extraVars: parseExtraVars((v["extra-vars"] as string[] | undefined) ?? []),
    auditDir: v["audit-dir"] as string | undefined,
    verbose: Boolean(v.verbose),
    shard: parseShard({ shard: v.shard as string | undefined, shards: v.shards as string | undefined, env }),
    ...connection(v),
  };
}

const notice = (line: string): void => void process.stderr.write(`armgo: ${line}\n`);
// the ssh config is resolved more than once per command (routes checked, then connected; drift's runs)
const noticeOnce = onceEach(notice);

/** Run-lock options from argv: wait unless --no-wait; say on stderr whom we wait for. */
export function lockOptions(v: Parsed["values"]) {
  return { wait: !v["no-wait"], onNotice: notice };
}

/** Ctrl-C stops the run (the first one cleanly, a second one at once); returns its signal. */
export function interruptible(): AbortSignal {
  const ac = new AbortController();
  const stop = (): void => {
    // a second Ctrl-C means now: the audit logs already hold every finished task
    if (ac.signal.aborted) process.exit(EXIT.interrupted);
    ac.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return ac.signal;
}

export function renderer(v: Parsed["values"], opts: Pick<RunOptions, "diff" | "verbose">) {
  return createRenderer({ json: Boolean(v.json), diff: Boolean(opts.diff), verbose: Boolean(opts.verbose) });
}

/** A run's exit code, and under --json its summary line: what play and rollback end with. */
export function finishRun(result: RunResult, json: boolean, print: Print): number {
  const code = exitForRecap(result.recap, result.interrupted);
  if (json)
    print(
      JSON.stringify({
        type: "summary",
        run_id: result.runId,
        recap: result.recap,
        deployed: result.deployed,
        exit_code: code,
        stats: result.stats,
        audit_heads: result.auditHeads,
      }),
    );
  return code;
}
