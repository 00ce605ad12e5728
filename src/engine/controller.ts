// Controller-side fetches shared by every host of a run: each URL is fetched once.
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { TaskError } from "../errors.js";
import { sha256File } from "../hash.js";
import type { Controller } from "../modules/contract.js";
import { HTML_PAGE_SAID, HTML_SNIFF_BYTES, isHtmlPage } from "../modules/shared/html-page.js";
import { cacheDir } from "../paths.js";

/** Aborts a fetch after `seconds` without a byte; each chunk starts the wait again. */
class StallWatch {
  readonly control = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly seconds: number,
    private readonly interrupt?: AbortSignal,
  ) {
    // the run's Ctrl-C or SIGTERM ends a controller fetch at once, as it stops a host's command
    interrupt?.addEventListener("abort", this.abort, { once: true });
    this.kick();
  }

  private readonly abort = (): void => this.control.abort();

  kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.control.abort(), this.seconds * 1000);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.interrupt?.removeEventListener("abort", this.abort);
  }

  /** What a failed fetch of `url` means, one line: a stall when the watch fired. */
  failure(url: string, e: unknown, done?: number): TaskError {
    const after = done === undefined ? "" : ` after ${done} bytes`;
    if (this.interrupt?.aborted)
      return new TaskError(`fetching ${url} was stopped${after}: the run was interrupted`, { cause: e });
    if (this.control.signal.aborted)
      return new TaskError(`fetching ${url} stalled: no data for ${this.seconds} s${after}`, {
        hint: "the download's timeout is the time without progress: raise it for a slow server, or check the server",
        cause: e,
      });
    const why = (e as Error).cause ? String((e as { cause: Error }).cause.message) : (e as Error).message;
    return new TaskError(`cannot fetch ${url}${after}: ${why}`, {
      hint: "check the URL and that the controller can reach it",
      cause: e,
    });
  }
}

async function get(url: string, watch: StallWatch): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: watch.control.signal });
  } catch (e) {
    watch.stop();
    throw watch.failure(url, e);
  }
  if (!res.ok) {
    watch.stop();
    throw new TaskError(`fetching ${url} answered HTTP ${res.status}`, { hint: "check the URL" });
  }
  return res;
}

/** Bytes free for an unprivileged writer in `dir`. */
function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

function diskFull(dir: string, url: string, total: number, done: number, cause?: unknown): TaskError {
  const need = total > 0 ? `${total} bytes` : `more than ${done} bytes`;
  return new TaskError(
    `the controller's disk is full: ${url} needs ${need} in ${dir}, ${freeBytes(dir)} bytes are free`,
    {
      hint: "free space there or point $ARMGO_CACHE elsewhere; no partial file was kept",
      cause,
    },
  );
}

/** `interrupt`: the run's signal; a fetch in flight is stopped when it fires. */
export function createController(dir = cacheDir(), interrupt?: AbortSignal): Controller {
  const memos = new Map<string, Promise<unknown>>();
  const memo = <T>(key: string, compute: () => Promise<T>): Promise<T> => {
    let p = memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = compute();
      memos.set(key, p);
      // a failed fetch is not cached: another host may retry it
      p.catch(() => memos.delete(key));
    }
    return p;
  };
  return {
    memo,
    ...(interrupt ? { interrupt } : {}),
    fetchText: (url) =>
      memo(`text:${url}`, async () => {
        const watch = new StallWatch(120, interrupt);
        try {
          return await (await get(url, watch)).text();
        } catch (e) {
          throw e instanceof TaskError ? e : watch.failure(url, e);
        } finally {
          watch.stop();
        }
      }),
    fetchFile: (url, sha256, opts = {}) =>
      memo(`file:${url}:${sha256}`, async () => {
        const dl = join(dir, "downloads");
        mkdirSync(dl, { recursive: true });
        const path = join(dl, sha256.toLowerCase());
        if (existsSync(path) && (await sha256File(path)).sha256 === sha256.toLowerCase()) return path;
        const watch = new StallWatch(opts.stallSeconds ?? 30, interrupt);
        const res = await get(url, watch);
        const total = Number(res.headers.get("content-length") ?? 0);
        // the part is this process's own (its name holds the pid): one that fails is never resumed, so never kept
        const part = `${path}.part-${process.pid}`;
        const hash = createHash("sha256");
        let done = 0;
        // the file's first bytes: an HTML page in its place is named when the checksum fails
        let head = Buffer.alloc(0);
        const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
        body.on("data", (c: Buffer) => {
          watch.kick();
          if (head.length < HTML_SNIFF_BYTES) head = Buffer.concat([head, c]).subarray(0, HTML_SNIFF_BYTES);
          hash.update(c);
          done += c.length;
          opts.onProgress?.(done, total);
        });
        try {
          if (total > freeBytes(dl)) throw diskFull(dl, url, total, 0);
          await pipeline(body, createWriteStream(part));
        } catch (e) {
          body.destroy();
          rmSync(part, { force: true });
          if (e instanceof TaskError) throw e;
          if ((e as NodeJS.ErrnoException).code === "ENOSPC") throw diskFull(dl, url, total, done, e);
          throw watch.failure(url, e, done);
        } finally {
          watch.stop();
        }
        const actual = hash.digest("hex");
        if (actual !== sha256.toLowerCase()) {
          rmSync(part, { force: true });
          const page = isHtmlPage(head) ? `: ${HTML_PAGE_SAID}` : "";
          throw new TaskError(`checksum mismatch for ${url}: expected ${sha256}, got ${actual}${page}`, {
            hint: "the file or the expected checksum is wrong; nothing was pushed to hosts",
          });
        }
        renameSync(part, path);
        return path;
      }),
  };
}
