// Remote commands of one task on one target (the host, or the one it delegates to): logged for
// the audit record, shown with -v, and the ModuleContext a module's apply runs them through.
import { needsSudo } from "../transport/become.js";
import type { CommandRecord } from "../audit/log.js";
import { InterruptedError, RemoteCommandError } from "../errors.js";
import type { Facts } from "../facts/types.js";
import type { Controller, Fleet, ModuleContext } from "../modules/contract.js";
import type { ExecOptions, ExecResult, Transport } from "../transport/transport.js";
import type { RunEvent } from "./types.js";

export interface ExecutorOptions {
  /** Connected as root: become needs no sudo, which a minimal host may lack. */
  asRoot: boolean;
  /** Runs a delegated task: its commands name the host that ran them. */
  delegated: boolean;
  verbose: boolean;
  emit(e: RunEvent): void;
  /** Once aborted (Ctrl-C), no new command starts. */
  signal?: AbortSignal;
}

export class Executor {
  constructor(
    readonly transport: Transport,
    private readonly opts: ExecutorOptions,
  ) {}

  /** Root logged in needs no sudo to be root (and may not have it); becoming another user still does. */
  become(become: boolean | string): boolean | string {
    return this.opts.asRoot && !needsSudo(become, "root") ? false : become;
  }

  /** What a command record says about where it ran: the host, when not the task's own. */
  ranOn(): { host?: string } {
    return this.opts.delegated ? { host: this.transport.host } : {};
  }

  /** Run `script`, log it for the audit record and show it with -v; `noLog` shows only that a command ran. */
  async exec(script: string, log: CommandRecord[], opts: ExecOptions = {}, noLog = false): Promise<ExecResult> {
    if (this.opts.signal?.aborted && !opts.afterInterrupt)
      throw new InterruptedError(`interrupted before a command on ${this.transport.host}: it was not started`);
    const r = await this.transport.exec(script, opts);
    if (this.opts.verbose) {
      const shown = noLog
        ? { script: "(no_log)", stdout: "", stderr: "" }
        : { script, stdout: r.stdout, stderr: r.stderr };
      this.opts.emit({
        type: "command",
        command: { host: this.transport.host, ...shown, code: r.code, duration_ms: r.durationMs },
      });
    }
    log.push({
      ...this.ranOn(),
      script,
      code: r.code,
      duration_ms: r.durationMs,
      ...(r.code !== 0 && r.stderr ? { stderr_tail: r.stderr.slice(-2000) } : {}),
    });
    return r;
  }
}

export interface ContextParts {
  host: string;
  task: string;
  facts: Facts;
  controller: Controller;
  fleet: Fleet;
  check: boolean;
  runId: string;
  become: boolean | string;
  /** `export` lines of the task's environment, put before each command. */
  env: string;
  /** The task's no_log: its commands are not shown with -v. */
  noLog: boolean;
  emit(e: RunEvent): void;
}

export function moduleContext(exec: Executor, parts: ContextParts, log: CommandRecord[]): ModuleContext {
  const become = exec.become(parts.become);
  const run = (script: string, opts: ExecOptions = {}): Promise<ExecResult> =>
    exec.exec(parts.env + script, log, { become, ...opts }, parts.noLog);
  return {
    host: parts.host,
    facts: parts.facts,
    controller: parts.controller,
    // what a module does on other hosts is recorded with this task, naming the host
    fleet: {
      ...parts.fleet,
      exec: async (host, script, opts) => {
        const r = await parts.fleet.exec(host, script, opts);
        log.push({ host, script, code: r.code, duration_ms: r.durationMs });
        return r;
      },
      put: async (host, local, remote, opts) => {
        const t0 = Date.now();
        await parts.fleet.put(host, local, remote, opts);
        log.push({ host, script: `sftp put ${remote}`, code: 0, duration_ms: Date.now() - t0 });
      },
    },
    check: parts.check,
    runId: parts.runId,
    become,
    run,
    runOk: async (script, opts) => {
      const r = await run(script, opts);
      if (r.code !== 0) throw new RemoteCommandError(script, r.code, r.stderr);
      return r;
    },
    put: async (local, remote, opts) => {
      const t0 = Date.now();
      await exec.transport.put(local, remote, opts);
      log.push({ ...exec.ranOn(), script: `sftp put ${remote}`, code: 0, duration_ms: Date.now() - t0 });
    },
    progress: (text) => parts.emit({ type: "progress", host: parts.host, task: parts.task, text }),
  };
}
