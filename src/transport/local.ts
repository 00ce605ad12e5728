// `connection: local`: the same Transport contract, run with the machine's own /bin/sh.
import { spawn } from "node:child_process";
import { chmod, copyFile, rename, stat, unlink } from "node:fs/promises";
import { userInfo } from "node:os";
import { TaskError } from "../errors.js";
import { needsSudo, wrapScript, type BecomeAuth } from "./become.js";
import { becomeSays, checkBecome, OutputCollector, passwordMask, signalExitCode } from "./output.js";
import { stagedPut } from "./staged-put.js";
import { converse, type SudoRefusal } from "./sudo-dialogue.js";
import { tempBeside } from "./temp-name.js";
import { InFlight, watchable, watched } from "./watch.js";
import type { ExecOptions, ExecResult, PutOptions, Transport, TransportStats } from "./transport.js";

export class LocalTransport implements Transport {
  private readonly counters: TransportStats = { connections: 1, execs: 0, bytesSent: 0 };
  private readonly user = userInfo().username;
  // as ssh.ts: a refused become password is not sent again
  private refused?: SudoRefusal;
  // watched commands in flight: Ctrl-C ends their stdin and waits for them (watch.ts)
  private readonly inFlight = new InFlight();

  constructor(
    readonly host: string = "localhost",
    private readonly auth: BecomeAuth = {},
  ) {}

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.counters.execs++;
    const started = performance.now();
    const watch = watchable(script, opts);
    // Own process group, so a timeout kills the whole tree the script started, not just sh.
    const child = spawn("/bin/sh", ["-c", wrapScript(watch ? watched(script) : script, opts.become, this.user)], {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    // A script that exits without reading its stdin closes the pipe: that is not an error.
    child.stdin.on("error", () => undefined);
    if (opts.stdin !== undefined) this.counters.bytesSent += Buffer.byteLength(opts.stdin);
    const sink = {
      write: (data: string) => void child.stdin.write(data),
      end: (data?: string | Buffer) => void child.stdin.end(data),
    };
    const dialogue = converse(sink, script, { ...opts, keepOpen: watch }, this.user, this.auth, this.refused, (r) =>
      becomeSays(r, this.host, this.user, this.auth),
    );
    const output = new OutputCollector(opts.onStdout, dialogue, passwordMask(this.auth));
    child.stdout.on("data", (b: Buffer) => output.stdoutChunk(b));
    child.stderr.on("data", (b: Buffer) => output.stderrChunk(b));

    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            // a watched script runs in a session of its own: its watcher stops it at EOF
            if (watch) child.stdin.end();
            else killGroup(child.pid);
          }, opts.timeoutMs);

    const closed = new Promise<number>((resolve, reject) => {
      child.once("error", (err) =>
        reject(
          new TaskError(`cannot start /bin/sh on ${this.host}: ${err.message}`, {
            where: { host: this.host },
            cause: err,
          }),
        ),
      );
      child.once("close", (c, signal) => resolve(c ?? (signal ? signalExitCode(signal) : -1)));
    }).finally(() => clearTimeout(timer));
    if (watch) this.inFlight.add(() => void child.stdin.end(), closed);
    const code = await closed;
    const result = output.finish(script, code, started, timedOut);
    if (dialogue?.refusal === "wrong") this.refused = "wrong";
    return checkBecome(result, opts, this.host, this.user, this.auth, dialogue);
  }

  async put(local: string, remote: string, opts: PutOptions = {}): Promise<void> {
    const { become, ...plain } = opts;
    const putAsLogin = async (l: string, r: string, o: PutOptions): Promise<void> => {
      this.counters.bytesSent += await this.copy(l, r, o);
    };
    if (needsSudo(become, this.user)) return stagedPut(this, putAsLogin, local, remote, { ...plain, become });
    return putAsLogin(local, remote, plain);
  }

  async get(remote: string, local: string): Promise<void> {
    await this.copy(remote, local, {});
  }

  /** Copy as this user to a temp name beside `to`, chmod, rename over; a failure leaves no temp file. Returns the size. */
  private async copy(from: string, to: string, opts: PutOptions): Promise<number> {
    const tmp = tempBeside(to);
    try {
      const { size } = await stat(from);
      await copyFile(from, tmp);
      if (opts.mode !== undefined) await chmod(tmp, opts.mode);
      await rename(tmp, to);
      opts.onProgress?.(size, size);
      return size;
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new TaskError(`copy of ${from} to ${to} on ${this.host} failed: ${(err as Error).message}`, {
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

  async close(): Promise<void> {}
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone: nothing left to kill.
  }
}
