// Jump hosts (ProxyJump): one ssh2 connection per hop chain, shared by every target behind it for the
// run, and the byte streams (direct-tcpip channels) that carry each target's own ssh connection.
import type { Client, ClientChannel } from "ssh2";
import { ArmgoError, HostKeyError, UnreachableError } from "../errors.js";
import { isChannelRefusal } from "./channels.js";
import { credentialSource, gatherCredentials } from "./credentials.js";
import type { HostKeyChecking } from "./known-hosts.js";
import { retry } from "./retry.js";
import { openClient, type Route, type RouteStream, TransientConnectError } from "./ssh-client.js";

export interface JumpHop {
  /** Name as written (`bastion`, `root@10.0.0.1:2222`), for messages. */
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

/** One hop of a `-J` / ProxyJump / proxy_jump string: `[user@]host[:port]`, as written. */
/** Settings every hop needs that the caller's defaults fill in (connect.ts owns them). */
export interface HopDefaults {
  connectTimeoutMs: number;
  attempts: number;
}

interface HopEntry {
  key: string;
  hop: JumpHop;
  client: Promise<Client>;
  /** Forwarded streams (targets, or hops further down a chain) open through this connection. */
  refs: number;
  /** Set when the connection went away while streams still used it. */
  dropped: boolean;
}

// CHANNEL_OPEN_FAILURE reasons (RFC 4254 5.1) that are not "busy": forwarding not allowed, or the target not answering.
const ADMINISTRATIVELY_PROHIBITED = 1;
const CONNECT_FAILED = 2;

/** The jump host's connection is there but it cannot take one more channel just now. */
function isForwardRefusal(err: unknown): boolean {
  const reason = (err as { reason?: unknown }).reason;
  return isChannelRefusal(err) && reason !== CONNECT_FAILED && reason !== ADMINISTRATIVELY_PROHIBITED;
}

/**
 * Jump connections of one run. Opened on first use (concurrent first users share the same promise),
 * each closed when the last stream through it closes; a dropped one is opened again on the next use.
 */
export class JumpPool {
  private readonly entries = new Map<string, HopEntry>();
  private opened = 0;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The way to `target` through `hops`: the first dialled from here, each next through the one before. */
  route(hops: JumpHop[], target: { host: string; address: string; port: number }, defaults: HopDefaults): Route {
    const last = hops[hops.length - 1];
    if (!last) throw new ArmgoError(`no jump hosts for ${target.host}`);
    const names = hops.map((h) => h.host).join(", ");
    return {
      via: `via jump host${hops.length > 1 ? "s" : ""} ${names}`,
      open: async (): Promise<RouteStream> => {
        const entry = await this.lease(hops, target.host, defaults);
        let stream: ClientChannel;
        try {
          const client = await entry.client;
          const forwarding = retry(() => forwardOut(client, target.address, target.port), {
            attempts: 8,
            baseMs: 50,
            maxMs: 2000,
            retryable: isForwardRefusal,
          });
          stream = await withDeadline(forwarding, defaults.connectTimeoutMs);
        } catch (err) {
          this.release(entry);
          throw forwardError(err, last, target);
        }
        stream.once("close", () => this.release(entry));
        return {
          sock: stream,
          lost: () => (entry.dropped ? `jump host ${hopName(last)} closed its connection` : undefined),
        };
      },
    };
  }

  /** Jump connections open now. */
  get size(): number {
    return this.entries.size;
  }

  /** Jump connections opened since the pool was made. */
  get connections(): number {
    return this.opened;
  }

  /** End every jump connection (the run is over or interrupted); streams through them close with them. */
  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(entries.map(async (e) => endClient(await e.client)));
  }

  private async lease(chain: JumpHop[], behind: string, defaults: HopDefaults): Promise<HopEntry> {
    const key = chainKey(chain);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.openHop(chain, key, defaults);
      this.entries.set(key, entry);
    }
    entry.refs++;
    try {
      await entry.client;
    } catch (err) {
      this.release(entry);
      throw hopError(err, entry.hop, behind);
    }
    return entry;
  }

  private release(entry: HopEntry): void {
    if (--entry.refs > 0) return;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    void entry.client.then(endClient, () => undefined);
  }

  private openHop(chain: JumpHop[], key: string, defaults: HopDefaults): HopEntry {
    const hop = chain[chain.length - 1]!;
    const upstream = chain.slice(0, -1);
    const entry: HopEntry = {
      key,
      hop,
      refs: 0,
      dropped: false,
      client: Promise.resolve(undefined as unknown as Client),
    };
    entry.client = (async () => {
      const source = credentialSource(
        { user: hop.user, identityFiles: hop.identityFiles, identitiesOnly: hop.identitiesOnly },
        this.env,
      );
      // "host key for [10.0.0.1]:2222", not "for root@10.0.0.1:2222 ([10.0.0.1]:2222)": the prefix names it as written
      const target = {
        host: writtenAsAddress(hop) ? hop.address : hop.host,
        address: hop.address,
        port: hop.port,
        user: hop.user,
        hostKeyChecking: hop.hostKeyChecking,
        knownHostsFile: hop.knownHostsFile,
        connectTimeoutMs: hop.connectTimeoutMs ?? defaults.connectTimeoutMs,
        attempts: defaults.attempts,
        credentials: await gatherCredentials(source),
        ...(upstream.length > 0 ? { route: this.route(upstream, hop, defaults) } : {}),
      };
      return openClient(target, (client) => {
        this.opened++;
        // After `ready` ssh2 still reports socket errors; the close that follows is what we act on.
        client.on("error", () => undefined);
        client.once("close", () => {
          if (entry.refs > 0) entry.dropped = true;
          if (this.entries.get(key) === entry) this.entries.delete(key);
        });
        return client;
      });
    })();
    // A failed open is forgotten once its last waiter has seen the error (release), not before:
    // targets asking at the same moment share one failure instead of dialling again each.
    entry.client.catch(() => undefined);
    return entry;
  }
}

