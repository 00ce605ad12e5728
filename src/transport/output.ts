// What ssh and local share about a finished command: UTF-8 output, exit codes, the sudo verdict.
import { constants } from "node:os";
import { StringDecoder } from "node:string_decoder";
import { TaskError } from "../errors.js";
import { sudoWantsPassword } from "./become.js";
import type { ExecOptions, ExecResult } from "./transport.js";

/** A command killed by a signal reports 128+n, as POSIX shells do (unknown signal names: -1). */
export function signalExitCode(signal: string): number {
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return n === undefined ? -1 : 128 + n;
}

/** Collects stdout/stderr as UTF-8, decoding characters split across chunks correctly. */
export class OutputCollector {
  private readonly out = new StringDecoder("utf8");
  private readonly err = new StringDecoder("utf8");
  private stdout = "";
  private stderr = "";
  // Output arriving after the result (a timed-out command still writing) is read and dropped.
  private finished = false;

  constructor(private readonly onStdout?: (chunk: string) => void) {}

  stdoutChunk(buf: Buffer): void {
    if (this.finished) return;
    const text = this.out.write(buf);
    this.stdout += text;
    if (text && this.onStdout) this.onStdout(text);
  }

  stderrChunk(buf: Buffer): void {
    if (this.finished) return;
    this.stderr += this.err.write(buf);
  }

  finish(script: string, code: number, startedMs: number, timedOut: boolean): ExecResult {
    this.finished = true;
    const tail = this.out.end();
    this.stdout += tail;
    if (tail && this.onStdout) this.onStdout(tail);
    this.stderr += this.err.end();
    const result: ExecResult = {
      script,
      code: timedOut ? -1 : code,
      stdout: this.stdout,
      stderr: this.stderr,
      durationMs: Math.round(performance.now() - startedMs),
    };
    if (timedOut) result.timedOut = true;
    return result;
  }
}

/** A become that sudo refused is a setup problem of the host, not a failed task: say what to fix. */
export function checkBecome(result: ExecResult, opts: ExecOptions, host: string, user: string): ExecResult {
  if (!opts.become || result.code === 0) return result;
  if (sudoWantsPassword(result.stderr)) {
    throw new TaskError(`sudo on ${host} wants a password for ${user}`, {
      where: { host },
      hint: `allow NOPASSWD sudo for ${user}, or connect as root`,
      data: { script: result.script, stderr: result.stderr },
    });
  }
  if (result.code === 127 && /sudo: (command )?not found/.test(result.stderr)) {
    throw new TaskError(`become needs sudo, and sudo is not installed on ${host}`, {
      where: { host },
      hint: "install sudo on the host, or connect as root",
      data: { script: result.script, stderr: result.stderr },
    });
  }
  return result;
}
