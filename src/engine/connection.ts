// Inventory vars → how to reach a host (Ansible's names accepted beside ours), over the user's ssh config.
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { Inventory } from "../load/model.js";
import { connect, type ConnectionConfig, type HostKeyChecking, type JumpHop } from "../transport/connect.js";
import { type ConfigLine, optionLine } from "../transport/ssh-config/parse.js";
import { expandPath, type SshSettings, type StrictHostKeyChecking } from "../transport/ssh-config/resolve.js";
import {
  resolveRoute,
  type Route,
  sshConfigContext,
  type SshConfigContext,
  warnOnce,
} from "../transport/ssh-config/route.js";
import { parseSshArgs } from "../transport/ssh-config/ssh-args.js";
import type { JumpPool } from "../transport/jump.js";
import type { Transport } from "../transport/transport.js";
import { lazyVars } from "./vars.js";

export interface ConnectOptions {
  /** --host-key-checking: wins over the inventory and the ssh config, jump hosts included. */
  hostKeyChecking?: HostKeyChecking;
  /** --known-hosts: wins over the inventory and the ssh config, jump hosts included. */
  knownHosts?: string;
  /** -F/--ssh-config: the OpenSSH client config (default ~/.ssh/config). */
  sshConfig?: string;
  /** -e vars: they win over the inventory's, connection vars included. */
  extraVars?: Record<string, unknown>;
  /** Where the ssh config's unimplemented options are named, once per run. */
  onNotice?: (line: string) => void;
  /** -u and --private-key: the inventory's user and identity_file win over them, as in Ansible. */
  user?: string;
  privateKey?: string;
  /** -K's answer: the become password for every host. */
  becomePassword?: string;
}

// One run passes one options object to every connectHost: its ssh config is read, and warned about, once.
const contexts = new WeakMap<ConnectOptions, SshConfigContext>();

function contextFor(opts: ConnectOptions): SshConfigContext {
  let ctx = contexts.get(opts);
  if (!ctx) {
    ctx = sshConfigContext({ onWarning: (line) => opts.onNotice?.(line) });
    contexts.set(opts, ctx);
  }
  return ctx;
}

// Inventory vars that Ansible's ssh connection passes as `-o Keyword=value`, before any ssh args: they win.
const AS_OPTIONS: [keyword: string, vars: string[]][] = [
  ["Port", ["port", "ansible_port", "ansible_ssh_port"]],
  ["IdentityFile", ["identity_file", "ansible_ssh_private_key_file", "ansible_private_key_file"]],
  ["User", ["user", "ansible_user", "ansible_ssh_user"]],
  ["UserKnownHostsFile", ["known_hosts"]],
  ["ProxyJump", ["proxy_jump"]],
];
const SSH_ARGS = ["ansible_ssh_common_args", "ansible_ssh_extra_args"];

/**
 * How to reach `name`: the inventory's vars and ssh args over the ssh config over the defaults, as
 * `ssh -G` resolves Ansible's command line; the CLI's --known-hosts and --host-key-checking over all.
 */
export function connectionConfig(
  name: string,
  vars: Record<string, unknown>,
  opts: ConnectOptions,
  ssh: SshConfigContext = contextFor(opts),
): ConnectionConfig {
  if ((vars.connection ?? vars.ansible_connection) === "local") {
    const address = [vars.host, vars.ansible_host].find((v): v is string => typeof v === "string") ?? name;
    return {
      host: name,
      address,
      port: 22,
      user: ssh.local.name,
      identityFiles: [],
      ...passwordEnv(vars),
      ...becomePassword(vars, opts),
      hostKeyChecking: "strict",
      knownHostsFile: "",
      jumps: [],
      local: true,
    };
  }
  const home = ssh.local.home;
  const route = sshRoute(name, vars, opts, ssh);
  const knownHosts = (s: SshSettings): string => {
    if (opts.knownHosts) return expandPath(opts.knownHosts, home);
    const files = s.userKnownHostsFiles ?? [join(home, ".ssh", "known_hosts")];
    if (files.length > 1) {
      const line = `ssh option UserKnownHostsFile names ${files.length} files: armgo reads and records to the first, ${files[0]}`;
      warnOnce(ssh, "UserKnownHostsFile several", line);
    }
    return files[0]!;
  };
  const checking = (s: SshSettings): HostKeyChecking =>
    opts.hostKeyChecking ?? hostKeyChecking(s.strictHostKeyChecking);
  const t = route.target;
  const jumps: JumpHop[] = route.hops.map(({ spec, settings: h }) => ({
    host: spec.host,
    address: h.hostname,
    port: h.port,
    user: h.user,
    identityFiles: h.identityFiles,
    identitiesOnly: h.identitiesOnly,
    knownHostsFile: knownHosts(h),
    hostKeyChecking: checking(h),
    ...(h.connectTimeoutS ? { connectTimeoutMs: h.connectTimeoutS * 1000 } : {}),
  }));
  return {
    host: name,
    address: t.hostname,
    port: t.port,
    user: t.user,
    identityFiles: t.identityFiles,
    identitiesOnly: t.identitiesOnly,
    ...passwordEnv(vars),
    ...becomePassword(vars, opts),
    // ansible_ssh_host_key_checking is an -o on the target's command line: over its ssh config, not its hops'
    hostKeyChecking:
      opts.hostKeyChecking ?? inventoryHostKeyChecking(vars.ansible_ssh_host_key_checking) ?? checking(t),
    knownHostsFile: knownHosts(t),
    ...(t.connectTimeoutS ? { connectTimeoutMs: t.connectTimeoutS * 1000 } : {}),
    ...(t.connectionAttempts ? { connectAttempts: t.connectionAttempts } : {}),
    ...(t.serverAliveIntervalS !== undefined ? { keepaliveIntervalMs: t.serverAliveIntervalS * 1000 } : {}),
    ...(t.serverAliveCountMax !== undefined ? { keepaliveCountMax: t.serverAliveCountMax } : {}),
    jumps,
    local: false,
  };
}

