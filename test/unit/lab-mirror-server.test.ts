import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRange, resolveInside, serveDir, type MirrorServer } from "../../src/lab/mirror-server.js";

describe("parseRange", () => {
  it.each([
    [undefined, 10, undefined],
    ["bytes=4-", 10, { start: 4, end: 9 }],
    ["bytes=2-5", 10, { start: 2, end: 5 }],
    ["bytes=2-50", 10, { start: 2, end: 9 }],
    ["bytes=10-", 10, "invalid"],
    ["bytes=-5", 10, "invalid"],
    ["items=1-", 10, "invalid"],
  ] as const)("%s of %i bytes", (header, size, want) => {
    expect(parseRange(header, size)).toEqual(want);
  });
});

describe("resolveInside", () => {
  it.each([
    ["/a.txt", "/srv/m/a.txt"],
    ["/sub/b.txt?x=1", "/srv/m/sub/b.txt"],
    ["/../etc/passwd", undefined],
    ["/%2e%2e/etc/passwd", undefined],
    ["/sub/%2e%2e/%2e%2e/x", undefined],
    ["/%00", undefined],
    ["/%E0%A4%A", undefined],
  ])("%s", (path, want) => {
    expect(resolveInside("/srv/m", path)).toBe(want);
  });
});

/** Raw request so that paths reach the server exactly as written (fetch would normalise `..`). */
function get(url: string, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serveDir", () => {
  let server: MirrorServer;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "armgo-mirror-"));
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "go.tar.gz"), "0123456789");
    await writeFile(join(dir, "go.tar.gz.sha256"), "a".repeat(64));
    await writeFile(join(dir, "sub", "x"), "x");
    server = await serveDir(dir);
  });
  afterAll(() => server.close());

  it("binds loopback on a free port", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it("serves a whole file with its length", async () => {
    const res = await get(server.url, "/go.tar.gz");
    expect(res).toMatchObject({ status: 200, body: "0123456789" });
    expect(res.headers["content-length"]).toBe("10");
    expect(res.headers["accept-ranges"]).toBe("bytes");
  });

  it("serves the bare hash", async () => {
    expect((await get(server.url, "/go.tar.gz.sha256")).body).toBe("a".repeat(64));
  });

  it("resumes with Range: bytes=N-", async () => {
    const res = await get(server.url, "/go.tar.gz", { Range: "bytes=6-" });
    expect(res).toMatchObject({ status: 206, body: "6789" });
    expect(res.headers["content-range"]).toBe("bytes 6-9/10");
  });

  it("answers 416 past the end", async () => {
    const res = await get(server.url, "/go.tar.gz", { Range: "bytes=10-" });
    expect(res.status).toBe(416);
    expect(res.headers["content-range"]).toBe("bytes */10");
  });

  it("answers HEAD without a body", async () => {
    const res = await get(server.url, "/go.tar.gz", {}, "HEAD");
    expect(res).toMatchObject({ status: 200, body: "" });
    expect(res.headers["content-length"]).toBe("10");
  });

  it.each(["/missing", "/sub", "/", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"])("404 for %s", async (path) => {
    expect((await get(server.url, path)).status).toBe(404);
  });

  it("refuses other methods", async () => {
    expect((await get(server.url, "/go.tar.gz", {}, "POST")).status).toBe(405);
  });
});
