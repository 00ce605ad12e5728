// Test helpers for modules: a local host (LocalTransport: real sh, tar, sha256sum in a temp dir),
// a real controller against a local HTTP server, and runModule = resolve → probe → parse → plan → apply.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { changes, checks } from "../../src/engine/capabilities.js";
import { createController } from "../../src/engine/controller.js";
import type { Fleet, Module, ModuleContext, Plan, ProbeOutput } from "../../src/modules/contract.js";
import type { Facts } from "../../src/facts/types.js";
import { LocalTransport } from "../../src/transport/local.js";

export const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

export function tempDir(prefix = "armgo-mod-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function localFacts(over: Partial<Facts> = {}): Facts {
  return {
    arch: "aarch64",
    goarch: "arm64",
    goos: "linux",
    os: { id: "debian", version_id: "12", pretty_name: "Debian 12" },
    libc: { kind: "glibc", version: "2.36" },
    shell: "/bin/bash",
    home: tmpdir(),
    user: userInfo().username,
    uid: userInfo().uid,
    tools: { curl: true, wget: true, sha256sum: true, tar: true, sudo: false, systemctl: false },
    go_version: null,
    hostname: "local",
    ...over,
  };
}

/** A local HTTP server for fixture files, with Range support and a log of what it served. */
export interface FixtureServer {
  url: string;
  files: Map<string, Buffer | string>;
  requests: Array<{ path: string; range?: string; bytes: number }>;
  /** A file served up to `at` bytes, the rest only once `until` resolves: a transfer caught midway. */
  stalls: Map<string, { at: number; until: Promise<void> }>;
  close(): Promise<void>;
}

