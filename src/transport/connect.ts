// The one way the engine gets a Transport for a host: ssh, or local for `connection: local`.
import { UnreachableError } from "../errors.js";
import { credentialSource, gatherCredentials } from "./credentials.js";
import type { HostKeyChecking } from "./known-hosts.js";
import { LocalTransport } from "./local.js";
import { SshTransport } from "./ssh.js";
import type { Transport } from "./transport.js";

export type { HostKeyChecking } from "./known-hosts.js";

/** A jump host on the way to a target (ProxyJump), resolved like any host. */
export interface JumpHop {
  /** Name as written (ProxyJump hop or ssh config alias), for messages. */
  host: string;
  address: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  knownHostsFile: string;
  hostKeyChecking: HostKeyChecking;
  connectTimeoutMs?: number;
}

export interface ConnectionConfig {
  /** Inventory name. */
  host: string;
  address: string;
  port: number;
  user: string;
  /** Tried in order; empty: the agent, then ~/.ssh's default keys. */
  identityFiles: string[];
  /** OpenSSH's IdentitiesOnly: the agent is not asked. */
  identitiesOnly?: boolean;
  /** Name of the env var that holds the password (never the password itself). */
  passwordEnv?: string;
  /** Name of the env var that holds the key passphrase (default ARMGO_KEY_PASSPHRASE). */
  passphraseEnv?: string;
  hostKeyChecking: HostKeyChecking;
  knownHostsFile: string;
  /** TCP connect + handshake + auth, per attempt (default 20 s). */
  connectTimeoutMs?: number;
  /** Attempts for refused, timed-out or reset connects (default 3); auth and host key failures never retry. */
  connectAttempts?: number;
  /** ssh keepalive (ServerAliveInterval): 0 turns it off (default 15 s). */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as lost (ServerAliveCountMax, default 4). */
  keepaliveCountMax?: number;
  /** Jump hosts, the first dialled from the controller; empty: direct. */
  jumps: JumpHop[];
  local?: boolean;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
const DEFAULT_CONNECT_ATTEMPTS = 3;

/** Connects at once: UnreachableError / HostKeyError come from here, not from the first task. */
export async function connect(cfg: ConnectionConfig): Promise<Transport> {
  if (cfg.local) return new LocalTransport(cfg.host);
  // Until the ssh transport dials jump hosts (branch `jump`), a host behind one is not reached at all, never directly.
  if (cfg.jumps.length > 0) {
    throw new UnreachableError(`${cfg.host} is behind the jump host ${cfg.jumps[0]!.host}, and this armgo cannot use jump hosts yet`, {
      where: { host: cfg.host },
    });
  }
  return SshTransport.open({
    host: cfg.host,
    address: cfg.address,
    port: cfg.port,
    user: cfg.user,
    hostKeyChecking: cfg.hostKeyChecking,
    knownHostsFile: cfg.knownHostsFile,
    connectTimeoutMs: cfg.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    attempts: cfg.connectAttempts ?? DEFAULT_CONNECT_ATTEMPTS,
    ...(cfg.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: cfg.keepaliveIntervalMs } : {}),
    ...(cfg.keepaliveCountMax !== undefined ? { keepaliveCountMax: cfg.keepaliveCountMax } : {}),
    credentials: await gatherCredentials(credentialSource(cfg)),
  });
}
