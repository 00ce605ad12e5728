// What ssh and local share about a finished command: UTF-8 output, exit codes, the sudo verdict.
import { constants } from "node:os";
import { StringDecoder } from "node:string_decoder";
import { TaskError } from "../errors.js";
import { MASK } from "../mask.js";
import { sudoWantsPassword, type BecomeAuth } from "./become.js";
import type { SudoDialogue, SudoRefusal } from "./sudo-dialogue.js";
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

  /**
   * `dialogue`: stderr goes through it first (sudo's prompts and OK lines are the transport's business);
   * `mask`: the become password, masked should it ever come back in output.
   */
  constructor(
    private readonly onStdout?: (chunk: string) => void,
    private readonly dialogue?: SudoDialogue,
    private readonly mask?: string,
  ) {}

  stdoutChunk(buf: Buffer): void {
    if (this.finished) return;
    const text = this.out.write(buf);
    this.stdout += text;
    if (text && this.onStdout) this.onStdout(this.masked(text));
  }

  stderrChunk(buf: Buffer): void {
    if (this.finished) return;
    const text = this.err.write(buf);
    this.stderr += this.dialogue ? this.dialogue.stderr(text) : text;
  }

  private masked(text: string): string {
    return this.mask ? text.split(this.mask).join(MASK) : text;
  }

  finish(script: string, code: number, startedMs: number, timedOut: boolean): ExecResult {
    this.finished = true;
    const tail = this.out.end();
    this.stdout += tail;
    if (tail && this.onStdout) this.onStdout(this.masked(tail));
    const rest = this.err.end();
    this.stderr += this.dialogue ? this.dialogue.stderr(rest) + this.dialogue.end() : rest;
    const result: ExecResult = {
      script,
      code: timedOut ? -1 : code,
      stdout: this.masked(this.stdout),
      stderr: this.masked(this.stderr),
      durationMs: Math.round(performance.now() - startedMs),
    };
    if (timedOut) result.timedOut = true;
    return result;
  }
}

/** The become password as a mask: long enough that masking it cannot garble ordinary output (redact.ts's rule). */
export function passwordMask(auth: BecomeAuth): string | undefined {
  return auth.password !== undefined && auth.password.length >= 3 ? auth.password : undefined;
}

/** What sudo's refusal means, one line: the same for a become exec's error and a batch section's stderr. */
export function becomeRefused(refusal: SudoRefusal, host: string, user: string): string {
  return refusal === "wrong"
    ? `sudo on ${host} did not accept the become password for ${user}`
    : `sudo on ${host} wants a password for ${user}`;
}

/** The refusal as a batch section's stderr line: message — hint, as TaskError.oneLine() writes them. */
export function becomeSays(refusal: SudoRefusal, host: string, user: string, auth: BecomeAuth): string {
  return `${becomeRefused(refusal, host, user)} — ${becomeHint(refusal, user, auth)}`;
}

// becomeSays' line as it stands in a section's stderr
const SAYS = /^(sudo on .+? (?:wants a password|did not accept the become password) for .*?) — (.+)$/m;

/**
 * A batch section that sudo refused (its exit code and stdout are sudo's, not the probe's), as the
 * error a become exec throws: a probe then fails as a plain command task does, never parsed as a result.
 */
export function sectionRefused(stderr: string, host: string): TaskError | undefined {
  const m = SAYS.exec(stderr);
  return m ? new TaskError(m[1]!, { where: { host }, hint: m[2]!, data: { stderr } }) : undefined;
}

export function becomeHint(refusal: SudoRefusal, user: string, auth: BecomeAuth): string {
  if (refusal === "wrong") return `check the password given by ${auth.from ?? "-K or become_password_env"}`;
  if (auth.unsetEnv) return `become_password_env names ${auth.unsetEnv}, which is not set in armgo's environment`;
  return `give it with -K (--ask-become-pass) or the inventory's become_password_env, or allow NOPASSWD sudo for ${user}`;
}

/** A become that sudo refused is a setup problem of the host, not a failed task: say what to fix. */
export function checkBecome(
  result: ExecResult,
  opts: ExecOptions,
  host: string,
  user: string,
  auth: BecomeAuth = {},
  dialogue?: SudoDialogue,
): ExecResult {
  if (!opts.become || result.code === 0) return result;
  const data = { script: result.script, stderr: result.stderr };
  const refusal = dialogue?.refusal ?? (sudoWantsPassword(result.stderr) ? "missing" : undefined);
  if (refusal)
    throw new TaskError(becomeRefused(refusal, host, user), {
      where: { host },
      hint: becomeHint(refusal, user, auth),
      data,
    });
  if (result.code === 127 && /sudo: (command )?not found/.test(result.stderr)) {
    throw new TaskError(`become needs sudo, and sudo is not installed on ${host}`, {
      where: { host },
      hint: "install sudo on the host, or connect as root",
      data: { script: result.script, stderr: result.stderr },
    });
  }
  return result;
}
