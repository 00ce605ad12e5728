// Controller-side fetches shared by every host of a run: each URL is fetched once.
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { TaskError } from "../errors.js";
import { sha256File } from "../hash.js";
import type { Controller } from "../modules/contract.js";
import { cacheDir } from "../paths.js";

async function get(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (e) {
    throw new TaskError(
      `cannot fetch ${url}: ${(e as Error).cause ? String((e as { cause: Error }).cause.message) : (e as Error).message}`,
      {
        hint: "check the URL and that the controller can reach it",
        cause: e,
      },
    );
  }
  if (!res.ok) throw new TaskError(`fetching ${url} answered HTTP ${res.status}`, { hint: "check the URL" });
  return res;
}

export function createController(dir = cacheDir()): Controller {
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
    fetchText: (url) => memo(`text:${url}`, async () => (await get(url)).text()),
    fetchFile: (url, sha256, onProgress) =>
      memo(`file:${url}:${sha256}`, async () => {
        const dl = join(dir, "downloads");
        mkdirSync(dl, { recursive: true });
        const path = join(dl, sha256.toLowerCase());
        if (existsSync(path) && (await sha256File(path)).sha256 === sha256.toLowerCase()) return path;
        const res = await get(url);
        const total = Number(res.headers.get("content-length") ?? 0);
        const part = `${path}.part-${process.pid}`;
        const hash = createHash("sha256");
        let done = 0;
        const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
        body.on("data", (c: Buffer) => {
          hash.update(c);
          done += c.length;
          onProgress?.(done, total);
        });
        await pipeline(body, createWriteStream(part));
        const actual = hash.digest("hex");
        if (actual !== sha256.toLowerCase()) {
          rmSync(part, { force: true });
          throw new TaskError(`checksum mismatch for ${url}: expected ${sha256}, got ${actual}`, {
            hint: "the file or the expected checksum is wrong; nothing was pushed to hosts",
          });
        }
        renameSync(part, path);
        return path;
      }),
  };
}