/** `bastion` (an alias) or `root@10.0.0.1:2222` (the address itself): the latter needs no address beside it. */
function writtenAsAddress(hop: JumpHop): boolean {
  return (
    hop.host
      .replace(/^[^@]*@/, "")
      .replace(/:\d+$/, "")
      .replace(/^\[(.*)\]$/, "$1") === hop.address
  );
}

function hopName(hop: JumpHop): string {
  return writtenAsAddress(hop) ? hop.host : `${hop.host} (${hop.address}:${hop.port})`;
}

/** One connection per distinct chain: user@address:port of each hop, upstream first. */
// Targets share a hop's connection only when they would check and log in to it the same way.
function chainKey(chain: JumpHop[]): string {
  return chain
    .map((h) => [`${h.user}@${h.address}:${h.port}`, h.hostKeyChecking, h.knownHostsFile, ...h.identityFiles].join(" "))
    .join(" > ");
}

function forwardOut(client: Client, address: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      // The originator address is informational for sshd (logged); loopback says "forwarded for armgo".
      client.forwardOut("127.0.0.1", 0, address, port, (err, stream) => (err ? reject(err) : resolve(stream)));
    } catch (err) {
      // ssh2 throws "Not connected" when the jump connection closed in between: the next attempt opens it anew.
      reject(new TransientConnectError("the jump connection closed", { cause: err }));
    }
  });
}

/** A jump host that neither forwards nor refuses (the target's address is a black hole) must not hang the connect. */
function withDeadline(opening: Promise<ClientChannel>, ms: number): Promise<ClientChannel> {
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(new TransientConnectError(`no forwarded channel after ${ms} ms`));
    }, ms);
  });
  // A channel that opens after the deadline is closed, so it does not hold the jump connection open.
  opening.then(
    (s) => expired && s.destroy(),
    () => undefined,
  );
  return Promise.race([opening, late]).finally(() => clearTimeout(timer));
}

function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    client.once("close", () => resolve());
    client.end();
    // an already closed client emits no second close
    setTimeout(resolve, 1000).unref();
  });
}

/** A hop that cannot be reached or trusted: one line naming the hop, for the target behind it. */
function hopError(err: unknown, hop: JumpHop, behind: string): Error {
  if (!(err instanceof ArmgoError)) return err instanceof Error ? err : new Error(String(err));
  const Kind = err instanceof HostKeyError ? HostKeyError : UnreachableError;
  const message = err.message.startsWith("jump host ") ? err.message : `jump host ${hop.host}: ${err.message}`;
  return new Kind(message, { where: { host: behind }, ...(err.hint ? { hint: err.hint } : {}), cause: err });
}

/** The jump host is up but would not carry this target's connection. */
function forwardError(err: unknown, hop: JumpHop, target: { host: string; address: string; port: number }): Error {
  if (err instanceof ArmgoError || err instanceof TransientConnectError) return err;
  const reason = (err as { reason?: unknown }).reason;
  const what = (err as Error).message.replace(/^\(SSH\) Channel open failure: /, "");
  if (reason === ADMINISTRATIVELY_PROHIBITED) {
    return new UnreachableError(
      `jump host ${hop.host} refuses to forward to ${target.address}:${target.port}: ${what}`,
      {
        where: { host: target.host },
        hint: "the jump host's sshd must allow it (AllowTcpForwarding, PermitOpen)",
        cause: err,
      },
    );
  }
  // Connect failures are the target's (not listening yet, restarting): ssh-client retries those as it does direct ones.
  if (reason === CONNECT_FAILED)
    return new TransientConnectError(`jump host ${hop.host} cannot connect to it: ${what}`, { cause: err });
  return new UnreachableError(
    `jump host ${hop.host} would not open a channel to ${target.address}:${target.port}: ${what}`,
    {
      where: { host: target.host },
      hint: isChannelRefusal(err)
        ? "the jump host is overloaded (MaxSessions, MaxStartups) or out of channels; lower --forks"
        : undefined,
      cause: err,
    },
  );
}
