// The one way the engine gets a Transport for a host: ssh, or local for `connection: local`.
import { InputError } from "../errors.js";
import type { BecomeAuth } from "./become.js";
import { credentialSource, gatherCredentials } from "./credentials.js";
import { type JumpHop, JumpPool } from "./jump.js";
import type { HostKeyChecking } from "./known-hosts.js";
import { LocalTransport } from "./local.js";
import { SshTransport } from "./ssh.js";
import type { Transport } from "./transport.js";

export type { HostKeyChecking } from "./known-hosts.js";
export type { JumpHop } from "./jump.js";

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
  /** The become password asked for with -K (held by the transport, fed to sudo only when it asks). */
  becomePassword?: string;
  /** Name of the env var that holds the become password (inventory `become_password_env`); -K wins. */
  becomePasswordEnv?: string;
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

/**
 * Connects at once: UnreachableError / HostKeyError come from here, not from the first task. Jump
 * connections come from `jumps`, the run's pool, so every target behind one hop shares it (a caller
 * without a pool gets one for this target alone).
 */
export async function connect(cfg: ConnectionConfig, jumps: JumpPool = new JumpPool()): Promise<Transport> {
  const auth = becomeAuth(cfg);
  if (cfg.local) return new LocalTransport(cfg.host, auth);
  const connectTimeoutMs = cfg.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const attempts = cfg.connectAttempts ?? DEFAULT_CONNECT_ATTEMPTS;
  const route = cfg.jumps.length ? jumps.route(cfg.jumps, cfg, { connectTimeoutMs, attempts }) : undefined;
  return SshTransport.open(
    {
      host: cfg.host,
      address: cfg.address,
      port: cfg.port,
      user: cfg.user,
      hostKeyChecking: cfg.hostKeyChecking,
      knownHostsFile: cfg.knownHostsFile,
      connectTimeoutMs,
      attempts,
      ...(cfg.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: cfg.keepaliveIntervalMs } : {}),
      ...(cfg.keepaliveCountMax !== undefined ? { keepaliveCountMax: cfg.keepaliveCountMax } : {}),
      credentials: await gatherCredentials(credentialSource(cfg)),
      ...(route ? { route } : {}),
    },
    auth,
  );
}

/** The become password of a host: -K's, else the one in become_password_env's variable. */
export function becomeAuth(
  cfg: Pick<ConnectionConfig, "becomePassword" | "becomePasswordEnv">,
  env: NodeJS.ProcessEnv = process.env,
): BecomeAuth {
  if (cfg.becomePassword !== undefined) return { password: cfg.becomePassword, from: "-K" };
  if (!cfg.becomePasswordEnv) return {};
  const password = env[cfg.becomePasswordEnv];
  if (!password) return { unsetEnv: cfg.becomePasswordEnv };
  // sudo -S reads one line: what follows a line break would be left for the command's stdin
  if (/[\r\n]/.test(password)) {
    throw new InputError(
      `$${cfg.becomePasswordEnv} (become_password_env) holds a line break, and sudo reads the password as one line`,
      {
        hint: `set ${cfg.becomePasswordEnv} to the password alone, without a trailing newline`,
      },
    );
  }
  return { password, from: `$${cfg.becomePasswordEnv}` };
}
