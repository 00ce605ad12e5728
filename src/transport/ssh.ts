// The ssh Transport: one ssh2 connection per host for the whole run, channels capped and retried.
import { rename, stat, unlink } from "node:fs/promises";
import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { TaskError, UnreachableError } from "../errors.js";
import { needsSudo, wrapScript, type BecomeAuth } from "./become.js";
import { ChannelGate, isChannelRefusal, openChannel } from "./channels.js";
import { becomeSays, checkBecome, OutputCollector, passwordMask, signalExitCode } from "./output.js";
import { openClient, type RouteStream, type SshTarget } from "./ssh-client.js";
import { stagedPut } from "./staged-put.js";
import { converse, type SudoDialogue, type SudoRefusal } from "./sudo-dialogue.js";
import { tempBeside } from "./temp-name.js";
import { InFlight, watchable, watched } from "./watch.js";
import type { ExecOptions, ExecResult, PutOptions, Transport, TransportStats } from "./transport.js";

// Large SFTP reads and writes in flight: far fewer round trips than ssh2's 32 KiB default on slow links.
const SFTP_CHUNK = 256 * 1024;
const SFTP_CONCURRENCY = 16;

/** One live connection: its own channel budget, and the sftp session once a put needs it. */
interface Connection {
  client: Client;
  gate: ChannelGate;
  sftp?: Promise<SFTPWrapper>;
  closed: boolean;
  /** The forwarded stream it runs over, behind jump hosts. */
  via?: RouteStream;
}

export class SshTransport implements Transport {
  private current?: Promise<Connection>;
  private readonly counters: TransportStats = { connections: 0, execs: 0, bytesSent: 0 };
  // a become password sudo refused is never sent again on this connection (no lockout, no 2 s waits)
  private refused?: SudoRefusal;
  // watched commands in flight: Ctrl-C ends their stdin and waits for them (watch.ts)
  private readonly inFlight = new InFlight();

  private constructor(
    private readonly target: SshTarget,
    private readonly auth: BecomeAuth,
  ) {}

  get host(): string {
    return this.target.host;
  }

  /** Connect now, so an unreachable host or a refused host key surfaces before any task. */
  static async open(target: SshTarget, auth: BecomeAuth = {}): Promise<SshTransport> {
    const t = new SshTransport(target, auth);
    await t.connection();
    return t;
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const conn = await this.connection();
    this.counters.execs++;
    const release = await conn.gate.acquire();
    const watch = watchable(script, opts);
    const command = wrapScript(watch ? watched(script) : script, opts.become, this.target.user);
    this.counters.bytesSent += Buffer.byteLength(command);
    if (opts.stdin !== undefined) this.counters.bytesSent += Buffer.byteLength(opts.stdin);
    const { done, dialogue } = await openChannel(() =>
      withChannel<ClientChannel, { done: Promise<ExecResult>; dialogue?: SudoDialogue }>(
        // No pty: output stays byte-exact and sudo reads a password from stdin (-S), never a terminal.
        (cb) => conn.client.exec(command, cb),
        (channel) => {
          // The slot is free when sshd closes the channel, which after a timeout can be later than our result.
          channel.once("close", release);
          const run = this.collect(conn, channel, script, { ...opts, keepOpen: watch }, started);
          if (watch) this.inFlight.add(() => void channel.end(), run.done);
          return run;
        },
      ),
    ).catch((err: unknown) => {
      release();
      throw conn.closed ? this.lost(conn, err) : this.noSession(err);
    });
    const result = await done;
    if (dialogue?.refusal === "wrong") this.refused = "wrong";
    return checkBecome(result, opts, this.host, this.target.user, this.auth, dialogue);
  }

  async put(local: string, remote: string, opts: PutOptions = {}): Promise<void> {
    const { become, ...plain } = opts;
    if (needsSudo(become, this.target.user))
      return stagedPut(this, (l, r, o) => this.sftpPut(l, r, o), local, remote, { ...plain, become });
    return this.sftpPut(local, remote, plain);
  }

