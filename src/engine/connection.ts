// Inventory vars → how to reach a host (Ansible's names accepted beside ours).
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { Inventory } from "../load/model.js";
import { connect, type ConnectionConfig, type HostKeyChecking } from "../transport/connect.js";
import type { Transport } from "../transport/transport.js";
import { lazyVars } from "./vars.js";

export interface ConnectOptions {
  hostKeyChecking?: HostKeyChecking;
  knownHosts?: string;
  /** -e vars: they win over the inventory's, connection vars included. */
  extraVars?: Record<string, unknown>;
  /** -u and --private-key: the inventory's user and identity_file win over them, as in Ansible. */
  user?: string;
  privateKey?: string;
  /** -K's answer: the become password for every host. */
  becomePassword?: string;
}

function expand(p: string): string {
  return p.startsWith("~/") ? join(homedir(), p.slice(2)) : resolve(p);
}

export function connectionConfig(
  name: string,
  vars: Record<string, unknown>,
  opts: ConnectOptions,
): ConnectionConfig {
  const v = (a: string, b?: string): unknown => vars[a] ?? (b ? vars[b] : undefined);
  const identity = (v("identity_file", "ansible_ssh_private_key_file") as string | undefined) ?? opts.privateKey;
  const knownHosts = opts.knownHosts ?? (vars.known_hosts as string | undefined) ?? "~/.ssh/known_hosts";
  return {
    host: name,
    address: String(v("host", "ansible_host") ?? name),
    port: Number(v("port", "ansible_port") ?? 22),
    user: String(v("user", "ansible_user") ?? opts.user ?? userInfo().username),
    identityFile: identity ? expand(identity) : undefined,
    passwordEnv: vars.password_env as string | undefined,
    becomePassword: opts.becomePassword,
    becomePasswordEnv: vars.become_password_env as string | undefined,
    hostKeyChecking: opts.hostKeyChecking ?? "strict",
    knownHostsFile: expand(knownHosts),
    local: vars.connection === "local",
  };
}

/** Open the connection to an inventory host, as its vars (and -e) say: what a run and `armgo facts` share. */
export function connectHost(inv: Inventory, host: string, opts: ConnectOptions): Promise<Transport> {
  return connect(connectionConfig(host, lazyVars([inv.hosts.get(host)!.vars, opts.extraVars]), opts));
}