export async function fixtureServer(): Promise<FixtureServer> {
  const files = new Map<string, Buffer | string>();
  const requests: FixtureServer["requests"] = [];
  const stalls: FixtureServer["stalls"] = new Map();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    const buf = Buffer.from(body);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const from = range ? Number(range[1]) : 0;
    if (from >= buf.length && range) {
      res.writeHead(416, { "Content-Range": `bytes */${buf.length}` }).end();
      requests.push({ path, range: req.headers.range, bytes: 0 });
      return;
    }
    const part = buf.subarray(from);
    requests.push({ path, ...(range ? { range: req.headers.range } : {}), bytes: part.length });
    res.writeHead(range ? 206 : 200, {
      "Content-Length": part.length,
      "Accept-Ranges": "bytes",
      ...(range ? { "Content-Range": `bytes ${from}-${buf.length - 1}/${buf.length}` } : {}),
    });
    const stall = stalls.get(path);
    if (!stall) return void res.end(part);
    res.write(part.subarray(0, stall.at));
    void stall.until.then(() => res.end(part.subarray(stall.at)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    requests,
    stalls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface Harness {
  transport: LocalTransport;
  facts: Facts;
  controller: ReturnType<typeof createController>;
  cacheDir: string;
  /** Other hosts, for modules that check against the fleet. */
  fleet: Fleet;
  /** Scripts run through ctx.run, in order (probe scripts excluded). */
  applied: string[];
  cleanup(): void;
}

/** A fleet of named hosts that are all this machine, each with the facts given. */
export function localFleet(hosts: Record<string, Facts>): Fleet {
  const transport = new LocalTransport();
  return {
    hosts: (pattern) => Object.keys(hosts).filter((h) => pattern === "all" || pattern.split(":").includes(h)),
    facts: async (host) => hosts[host]!,
    exec: (_host, script, opts) => transport.exec(script, opts),
    put: (_host, local, remote, opts) => transport.put(local, remote, opts),
  };
}

export function harness(facts: Facts = localFacts(), fleet: Fleet = localFleet({})): Harness {
  const cacheDir = tempDir("armgo-cache-");
  return {
    transport: new LocalTransport(),
    facts,
    controller: createController(cacheDir),
    cacheDir,
    fleet,
    applied: [],
    cleanup: () => rmSync(cacheDir, { recursive: true, force: true }),
  };
}

export interface RunResult<State, Step> {
  args: unknown;
  probe: ProbeOutput;
  state: State;
  plan: Plan<Step>;
  status: "ok" | "changed";
  msg: string;
  data: Record<string, unknown>;
}

/** The engine's per-task pipeline, without templating: resolve → probe → parse → plan → apply (unless check). */
export async function runModule<A, S, St>(
  h: Harness,
  module: Module<A, S, St>,
  rawArgs: A,
  opts: { check?: boolean; killAfterMs?: number; progress?: (text: string) => void } = {},
): Promise<RunResult<S, St>> {
  const base = { host: "local", facts: h.facts, controller: h.controller, fleet: h.fleet };
  const args = module.resolve ? await module.resolve(rawArgs, base) : rawArgs;
  const script = module.probe(args, h.facts);
  const r = script === "" ? { stdout: "", stderr: "", code: 0 } : await h.transport.exec(script);
  const probe = { stdout: r.stdout, stderr: r.stderr, code: r.code };
  const state = module.parse(probe, args);
  const plan = module.plan(state, args);
  let msg = plan.msg;
  let data = { ...plan.data };
  const ctx: ModuleContext = {
    ...base,
    check: Boolean(opts.check),
    runId: "test-run",
    become: false,
    // killAfterMs: the script's whole process group SIGKILLed, as when the host dies mid-script; a command
    // fed stdin is not watched (transport/watch.ts), so LocalTransport's timeout kills its group at once
    run: (s, o) => {
      h.applied.push(s);
      return h.transport.exec(s, opts.killAfterMs === undefined ? o : { ...o, timeoutMs: opts.killAfterMs, stdin: "" });
    },
    runOk: async (s, o) => {
      h.applied.push(s);
      const res = await h.transport.exec(s, o);
      if (res.code !== 0) throw new Error(`exit ${res.code}: ${res.stderr}`);
      return res;
    },
    put: (local, remote, o) => h.transport.put(local, remote, o),
    progress: opts.progress ?? (() => undefined),
  };
  // as engine/attempt.ts runs it: a change outside check mode, a checks-only module's checks always
  const done =
    (changes(module, plan) && !opts.check) || checks(module, plan) ? await module.apply(ctx, args, plan) : {};
  msg = done.msg ?? msg;
  data = { ...data, ...done.data };
  return { args, probe, state, plan, status: changes(module, plan) ? "changed" : "ok", msg, data };
}

export type TarEntry =
  | { type: "file"; name: string; content: string; mode?: number }
  | { type: "dir" | "fifo"; name: string }
  | { type: "symlink" | "hardlink"; name: string; target: string };

/** A gzipped ustar archive built byte by byte, so tests can make entries no tar tool would write. */
export function makeTarGz(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.type === "file" ? Buffer.from(e.content) : Buffer.alloc(0);
    const h = Buffer.alloc(512);
    const put = (s: string, off: number, len: number) => h.write(s.slice(0, len), off, "utf8");
    const oct = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, "0") + "\0", off, len);
    put(e.name, 0, 100);
    oct(
      e.type === "file" && e.mode !== undefined ? e.mode : e.type === "dir" || e.name.includes("/bin/") ? 0o755 : 0o644,
      100,
      8,
    );
    oct(0, 108, 8);
    oct(0, 116, 8);
    oct(body.length, 124, 12);
    oct(1_700_000_000, 136, 12);
    h.write("        ", 148, "latin1");
    put({ file: "0", hardlink: "1", symlink: "2", dir: "5", fifo: "6" }[e.type], 156, 1);
    if (e.type === "symlink" || e.type === "hardlink") put(e.target, 157, 100);
    h.write("ustar\u000000", 257, "latin1");
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** An archive shaped like Go's: everything under go/, go/VERSION first line is the version. */
export function goArchive(version: string, extra: TarEntry[] = []): Buffer {
  return makeTarGz([
    { type: "dir", name: "go/" },
    { type: "file", name: "go/VERSION", content: `${version}\ntime 2025-01-01T00:00:00Z\n` },
    { type: "dir", name: "go/bin/" },
    { type: "file", name: "go/bin/go", content: `#!/bin/sh\necho go version ${version} linux/arm64\n` },
    ...extra,
  ]);
}