  async get(remote: string, local: string): Promise<void> {
    const tmp = tempBeside(local);
    const conn = await this.connection();
    try {
      // The session's listeners were wired in ssh2's callback (this.sftp); fastGet itself only takes callbacks.
      const sftp = await this.sftp(conn);
      await sftpCall<void>((cb) =>
        sftp.fastGet(remote, tmp, { chunkSize: SFTP_CHUNK, concurrency: SFTP_CONCURRENCY }, (err) =>
          cb(err, undefined),
        ),
      );
      await rename(tmp, local);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      if (conn.closed) throw this.lost(conn, err);
      throw new TaskError(`download of ${this.host}:${remote} to ${local} failed: ${(err as Error).message}`, {
        where: { host: this.host },
        cause: err,
      });
    }
  }

  /** Upload as the login user: sftp to a temp name beside `remote`, chmod, rename over. */
  private async sftpPut(local: string, remote: string, opts: PutOptions): Promise<void> {
    const tmp = tempBeside(remote);
    const conn = await this.connection();
    let sftp: SFTPWrapper | undefined;
    let interrupted = false;
    try {
      const { size } = await stat(local);
      sftp = await this.sftp(conn);
      const sending = fastPut(sftp, local, tmp, (chunk, done) => {
        this.counters.bytesSent += chunk;
        opts.onProgress?.(done, size);
      });
      // the run's interrupt ends an upload as it ends a command: its channel closes and the put fails at
      // once (fastPut does not call back once its channel is gone)
      const channel = sftp;
      let stop: (err: Error) => void = () => undefined;
      const stopped = new Promise<never>((_, reject) => (stop = reject));
      const sent = Promise.race([sending, stopped]);
      this.inFlight.add(() => {
        interrupted = true;
        channel.end();
        stop(new Error("stopped: the run was interrupted"));
      }, sent);
      await sent;
      if (opts.mode !== undefined) await sftpCall<void>((cb) => sftp!.chmod(tmp, opts.mode!, cb));
      await renameOver(sftp, tmp, remote);
    } catch (err) {
      if (conn.closed) throw this.lost(conn, err);
      // a closed channel would never answer the unlink: the part stays, at its temp name
      if (sftp && !interrupted) await sftpCall<void>((cb) => sftp!.unlink(tmp, cb)).catch(() => undefined);
      throw new TaskError(`upload of ${local} to ${this.host}:${remote} failed: ${(err as Error).message}`, {
        where: { host: this.host },
        cause: err,
      });
    }
  }

  interrupt(): Promise<void> {
    return this.inFlight.stop();
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    const pending = this.current;
    this.current = undefined;
    const conn = await pending?.catch(() => undefined);
    if (!conn || conn.closed) return;
    await new Promise<void>((resolve) => {
      conn.client.once("close", () => resolve());
      conn.client.end();
    });
  }

  // A connection that dropped (keepalive gave up, host rebooted) is replaced on the next call.
  private connection(): Promise<Connection> {
    if (!this.current) {
      const opening: Promise<Connection> = openClient(this.target, (client, via) => {
        this.counters.connections++;
        const conn: Connection = { client, gate: new ChannelGate(), closed: false, ...(via ? { via } : {}) };
        // After `ready` ssh2 still reports socket errors; the close that follows is what we act on.
        client.on("error", () => undefined);
        client.once("close", () => {
          conn.closed = true;
          if (this.current === opening) this.current = undefined;
        });
        return conn;
      });
      opening.catch(() => {
        if (this.current === opening) this.current = undefined;
      });
      this.current = opening;
    }
    return this.current;
  }

  /** The one sftp session of a connection, opened on first use; it holds one channel slot while open. */
  private sftp(conn: Connection): Promise<SFTPWrapper> {
    if (!conn.sftp) {
      const opening = (async () => {
        const release = await conn.gate.acquire();
        try {
          const sftp = await openChannel(() =>
            withChannel<SFTPWrapper, SFTPWrapper>(
              (cb) => conn.client.sftp(cb),
              (session) =>
                session.once("close", () => {
                  release();
                  if (conn.sftp === opening) conn.sftp = undefined;
                }),
            ),
          );
          return sftp;
        } catch (err) {
          release();
          throw err;
        }
      })();
      opening.catch(() => {
        if (conn.sftp === opening) conn.sftp = undefined;
      });
      conn.sftp = opening;
    }
    return conn.sftp;
  }

