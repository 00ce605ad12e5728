// What the engine and modules need from a connection to one host; ssh and local implement it.

export interface ExecOptions {
  /** Run through sudo (true = root, or the user to become); the connection answers its password prompt. */
  become?: boolean | string;
  /** Bytes for the command's stdin. */
  stdin?: string | Buffer;
  /** Kill the command after this many ms (the result has code -1 and timedOut). */
  timeoutMs?: number;
  /** Called with stdout chunks as they arrive (progress lines). */
  onStdout?: (chunk: string) => void;
  /** Runs after an interrupt too (a lock's release); other commands are refused then (engine/exec.ts). */
  afterInterrupt?: boolean;
}

export interface ExecResult {
  /** The script as given (before sudo/sh wrapping): what the audit log records. */
  script: string;
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut?: boolean;
}

export interface PutOptions {
  /** File mode for the final file, e.g. 0o644 (under become 0644 when not given). */
  mode?: number;
  /** Land the file as this user (true = root): staged as the login user, then moved into place by one sudo command. */
  become?: boolean | string;
  /** Called with bytes transferred so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface TransportStats {
  connections: number;
  execs: number;
  bytesSent: number;
}

export interface Transport {
  /** Inventory name of the host. */
  readonly host: string;
  /** Run a POSIX sh script on the host (the transport wraps it in `sh -c`, and in sudo for become). */
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Upload a local file: written to a temporary name beside `remote`, then renamed into place. */
  put(local: string, remote: string, opts?: PutOptions): Promise<void>;
  /** Download a remote file: written to a temporary name beside `local`, then renamed; a failure leaves no file. */
  get(remote: string, local: string): Promise<void>;
  /**
   * Stop the commands in flight (Ctrl-C): each watched command's process group is stopped on the host
   * (watch.ts); resolves once they have all ended. Commands started later run as usual (the lock's release).
   */
  interrupt(): Promise<void>;
  /** Counters for the benchmark and the audit log. */
  stats(): TransportStats;
  close(): Promise<void>;
}
