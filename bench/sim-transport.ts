// The simulated fleet's transport: every host answers as the one real converged host answered
// (recorded through a real ssh connection), after a configurable network and command delay.
import { MARKER_PATTERN } from "../src/engine/batch.js";
import { wrapScript } from "../src/transport/become.js";
import { watched } from "../src/transport/watch.js";
import type { ExecOptions, ExecResult, Transport, TransportStats } from "../src/transport/transport.js";

export interface Reply {
  code: number;
  stdout: string;
  stderr: string;
}

/** Recorded replies by script, with what differs between hosts and runs taken out: the host's name, a batch's marker. */
export type Replies = Record<string, Reply>;

export interface Latency {
  /** TCP connect + key exchange + auth, as the controller waits for it. */
  connectMs: number;
  /** One round trip: what every exec costs on top of the command itself. */
  rttMs: number;
  /** The remote command's own run time. */
  commandMs: number;
}

const HOST = "\u0000host\u0000";
const mark = (i: number) => `\u0000marker${i}\u0000`;
// A script may hold several batches (facts and probes in one exec), each under its own marker: they are told apart by order.
const markersOf = (script: string): string[] => [...new Set(script.match(MARKER_PATTERN) ?? [])];
const general = (text: string, host: string, markers: string[]): string =>
  markers.reduce((t, m, i) => t.split(m).join(mark(i)), text.split(host).join(HOST));
const specific = (text: string, host: string, markers: string[]): string =>
  markers.reduce((t, m, i) => t.split(mark(i)).join(m), text.split(HOST).join(host));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real transport whose replies are kept in `replies`: how the simulated fleet learns what a host says. */
export function recording(t: Transport, replies: Replies): Transport {
  return {
    host: t.host,
    async exec(script: string, opts?: ExecOptions): Promise<ExecResult> {
      const r = await t.exec(script, opts);
      const markers = markersOf(script);
      replies[general(script, t.host, markers)] = {
        code: r.code,
        stdout: general(r.stdout, t.host, markers),
        stderr: general(r.stderr, t.host, markers),
      };
      return r;
    },
    put: (l, r, o) => t.put(l, r, o),
    get: (r, l) => t.get(r, l),
    interrupt: () => t.interrupt(),
    stats: () => t.stats(),
    close: () => t.close(),
  };
}

/** What the recorded host answered to `script`, under `host`'s name and the script's own markers. */
export function replyFor(replies: Replies, script: string, host: string): Reply {
  const markers = markersOf(script);
  const reply = replies[general(script, host, markers)];
  // A script the real host never ran means the simulation no longer matches the engine: stop loudly.
  if (!reply)
    throw new Error(
      `sim: no recorded reply for a script on ${host} (first line: ${script.split("\n")[0]}); record again`,
    );
  return {
    code: reply.code,
    stdout: specific(reply.stdout, host, markers),
    stderr: specific(reply.stderr, host, markers),
  };
}

/** The replies keyed by the command an ssh server receives for each script (sh -c, plain or watched; no sudo: the bench logs in as root). */
export function onTheWire(replies: Replies): Replies {
  const out: Replies = {};
  for (const [script, reply] of Object.entries(replies)) {
    out[wrapScript(script)] = reply;
    out[wrapScript(watched(script))] = reply;
  }
  return out;
}

/** The recorded script a converged host's steady run sends (facts and probes in one exec: the longest answer), as `host` would get it. */
export function steadyScript(replies: Replies, host: string): string {
  const [script] = Object.entries(replies).sort((a, b) => b[1].stdout.length - a[1].stdout.length)[0]!;
  const batches = new Set(script.match(/\u0000marker\d+\u0000/g) ?? []).size;
  return specific(
    script,
    host,
    Array.from({ length: batches }, (_, i) => `ARMGO-${String(i).padStart(16, "0")}`),
  );
}

export class SimTransport implements Transport {
  private readonly counters: TransportStats = { connections: 1, execs: 0, bytesSent: 0 };

  private constructor(
    readonly host: string,
    private readonly replies: Replies,
    private readonly latency: Latency,
  ) {}

  static async open(host: string, replies: Replies, latency: Latency): Promise<SimTransport> {
    await sleep(latency.connectMs);
    return new SimTransport(host, replies, latency);
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.counters.execs++;
    this.counters.bytesSent += Buffer.byteLength(script) + (opts.stdin ? Buffer.byteLength(opts.stdin) : 0);
    const started = performance.now();
    await sleep(this.latency.rttMs + this.latency.commandMs);
    const reply = replyFor(this.replies, script, this.host);
    opts.onStdout?.(reply.stdout);
    return { script, ...reply, durationMs: performance.now() - started };
  }

  put(): Promise<void> {
    return Promise.reject(new Error(`sim: ${this.host} was asked to upload a file; a converged run uploads nothing`));
  }

  get(): Promise<void> {
    return Promise.reject(new Error(`sim: ${this.host} was asked for a file; a converged run fetches nothing`));
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async interrupt(): Promise<void> {}

  async close(): Promise<void> {}
}