  private noSession(cause: unknown): TaskError {
    const refused = isChannelRefusal(cause);
    return new TaskError(
      `sshd on ${this.host} ${refused ? "kept refusing a new session" : "would not run the command"}: ${(cause as Error).message}`,
      {
        where: { host: this.host },
        hint: refused
          ? "sshd's MaxSessions is below armgo's 9 channels per connection, or the host is overloaded"
          : undefined,
        cause,
      },
    );
  }

  private lost(conn: Connection, cause?: unknown): UnreachableError {
    const why = conn.via?.lost();
    return new UnreachableError(
      `connection to ${this.target.address}:${this.target.port} was lost${why ? `: ${why}` : ""}`,
      {
        where: { host: this.host },
        cause,
      },
    );
  }

  private collect(
    conn: Connection,
    channel: ClientChannel,
    script: string,
    opts: ExecOptions & { keepOpen: boolean },
    started: number,
  ): { done: Promise<ExecResult>; dialogue?: SudoDialogue } {
    const sink = {
      write: (data: string) => void channel.write(data),
      end: (data?: string | Buffer) => void channel.end(data),
    };
    const dialogue = converse(sink, script, opts, this.target.user, this.auth, this.refused, (r) =>
      becomeSays(r, this.host, this.target.user, this.auth),
    );
    const output = new OutputCollector(opts.onStdout, dialogue, passwordMask(this.auth));
    channel.on("data", (b: Buffer) => output.stdoutChunk(b));
    channel.stderr.on("data", (b: Buffer) => output.stderrChunk(b));

    const done = new Promise<ExecResult>((resolve, reject) => {
      let code: number | undefined;
      let timedOut = false;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              // sudo relays TERM to the command but dies silently on KILL, leaving the command running.
              sendSignal(channel, opts.become ? "TERM" : "KILL");
              channel.close();
              // sshd closes the channel only once every process holding its pipes is gone; the
              // signal reaches only the top one, so the caller gets its result at the deadline.
              resolve(output.finish(script, -1, started, true));
            }, opts.timeoutMs);
      channel.on("exit", (c: number | null, signal?: string) => {
        code = c ?? (signal ? signalExitCode(signal) : -1);
      });
      channel.once("close", () => {
        clearTimeout(timer);
        if (timedOut) return;
        if (code === undefined) {
          reject(this.lost(conn));
          return;
        }
        resolve(output.finish(script, code, started, false));
      });
    });
    return { done, dialogue };
  }
}

// ssh2 parses every packet of one socket read synchronously: a quick command's exit-status and close
// can arrive with the channel itself, before an `await` resumes. So whatever listens to a channel is
// attached inside ssh2's callback, in the same tick, and `wire` must return no thenable.
function withChannel<C, T>(
  open: (cb: (err: Error | undefined, channel: C) => void) => void,
  wire: (channel: C) => T,
): Promise<T> {
  return new Promise((resolve, reject) => open((err, channel) => (err ? reject(err) : resolve(wire(channel)))));
}

// ssh2's channel.signal() sends nothing once stdin is at EOF (we always end it), yet sshd still
// honours the request (OpenSSH >= 7.9) while the channel is open: talk to the protocol directly.
function sendSignal(channel: ClientChannel, name: "TERM" | "KILL"): void {
  const raw = channel as unknown as {
    outgoing: { id: number; state: string };
    _client: { _protocol: { signal(id: number, sig: string): void } };
  };
  if (raw.outgoing.state !== "closed") raw._client._protocol.signal(raw.outgoing.id, name);
}

function sftpCall<T>(call: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));
}

function fastPut(
  sftp: SFTPWrapper,
  local: string,
  remote: string,
  onChunk: (chunk: number, done: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) =>
    sftp.fastPut(
      local,
      remote,
      { chunkSize: SFTP_CHUNK, concurrency: SFTP_CONCURRENCY, step: (done, chunk) => onChunk(chunk, done) },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
}

/** Atomic replace with OpenSSH's posix-rename; plain SFTP rename refuses an existing target, so remove it first. */
async function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await sftpCall<void>((cb) => sftp.ext_openssh_rename(from, to, cb));
    return;
  } catch (err) {
    if (!/does not support/i.test((err as Error).message)) throw err;
  }
  await sftpCall<void>((cb) => sftp.unlink(to, cb)).catch(() => undefined);
  await sftpCall<void>((cb) => sftp.rename(from, to, cb));
}
