// Opening one authenticated ssh2 connection: host key check, credentials, retries, one-line errors.
import type { Duplex } from "node:stream";
// ssh2 is CommonJS: Node's ESM loader only offers its default export at run time.
import ssh2, {
  type Algorithms,
  type AuthenticationType,
  type AuthHandlerMiddleware,
  type Client as SshClient,
  type ServerHostKeyAlgorithm,
} from "ssh2";
import { HostKeyError, UnreachableError } from "../errors.js";
import type { Credentials } from "./credentials.js";
import {
  algorithmsForKeyType,
  appendKnownHost,
  decideHostKey,
  type HostKeyChecking,
  knownKeyTypes,
  readKnownHosts,
} from "./known-hosts.js";
import { retry } from "./retry.js";

const { Client } = ssh2;

export interface SshTarget {
  /** Inventory name. */
  host: string;
  address: string;
  port: number;
  user: string;
  hostKeyChecking: HostKeyChecking;
  knownHostsFile: string;
  connectTimeoutMs: number;
  /** Connection attempts for refused/timed-out/reset connects. */
  attempts: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  credentials: Credentials;
  /** Reach sshd through this (jump hosts) instead of a TCP connect of our own. */
  route?: Route;
}

/** A way to a host's sshd other than dialling it: a channel forwarded by a jump host (jump.ts). */
export interface Route {
  /** For messages: "via jump host bastion". */
  via: string;
  /** A fresh byte stream to the host's sshd, one per connect attempt. */
  open(): Promise<RouteStream>;
}

export interface RouteStream {
  sock: Duplex;
  /** Why the stream ended, once the route itself went away (names the hop); undefined otherwise. */
  lost(): string | undefined;
}

const KEEPALIVE_MS = 15_000;
const KEEPALIVE_MAX_MISSED = 4;
const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "EAI_AGAIN",
]);

/** A connect failure that a later attempt may not repeat (sshd busy or still starting, network blip). */
export class TransientConnectError extends Error {
  /** sshd reset or closed the connection before the handshake: what it does past MaxStartups. */
  dropped = false;
}

/** Attempts for a connection sshd dropped before the handshake, whatever connect_attempts says: a fleet at high --forks meets MaxStartups. */
const DROPPED_ATTEMPTS = 10;

const DROPPED_HINT =
  "sshd drops new connections past its MaxStartups (too many unauthenticated at once), the likely cause at high --forks: lower --forks, or raise MaxStartups in the host's sshd_config";

function dropped(message: string, cause: unknown): TransientConnectError {
  const e = new TransientConnectError(message, { cause });
  e.dropped = true;
  return e;
}

/**
 * Connect, and hand the ready client to `wire` in the tick it became ready, so no event of it goes
 * unheard; with a route, `wire` also gets the stream the connection runs over.
 */
export async function openClient<T>(t: SshTarget, wire: (client: SshClient, via?: RouteStream) => T): Promise<T> {
  if (t.credentials.attempts.length === 0) {
    throw new UnreachableError(`no credentials to offer for ${t.user}@${t.address}:${t.port}`, {
      where: { host: t.host },
      hint:
        notesHint(t) ?? "set identity_file or password_env for this host, start ssh-agent, or create ~/.ssh/id_ed25519",
    });
  }
  let tried = 0;
  try {
    return await retry(
      (attempt) => {
        tried = attempt;
        return attemptConnect(t, wire);
      },
      {
        attempts: Math.max(t.attempts, DROPPED_ATTEMPTS),
        baseMs: 500,
        maxMs: 4000,
        retryable: (err) => err instanceof TransientConnectError && (err.dropped || tried < t.attempts),
      },
    );
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    const tries = tried > 1 ? ` (${tried} attempts)` : "";
    const via = t.route ? ` ${t.route.via}` : "";
    throw new UnreachableError(`cannot reach ${t.user}@${t.address}:${t.port}${via}: ${reason}${tries}`, {
      where: { host: t.host },
      ...(err instanceof TransientConnectError && err.dropped ? { hint: DROPPED_HINT } : {}),
      cause: err instanceof TransientConnectError ? err.cause : err,
    });
  }
}

