// One small hierarchy: the CLI maps each kind to one exit code and prints one line.

export interface Where {
  file?: string;
  line?: number;
  col?: number;
  host?: string;
  task?: string;
}

/** `file:line:col`, as much of it as is known ("" without a file). */
export function position(w: Where): string {
  return w.file ? [w.file, w.line, w.col].filter((p) => p !== undefined).join(":") : "";
}

export class ArmgoError extends Error {
  readonly where: Where;
  readonly hint?: string;
  constructor(message: string, opts: { where?: Where; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.where = opts.where ?? {};
    this.hint = opts.hint;
  }

  /** The one line a user sees: where: what — what to do. */
  oneLine(): string {
    const w = this.where;
    const pos = position(w);
    const ctx = [w.host, w.task ? `task '${w.task}'` : undefined].filter(Boolean).join(" ");
    const prefix = [pos, ctx].filter(Boolean).join(" ");
    return `${prefix ? prefix + ": " : ""}${this.message}${this.hint ? ` — ${this.hint}` : ""}`;
  }
}

/** Bad playbook, inventory, vars or CLI usage: nothing was contacted (exit 5). */
export class InputError extends ArmgoError {
  /** Further problems found in the same pass (schema errors come all at once). */
  readonly more: InputError[] = [];

  static many(errors: InputError[]): InputError {
    const [first, ...rest] = errors;
    if (!first) throw new Error("InputError.many needs at least one error");
    first.more.push(...rest);
    return first;
  }

  override oneLine(): string {
    return [super.oneLine(), ...this.more.map((e) => e.oneLine())].join("\n");
  }
}

/**
 * A condition or `{{ }}` template the user wrote cannot be read or evaluated (a bad name, a wrong
 * type, an undefined variable): one line naming the expression. Where it is known, `where` says
 * the task's file:line:col.
 */
export class ExprError extends ArmgoError {}

/** A host could not be reached or authenticated (exit 4). */
export class UnreachableError extends ArmgoError {}

/** The host presented a key that known_hosts does not accept. */
export class HostKeyError extends UnreachableError {}

/** A task failed on a host (exit 2). `data` keeps what was learned before the failure. */
export class TaskError extends ArmgoError {
  readonly data: Record<string, unknown>;
  constructor(
    message: string,
    opts: { where?: Where; hint?: string; cause?: unknown; data?: Record<string, unknown> } = {},
  ) {
    super(message, opts);
    this.data = opts.data ?? {};
  }
}

/** What a task needs only a real run makes (a result, a controller file an earlier task writes): skipped under --check, not judged. */
export class NotJudgedError extends TaskError {}

/** A remote command exited non-zero where the caller required success. */
export class RemoteCommandError extends TaskError {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
    opts: { where?: Where; hint?: string } = {},
  ) {
    super(`remote command exited ${code}: ${lastLine(stderr) || "(no stderr)"}`, opts);
  }
}

/** A host's releases.json is not a manifest armgo can read: nothing is changed until a human looks. */
export class ManifestError extends TaskError {}

/**
 * A lock is held by someone else. This inventory's run lock (lock/run-lock.ts), when --no-wait said
 * not to queue: the command stops (exit 7). A lock on a host (lock/host-lock.ts: its changes, or an
 * app's deploy), held by another controller: that task fails, unjudged, and the run goes on.
 */
export class LockHeldError extends ArmgoError {}

/** The run was stopped by SIGINT/SIGTERM. */
export class InterruptedError extends ArmgoError {}

export function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}
