// Commands on the controller (the lab, apt for sysroots): argv arrays only, so no value is ever parsed by a shell.
import { execFile, spawn } from "node:child_process";
import { ArmgoError, lastLine } from "./errors.js";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Stops the command (SIGTERM) when it fires: the run's interrupt. */
  signal?: AbortSignal;
}

/** Run a command to completion and return its stdout; a non-zero exit becomes an ArmgoError. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024, signal: opts.signal },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(commandError(cmd, args, err, stderr));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `producer | consumer` without a shell: e.g. `tar -c . | docker import -`. */
export function pipe(
  producer: { cmd: string; args: string[] },
  consumer: { cmd: string; args: string[] },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const a = spawn(producer.cmd, producer.args, { stdio: ["ignore", "pipe", "pipe"] });
    const b = spawn(consumer.cmd, consumer.args, { stdio: ["pipe", "pipe", "pipe"] });
    a.stdout.pipe(b.stdin);
    // A consumer that dies early breaks the pipe; its exit code below is the error worth reporting.
    b.stdin.on("error", () => undefined);
    let out = "";
    let errA = "";
    let errB = "";
    a.stderr.on("data", (d: Buffer) => (errA += d.toString()));
    b.stdout.on("data", (d: Buffer) => (out += d.toString()));
    b.stderr.on("data", (d: Buffer) => (errB += d.toString()));
    const exitA = new Promise<number>((res, rej) => {
      a.on("error", rej);
      a.on("close", (code) => res(code ?? 1));
    });
    const exitB = new Promise<number>((res, rej) => {
      b.on("error", rej);
      b.on("close", (code) => res(code ?? 1));
    });
    Promise.all([exitA, exitB]).then(
      ([ca, cb]) => {
        if (ca !== 0) return reject(new ArmgoError(`${producer.cmd} exited ${ca}: ${lastLine(errA)}`));
        if (cb !== 0) return reject(new ArmgoError(`${consumer.cmd} exited ${cb}: ${lastLine(errB)}`));
        resolve(out);
      },
      (err: unknown) => reject(commandError(producer.cmd, producer.args, err, errA + errB)),
    );
  });
}

function commandError(cmd: string, args: string[], err: unknown, stderr: string): ArmgoError {
  const e = err as NodeJS.ErrnoException & { code?: string | number };
  if (e.code === "ENOENT") {
    return new ArmgoError(`command not found: ${cmd}`, {
      cause: err,
      hint: "install it on the controller (scripts/setup.sh installs what the lab and the tests need)",
    });
  }
  const tail = stderr.trim().split("\n").slice(-5).join(" | ");
  return new ArmgoError(`${cmd} ${args.slice(0, 3).join(" ")} failed (exit ${String(e.code)}): ${tail || e.message}`, {
    cause: err,
  });
}
