// A static file server for the Go mirror: GET/HEAD, resumable `Range: bytes=N-`, loopback only.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve, sep } from "node:path";

export interface MirrorServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".json": "application/json",
  ".sha256": "text/plain; charset=utf-8",
  ".gz": "application/gzip",
};

export async function serveDir(dir: string, port = 0): Promise<MirrorServer> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    handle(root, req, res).catch(() => send(res, 500, "internal error\n"));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

/** Map a request path to a file under root, or undefined when it would leave root. */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split("?")[0] ?? "/");
  } catch {
    return undefined;
  }
  if (path.includes("\0")) return undefined;
  const file = resolve(root, "." + path);
  return file === root || file.startsWith(root + sep) ? file : undefined;
}

/** Parse `bytes=N-` or `bytes=N-M` against a file size; "invalid" means 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "invalid" | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) return "invalid";
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) return "invalid";
  return { start, end };
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, "method not allowed\n");
  }
  const file = resolveInside(root, req.url ?? "/");
  const info = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info || !info.isFile()) return send(res, 404, "not found\n");
  const range = parseRange(req.headers.range, info.size);
  if (range === "invalid") {
    res.setHeader("Content-Range", `bytes */${info.size}`);
    return send(res, 416, "range not satisfiable\n");
  }
  const ext = Object.keys(TYPES).find((e) => file.endsWith(e));
  res.setHeader("Content-Type", ext ? TYPES[ext]! : "application/octet-stream");
  res.setHeader("Accept-Ranges", "bytes");
  const { start, end } = range ?? { start: 0, end: info.size - 1 };
  if (range) {
    res.statusCode = 206;
    res.setHeader("Content-Range", `bytes ${start}-${end}/${info.size}`);
  }
  res.setHeader("Content-Length", Math.max(0, end - start + 1));
  if (req.method === "HEAD" || info.size === 0) return void res.end();
  const stream = createReadStream(file, { start, end });
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

function send(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(res.req.method === "HEAD" ? undefined : body);
}