function attemptConnect<T>(t: SshTarget, wire: (client: SshClient, via?: RouteStream) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let refusal: HostKeyError | undefined;
    let settled = false;
    let via: RouteStream | undefined;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      client.end();
      via?.sock.destroy();
      reject(refusal ?? classify(err, t));
    };
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      client.removeListener("error", fail);
      client.removeListener("close", onEarlyClose);
      resolve(wire(client, via));
    });
    client.on("error", fail);
    const onEarlyClose = (): void => fail(new TransientConnectError("connection closed during handshake"));
    client.once("close", onEarlyClose);

    const opening = t.route?.open();
    // a forwarded stream that opened is closed however the rest fails (an unreadable known_hosts, say)
    void opening?.then(
      (stream) => {
        via = stream;
        if (settled) stream.sock.destroy();
      },
      () => undefined,
    );
    const algorithms = hostKeyAlgorithms(t).catch((err: unknown) => {
      refusal = hostKeyIoError(t, err);
      throw err;
    });
    void Promise.all([algorithms, opening]).then(([algorithms, stream]) => {
      if (settled) return;
      client.connect({
        ...(stream ? { sock: stream.sock } : { host: t.address, port: t.port }),
        username: t.user,
        readyTimeout: t.connectTimeoutMs,
        keepaliveInterval: t.keepaliveIntervalMs ?? KEEPALIVE_MS,
        keepaliveCountMax: t.keepaliveCountMax ?? KEEPALIVE_MAX_MISSED,
        ...(algorithms ? { algorithms } : {}),
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          void verifyHostKey(t, key).then(
            () => verify(true),
            (err: unknown) => {
              refusal = err instanceof HostKeyError ? err : hostKeyIoError(t, err);
              verify(false);
            },
          );
        },
        authHandler: authHandler(t.credentials),
      });
    }, fail);
  });
}

// Ask the server first for a key type known_hosts already holds, as OpenSSH does: a host with an
// ed25519 and an rsa key then shows the one we can check instead of looking "unknown".
async function hostKeyAlgorithms(t: SshTarget): Promise<Algorithms | undefined> {
  if (t.hostKeyChecking === "off") return undefined;
  const entries = await readKnownHosts(t.knownHostsFile);
  const known = knownKeyTypes(entries, t.address, t.port).flatMap(algorithmsForKeyType) as ServerHostKeyAlgorithm[];
  if (known.length === 0) return undefined;
  // ssh2 applies `remove` then `prepend`, and prepend unshifts one by one: reverse to keep our order.
  return { serverHostKey: { remove: known, prepend: [...known].reverse(), append: [] } };
}

async function verifyHostKey(t: SshTarget, key: Buffer): Promise<void> {
  const decision = decideHostKey({
    entries: t.hostKeyChecking === "off" ? [] : await readKnownHosts(t.knownHostsFile),
    file: t.knownHostsFile,
    name: t.host,
    address: t.address,
    port: t.port,
    key,
    mode: t.hostKeyChecking,
  });
  if (decision.action === "refuse") throw decision.error;
  if (decision.action === "record") await appendKnownHost(t.knownHostsFile, decision.line);
}

function hostKeyIoError(t: SshTarget, err: unknown): HostKeyError {
  return new HostKeyError(`cannot check the host key of ${t.address}:${t.port}: ${(err as Error).message}`, {
    where: { host: t.host },
    hint: `make ${t.knownHostsFile} readable and its directory writable`,
    cause: err,
  });
}

/** Offer each gathered credential once, skipping those the server no longer lists as allowed. */
function authHandler(creds: Credentials): AuthHandlerMiddleware {
  let i = 0;
  // ssh2 passes null before the first attempt, and takes `false` for "nothing left" (its types omit both).
  return (methodsLeft: AuthenticationType[] | null, _partial, next) => {
    while (i < creds.attempts.length) {
      const a = creds.attempts[i++]!;
      const method = a.type === "password" ? "password" : "publickey";
      if (methodsLeft && !methodsLeft.includes(method)) continue;
      const { label: _label, ...attempt } = a;
      next(attempt);
      return;
    }
    (next as unknown as (nothing: false) => void)(false);
  };
}

function classify(err: unknown, t: SshTarget): Error {
  const e = err as NodeJS.ErrnoException & { level?: string };
  if (err instanceof TransientConnectError) return err;
  if (e.level === "client-authentication") {
    const tried = t.credentials.attempts.map((a) => a.label).join(", ");
    return new UnreachableError(`authentication failed for ${t.user}@${t.address}:${t.port} (tried ${tried})`, {
      where: { host: t.host },
      hint: notesHint(t) ?? `check that one of these is authorized for ${t.user} on the host`,
      cause: err,
    });
  }
  if (e.level === "client-timeout")
    return new TransientConnectError(`timed out after ${t.connectTimeoutMs} ms`, { cause: err });
  // a reset before the connection is ready: sshd closing one it has no room for, unread greeting and all
  if (e.code === "ECONNRESET") return dropped(reasonFor(e.code), err);
  if (e.code && RETRYABLE_CODES.has(e.code)) return new TransientConnectError(reasonFor(e.code), { cause: err });
  if (e.level === "client-dns") return new Error(`cannot resolve ${t.address}`, { cause: err });
  if (/Connection lost before handshake/i.test(e.message))
    return dropped("sshd closed the connection before the SSH handshake", err);
  return err instanceof Error ? err : new Error(String(err));
}

function reasonFor(code: string): string {
  const reasons: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ETIMEDOUT: "connection timed out",
    ECONNRESET: "connection reset by peer",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    EPIPE: "connection closed by peer",
    EAI_AGAIN: "name lookup failed temporarily",
  };
  return reasons[code] ?? code;
}

function notesHint(t: SshTarget): string | undefined {
  return t.credentials.notes.length ? t.credentials.notes.join("; ") : undefined;
}