/** The ssh view of a host: where ssh (given Ansible's command line for these vars) would go, and through which hops. */
export function sshRoute(
  name: string,
  vars: Record<string, unknown>,
  opts: ConnectOptions,
  ssh: SshConfigContext,
): Route {
  const pick = (names: string[]): { name: string; value: string } | undefined => {
    const found = names.find((n) => vars[n] !== undefined && vars[n] !== null && vars[n] !== "");
    return found ? { name: found, value: String(vars[found]) } : undefined;
  };
  const commandLine: ConfigLine[] = [];
  let argsConfig: string | undefined;
  const addArgs = (n: string): void => {
    if (typeof vars[n] !== "string") return;
    const parsed = parseSshArgs(vars[n], { var: n, host: name });
    commandLine.push(...parsed.lines);
    argsConfig = parsed.configFile ?? argsConfig;
  };
  // Ansible's order: ssh_args (in place of its -C -o ControlMaster...), the vars' -o options, common, extra.
  addArgs("ansible_ssh_args");
  for (const [keyword, names] of AS_OPTIONS) {
    const v = pick(names) ?? cliOption(keyword, opts);
    if (v) commandLine.push(optionLine(keyword, [v.value], v.name));
  }
  SSH_ARGS.forEach(addArgs);
  const configFile = opts.sshConfig ?? pick(["ssh_config"])?.value ?? argsConfig;
  return resolveRoute(ssh, {
    inventoryHost: name,
    destination: pick(["host", "ansible_host", "ansible_ssh_host"])?.value ?? name,
    commandLine,
    ...(configFile ? { configFile: expandPath(configFile, ssh.local.home) } : {}),
  });
}

function passwordEnv(vars: Record<string, unknown>): { passwordEnv?: string } {
  return typeof vars.password_env === "string" ? { passwordEnv: vars.password_env } : {};
}

/** -K's password for every host, else the name of the variable that holds the host's (become_password_env). */
function becomePassword(
  vars: Record<string, unknown>,
  opts: ConnectOptions,
): { becomePassword?: string; becomePasswordEnv?: string } {
  return {
    ...(opts.becomePassword !== undefined ? { becomePassword: opts.becomePassword } : {}),
    ...(typeof vars.become_password_env === "string" ? { becomePasswordEnv: vars.become_password_env } : {}),
  };
}

// -u and --private-key: Ansible puts them on ssh's command line as -o User / IdentityFile where no var
// gives one (ansible-playbook -vvv), so they win over the ssh config and lose to the inventory.
function cliOption(keyword: string, opts: ConnectOptions): { name: string; value: string } | undefined {
  if (keyword === "User" && opts.user) return { name: "-u", value: opts.user };
  if (keyword === "IdentityFile" && opts.privateKey) return { name: "--private-key", value: opts.privateKey };
  return undefined;
}

function inventoryHostKeyChecking(v: unknown): HostKeyChecking | undefined {
  if (v === undefined || v === null) return undefined;
  return [false, "false", "no", "False", 0, "0"].includes(v as string) ? "off" : "strict";
}

// OpenSSH's `ask` cannot ask in a run: it refuses an unknown key, as `yes` does.
function hostKeyChecking(s: StrictHostKeyChecking | undefined): HostKeyChecking {
  if (s === "no") return "off";
  return s === "accept-new" ? "accept-new" : "strict";
}

function hostConfig(inv: Inventory, host: string, opts: ConnectOptions): ConnectionConfig {
  return connectionConfig(host, lazyVars([inv.hosts.get(host)!.vars, opts.extraVars]), opts);
}

/** Resolve every host's route before any is contacted: a refused ssh option then stops a run with nothing changed. */
export function checkRoutes(inv: Inventory, hosts: Iterable<string>, opts: ConnectOptions): void {
  const refused: InputError[] = [];
  for (const host of new Set(hosts)) {
    try {
      hostConfig(inv, host, opts);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      refused.push(err);
    }
  }
  if (refused.length > 0) throw InputError.many(refused);
}

/**
 * Open the connection to an inventory host, as its vars (and -e) say: what a run and `armgo facts` share.
 * `jumps` are the run's jump connections, shared by every host behind the same jump host.
 */
export function connectHost(inv: Inventory, host: string, opts: ConnectOptions, jumps?: JumpPool): Promise<Transport> {
  return Promise.resolve().then(() => connect(hostConfig(inv, host, opts), jumps));
}
