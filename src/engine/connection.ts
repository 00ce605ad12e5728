// Inventory vars → how to reach a host (Ansible's names accepted beside ours).
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { Inventory } from "../load/model.js";
import { connect, type ConnectionConfig, type HostKeyChecking, type JumpHop } from "../transport/connect.js";
import { type JumpPool, parseProxyJump } from "../transport/jump.js";
import type { Transport } from "../transport/transport.js";
import { lazyVars } from "./vars.js";

export interface ConnectOptions {
  hostKeyChecking?: HostKeyChecking;
  knownHosts?: string;
  /** -e vars: they win over the inventory's, connection vars included. */
  extraVars?: Record<string, unknown>;
  /** The run's jump connections, shared by every host behind the same jump host. */
  jumps?: JumpPool;
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
  const identity = v("identity_file", "ansible_ssh_private_key_file") as string | undefined;
  const knownHosts = opts.knownHosts ?? (vars.known_hosts as string | undefined) ?? "~/.ssh/known_hosts";
  const hostKeyChecking = opts.hostKeyChecking ?? "strict";
  const proxyJump = vars.proxy_jump as string | undefined;
  return {
    host: name,
    address: String(v("host", "ansible_host") ?? name),
    port: Number(v("port", "ansible_port") ?? 22),
    user: String(v("user", "ansible_user") ?? userInfo().username),
    identityFile: identity ? expand(identity) : undefined,
    passwordEnv: vars.password_env as string | undefined,
    hostKeyChecking,
    knownHostsFile: expand(knownHosts),
    local: vars.connection === "local",
    ...(proxyJump ? { jumps: jumpHops(name, proxyJump, { identity, knownHosts, hostKeyChecking }) } : {}),
  };
}

/**
 * `proxy_jump: "user@host:port,..."`: the hops take the host's identity file, known_hosts and checking
 * mode (a hop of OpenSSH's -J reads ssh_config instead; armgo's inventory has no other place for them).
 */
function jumpHops(
  name: string,
  text: string,
  base: { identity?: string; knownHosts: string; hostKeyChecking: HostKeyChecking },
): JumpHop[] {
  return parseProxyJump(text, { host: name }).map((s) => ({
    host: s.text,
    address: s.host,
    port: s.port ?? 22,
    // OpenSSH's default for a hop: the local user, not the target's.
    user: s.user ?? userInfo().username,
    identityFiles: base.identity ? [expand(base.identity)] : [],
    identitiesOnly: false,
    knownHostsFile: expand(base.knownHosts),
    hostKeyChecking: base.hostKeyChecking,
  }));
}

/** Open the connection to an inventory host, as its vars (and -e) say: what a run and `armgo facts` share. */
export function connectHost(inv: Inventory, host: string, opts: ConnectOptions): Promise<Transport> {
  return connect(connectionConfig(host, lazyVars([inv.hosts.get(host)!.vars, opts.extraVars]), opts), opts.jumps);
}
