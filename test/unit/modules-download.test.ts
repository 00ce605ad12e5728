import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createController } from "../../src/engine/controller.js";
import { TaskError } from "../../src/errors.js";
import { download } from "../../src/modules/download/index.js";
import { quote } from "../../src/transport/quote.js";
import { parseProbe } from "../../src/modules/download/probe.js";
import { planDownload } from "../../src/modules/download/plan.js";
import type { DownloadState } from "../../src/modules/download/types.js";
import {
  fixtureServer,
  harness,
  runModule,
  sha256,
  tempDir,
  type FixtureServer,
  type Harness,
} from "./modules-helpers.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const tools = { curl: true, wget: true, sha256sum: true };
const absent: DownloadState = { exists: false, notFile: false, hashed: "none", partSize: 0, tools };
const args = { url: "https://mirror.example/go.tgz", dest: "/var/cache/armgo/go.tgz", checksum: `sha256:${A}` };

describe("download plan", () => {
  it.each<[string, DownloadState, object, string, unknown[]]>([
    [
      "absent → fetch with curl",
      absent,
      {},
      "download https://mirror.example/go.tgz → /var/cache/armgo/go.tgz (size unknown)",
      [{ action: "fetch", tool: "curl", resumeFrom: 0 }],
    ],
    [
      "absent, size known",
      absent,
      { size: 70 },
      "download https://mirror.example/go.tgz → /var/cache/armgo/go.tgz (70 bytes)",
      [{ action: "fetch", tool: "curl", resumeFrom: 0 }],
    ],
    [
      "only wget",
      { ...absent, tools: { ...tools, curl: false } },
      {},
      "download https://mirror.example/go.tgz → /var/cache/armgo/go.tgz (size unknown)",
      [{ action: "fetch", tool: "wget", resumeFrom: 0 }],
    ],
    [
      "a .part to resume",
      { ...absent, partSize: 10 },
      {},
      "download https://mirror.example/go.tgz → /var/cache/armgo/go.tgz (size unknown, resuming at 10 bytes)",
      [{ action: "fetch", tool: "curl", resumeFrom: 10 }],
    ],
    [
      "wrong content → fetch",
      { ...absent, exists: true, sha256: B, hashed: "hash" },
      {},
      "download https://mirror.example/go.tgz → /var/cache/armgo/go.tgz (size unknown)",
      [{ action: "fetch", tool: "curl", resumeFrom: 0 }],
    ],
    [
      "controller mode",
      absent,
      { mode: "controller" },
      "upload https://mirror.example/go.tgz → /var/cache/armgo/go.tgz (size unknown) from the controller",
      [{ action: "upload" }],
    ],
    [
      "verified by manifest",
      { ...absent, exists: true, sha256: A, hashed: "manifest" },
      {},
      "/var/cache/armgo/go.tgz already has sha256 aaaaaaaaaaaa… (manifest)",
      [],
    ],
    [
      "verified by hashing",
      { ...absent, exists: true, sha256: A, hashed: "hash", mode: "644", owner: ["root", "0"], group: ["root", "0"] },
      { file_mode: "0644", owner: "0:root" },
      "/var/cache/armgo/go.tgz already has sha256 aaaaaaaaaaaa… (hashed)",
      [],
    ],
    [
      "mode differs",
      {
        ...absent,
        exists: true,
        sha256: A,
        hashed: "manifest",
        mode: "600",
        owner: ["root", "0"],
        group: ["root", "0"],
      },
      { file_mode: "0644" },
      "set mode/owner of /var/cache/armgo/go.tgz",
      [{ action: "attributes" }],
    ],
    [
      "owner differs",
      {
        ...absent,
        exists: true,
        sha256: A,
        hashed: "manifest",
        mode: "644",
        owner: ["root", "0"],
        group: ["root", "0"],
      },
      { owner: "deploy" },
      "set mode/owner of /var/cache/armgo/go.tgz",
      [{ action: "attributes" }],
    ],
  ])("%s", (_label, state, extra, msg, steps) => {
    const plan = planDownload(state, { ...args, ...extra });
    expect(plan.msg).toBe(msg);
    expect(plan.steps).toEqual(steps);
  });

  it("diff is absent → hash", () => {
    expect(planDownload(absent, args).diff).toMatchObject({ before: "absent", after: A });
  });

  it.each<[string, DownloadState, RegExp]>([
    ["no curl nor wget", { ...absent, tools: { curl: false, wget: false, sha256sum: true } }, /neither curl nor wget/],
    ["no sha256sum", { ...absent, tools: { ...tools, sha256sum: false } }, /sha256sum is not installed/],
    ["dest is a directory", { ...absent, notFile: true }, /not a regular file/],
  ])("fails: %s", (_label, state, message) => {
    expect(() => planDownload(state, args)).toThrow(message);
  });
});

describe("download parse", () => {
  it.each<[string, Partial<DownloadState>]>([
    [
      "exists=0\npart=123\ntool_curl=1\ntool_sha256sum=1\n",
      { exists: false, partSize: 123, tools: { curl: true, wget: false, sha256sum: true } },
    ],
    [
      `exists=1\nstat=5 1 2 3\nmanifest=5 1 2 3 ${A}\nsha256=${A}\nhashed=0\nattrs=644 root staff 0 50\n`,
      {
        exists: true,
        sha256: A,
        hashed: "manifest",
        size: 5,
        mode: "644",
        owner: ["root", "0"],
        group: ["staff", "50"],
      },
    ],
    [`exists=1\nstat=5 1 2 3\nmanifest=\nsha256=${B}\nhashed=1\n`, { exists: true, sha256: B, hashed: "hash" }],
    ["exists=1\nstat=5 1 2 3\nhashed=none\n", { exists: true, hashed: "none" }],
    ["exists=dir\n", { exists: false, notFile: true }],
  ])("%j", (stdout, want) => expect(parseProbe({ stdout, stderr: "", code: 0 })).toMatchObject(want));
});

describe("download on a real host (sh, curl, sha256sum)", () => {
  let server: FixtureServer;
  let h: Harness;
  let dir: string;
  const body = randomBytes(300_000);
  const hex = sha256(body);

  beforeAll(async () => {
    server = await fixtureServer();
    server.files.set("/dl/go.tgz", body);
    server.files.set("/dl/go.tgz.sha256", `${hex}\n`);
    server.files.set("/dl/SHA256SUMS", `${B}  other.tgz\n${hex}  go.tgz\n`);
    server.files.set("/dl/bad.tgz", Buffer.from("not the archive"));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    h = harness();
    dir = tempDir();
    server.requests.length = 0;
  });
  afterEach(() => {
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const dl = (extra: object = {}) => ({
    url: `${server.url}/dl/go.tgz`,
    dest: join(dir, "cache", "go.tgz"),
    checksum: `sha256:${hex}`,
    ...extra,
  });

  it("downloads, then a re-run is ok without fetching or re-hashing (manifest)", async () => {
    const first = await runModule(h, download, dl({ file_mode: "0640" }));
    expect(first.status).toBe("changed");
    expect(readFileSync(join(dir, "cache", "go.tgz")).equals(body)).toBe(true);
    expect(statSync(join(dir, "cache", "go.tgz")).mode & 0o777).toBe(0o640);
    expect(existsSync(join(dir, "cache", "go.tgz.part"))).toBe(false);
    expect(readFileSync(join(dir, "cache", "go.tgz.armgo-sha256"), "utf8")).toMatch(
      new RegExp(`^300000 [\\d.]+ [\\d.]+ \\d+ ${hex}\\n$`),
    );

    const again = await runModule(h, download, dl({ file_mode: "0640" }));
    expect(again.status).toBe("ok");
    expect(again.state.hashed).toBe("manifest");
    expect(again.msg).toMatch(/already has sha256 .* \(manifest\)/);
    expect(server.requests).toHaveLength(1);

    const full = await runModule(h, download, dl({ verify: "full" }));
    expect(full.status).toBe("ok");
    expect(full.state.hashed).toBe("hash");
  });

  it("re-hashes when the file changed behind the manifest, and replaces it", async () => {
    await runModule(h, download, dl());
    const dest = join(dir, "cache", "go.tgz");
    const tampered = Buffer.from(body);
    tampered[0] = tampered[0]! ^ 0xff;
    writeFileSync(dest, tampered);
    // Same size, mtime put back: ctime still betrays the write.
    const { atime, mtime } = statSync(dest);
    utimesSync(dest, atime, mtime);
    const r = await runModule(h, download, dl());
    expect(r.state).toMatchObject({ hashed: "hash", sha256: sha256(tampered) });
    expect(r.status).toBe("changed");
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("resolves sha256:URL in bare and GNU formats", async () => {
    for (const sums of ["go.tgz.sha256", "SHA256SUMS"]) {
      const r = await runModule(
        h,
        download,
        dl({ checksum: `sha256:${server.url}/dl/${sums}`, dest: join(dir, sums, "go.tgz") }),
      );
      expect(r.status).toBe("changed");
      expect(r.data.sha256).toBe(hex);
    }
  });

  it("check mode transfers nothing", async () => {
    const r = await runModule(h, download, dl({ size: 300000 }), { check: true });
    expect(r.status).toBe("changed");
    expect(r.plan.msg).toBe(`download ${server.url}/dl/go.tgz → ${join(dir, "cache", "go.tgz")} (300000 bytes)`);
    expect(server.requests).toHaveLength(0);
    expect(existsSync(join(dir, "cache"))).toBe(false);
  });

  it("a wrong checksum fails, leaves dest untouched and removes the bad .part", async () => {
    const dest = join(dir, "go.tgz");
    writeFileSync(dest, "previous content");
    const run = runModule(h, download, { url: `${server.url}/dl/bad.tgz`, dest, checksum: `sha256:${hex}` });
    await expect(run).rejects.toThrow(
      `sha256 mismatch for ${server.url}/dl/bad.tgz: expected ${hex}, got ${sha256("not the archive")}`,
    );
    expect(readFileSync(dest, "utf8")).toBe("previous content");
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(existsSync(`${dest}.armgo-sha256`)).toBe(false);
  });

  it("reports the .part's size while the host fetches (the watcher), and stops when done", async () => {
    let release!: () => void;
    server.stalls.set("/dl/go.tgz", { at: 120_000, until: new Promise<void>((r) => (release = r)) });
    const seen: string[] = [];
    const r = await runModule(h, download, dl({ size: 300_000 }), {
      progress: (text) => {
        seen.push(text);
        // the transfer goes on only once part of it was reported (curl's buffers decide how much is on disk)
        if (/^download [1-9]\d*\/300000 bytes$/.test(text)) release();
      },
    });
    server.stalls.clear();
    expect(r.status).toBe("changed");
    expect(
      seen.find((t) => /^download [1-9]\d*\/300000 bytes$/.test(t)),
      seen.join("\n"),
    ).toBeDefined();
    expect(readFileSync(join(dir, "cache", "go.tgz")).equals(body)).toBe(true);
    // the watcher's lines are not taken for the script's own output
    expect(r.data).toMatchObject({ size: 300_000, sha256: hex });
  });

  it("resumes a partial .part (Range request for the rest only)", async () => {
    const dest = join(dir, "go.tgz");
    writeFileSync(`${dest}.part`, body.subarray(0, 100_000));
    const r = await runModule(h, download, dl({ dest }));
    expect(r.plan.steps).toEqual([{ action: "fetch", tool: "curl", resumeFrom: 100_000 }]);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(server.requests).toEqual([{ path: "/dl/go.tgz", range: "bytes=100000-", bytes: 200_000 }]);
  });

  it("a corrupt .part is discarded and fetched again from scratch", async () => {
    const dest = join(dir, "go.tgz");
    writeFileSync(`${dest}.part`, Buffer.alloc(100_000, 1));
    await runModule(h, download, dl({ dest }));
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(server.requests.map((q) => q.range ?? "full")).toEqual(["bytes=100000-", "full"]);
  });

  it("a complete .part left by a killed run is used without fetching", async () => {
    const dest = join(dir, "go.tgz");
    writeFileSync(`${dest}.part`, body);
    await runModule(h, download, dl({ dest }));
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it("falls back to wget when the host has no curl", async () => {
    const state = await runModule(h, download, dl(), { check: true });
    const plan = planDownload({ ...state.state, tools: { ...state.state.tools, curl: false } }, state.args as never);
    expect(plan.steps).toEqual([{ action: "fetch", tool: "wget", resumeFrom: 0 }]);
  });

  it("controller mode fetches once and uploads", async () => {
    const r = await runModule(h, download, dl({ mode: "controller" }));
    expect(r.status).toBe("changed");
    expect(readFileSync(join(dir, "cache", "go.tgz")).equals(body)).toBe(true);
    await runModule(h, download, dl({ mode: "controller", dest: join(dir, "second", "go.tgz") }));
    expect(server.requests).toHaveLength(1);
    expect((await runModule(h, download, dl({ mode: "controller" }))).status).toBe("ok");
  });

  it("hostile dest and url stay data", async () => {
    const dest = join(dir, "x$(touch pwned); 'q'", "go.tgz");
    const r = await runModule(
      h,
      download,
      dl({ dest, url: `${server.url}/dl/go.tgz?$(touch${"$"}IFS/tmp/pwned-armgo)` }),
    );
    expect(r.status).toBe("changed");
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(existsSync(join(dir, "pwned"))).toBe(false);
    expect(existsSync("/tmp/pwned-armgo")).toBe(false);
  });
});

describe("download faults: a 404 or an HTML page served as the file itself, on the host and from the controller", () => {
  let server: FixtureServer;
  let h: Harness;
  let dir: string;
  const body = randomBytes(50_000);
  const hex = sha256(body);
  const page = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>captive portal</body></html>\n";
  beforeAll(async () => {
    server = await fixtureServer();
    server.files.set("/dl/portal.tgz", page);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    h = harness();
    dir = tempDir();
  });
  afterEach(() => {
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const pageHex = sha256(page);
  it.each([
    {
      name: "404, fetched by the host",
      mode: "remote" as const,
      path: "/dl/missing.tgz",
      said: (url: string, dest: string) =>
        `download of ${url} failed on the host (exit 22): curl: (22) The requested URL returned error: 404 — the server answered with an HTTP error: check the URL; ${dest} was left as it was and nothing was kept`,
    },
    {
      name: "404, fetched by the controller",
      mode: "controller" as const,
      path: "/dl/missing.tgz",
      said: (url: string) => `fetching ${url} answered HTTP 404 — check the URL`,
    },
    {
      name: "an HTML page, fetched by the host",
      mode: "remote" as const,
      path: "/dl/portal.tgz",
      said: (url: string, dest: string) =>
        `sha256 mismatch for ${url}: expected ${hex}, got ${pageHex}: the server sent an HTML page, not the file — ${dest} was left as it was and the bad .part removed; check the URL and the checksum`,
    },
    {
      name: "an HTML page, fetched by the controller",
      mode: "controller" as const,
      path: "/dl/portal.tgz",
      said: (url: string) =>
        `checksum mismatch for ${url}: expected ${hex}, got ${pageHex}: the server sent an HTML page, not the file — the file or the expected checksum is wrong; nothing was pushed to hosts`,
    },
  ])("$name: one line, no file kept, the previous file intact", async ({ mode, path, said }) => {
    const dest = join(dir, "go.tgz");
    writeFileSync(dest, "previous content");
    const url = `${server.url}${path}`;
    const line = await runModule(h, download, { url, dest, checksum: `sha256:${hex}`, mode }).then(
      () => "no failure",
      (e: unknown) => (e instanceof TaskError ? e.oneLine() : `not a TaskError: ${String(e)}`),
    );
    expect(line).toBe(said(url, dest));
    expect(readFileSync(dest, "utf8")).toBe("previous content");
    expect(readdirSync(dir)).toEqual(["go.tgz"]);
    expect(
      readdirSync(h.cacheDir, { recursive: true })
        .map(String)
        .filter((f) => f.includes(".part")),
    ).toEqual([]);
  });
});

describe("download faults: a stalled or slow server, a full disk", () => {
  const body = randomBytes(1_500_000);
  const hex = sha256(body);
  let server: Server;
  let url: string;
  let mnt: string;
  let h: Harness;
  beforeAll(async () => {
    // /slow trickles the file in 8 pieces 400 ms apart (past a 1 s timeout in all), /stall stops midway
    server = createServer((req, res) => {
      res.writeHead(200, { "Content-Length": body.length });
      if (req.url === "/stall") return void res.write(body.subarray(0, 100_000));
      const piece = Math.ceil(body.length / 8);
      let i = 0;
      const next = (): void => {
        if (i * piece >= body.length) return void res.end();
        res.write(body.subarray(i * piece, ++i * piece));
        setTimeout(next, 400);
      };
      next();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    mnt = tempDir();
    h = harness();
  });
  afterEach(() => {
    h.cleanup();
    execFileSync("sh", ["-c", `umount ${quote(mnt)} 2>/dev/null; rm -rf ${quote(mnt)}`]);
  });
  /** A 512 KiB filesystem: a 1.5 MB download fills it. */
  const smallDisk = (): string => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt]);
    return mnt;
  };
  const failure = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => "no failure",
      (e: unknown) => (e instanceof TaskError ? e.oneLine() : `not a TaskError: ${String(e)}`),
    );
  const parts = (d: string): string[] =>
    readdirSync(d, { recursive: true })
      .map(String)
      .filter((f) => f.includes(".part"));

  it("controller mode: a slow but moving server is not cut by `timeout` (the time without progress)", async () => {
    const dest = join(mnt, "go.tgz");
    const r = await runModule(h, download, {
      url: `${url}/slow`,
      dest,
      checksum: `sha256:${hex}`,
      mode: "controller" as const,
      timeout: 1,
    });
    expect(r.status).toBe("changed");
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it("controller mode: a stalled server fails in one line after `timeout` without data, and no .part is kept", async () => {
    const dest = join(mnt, "go.tgz");
    const said = await failure(
      runModule(h, download, { url: `${url}/stall`, dest, checksum: `sha256:${hex}`, mode: "controller", timeout: 1 }),
    );
    expect(said).toBe(
      `fetching ${url}/stall stalled: no data for 1 s after 100000 bytes — the download's timeout is the time without progress: raise it for a slow server, or check the server`,
    );
    expect(existsSync(dest)).toBe(false);
    expect(parts(h.cacheDir)).toEqual([]);
  });

  it("controller mode: the run's interrupt stops a fetch in flight (not after its timeout), and no part is kept", async () => {
    const stop = new AbortController();
    const c = createController(h.cacheDir, stop.signal);
    const fetching = failure(c.fetchFile(`${url}/stall`, hex, { onProgress: () => stop.abort() }));
    expect(await fetching).toMatch(
      new RegExp(`^fetching ${url}/stall was stopped after \\d+ bytes: the run was interrupted$`),
    );
    expect(parts(h.cacheDir)).toEqual([]);
  });

  it("controller mode: a full controller disk is named with the bytes needed and free, and no part is kept", async () => {
    const cache = smallDisk();
    const c = createController(cache);
    const said = await failure(c.fetchFile(`${url}/slow`, hex));
    expect(said).toMatch(
      new RegExp(
        `^the controller's disk is full: ${url}/slow needs 1500000 bytes in ${cache}/downloads, \\d+ bytes are free — free space there`,
      ),
    );
    expect(parts(cache)).toEqual([]);
  });

  it("host mode: a read-only filesystem fails in one line naming it, and nothing is written", async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k,ro", "tmpfs", mnt]);
    const dest = join(mnt, "cache", "go.tgz");
    const said = await failure(runModule(h, download, { url: `${url}/slow`, dest, checksum: `sha256:${hex}` }));
    expect(said).toMatch(new RegExp(`^download to ${dest} failed \\(exit 1\\): .*Read-only file system`));
    expect(readdirSync(mnt)).toEqual([]);
  });

  it("host mode: a disk that fills up is named with what is needed and free, and the .part is removed", async () => {
    const dest = join(smallDisk(), "cache", "go.tgz");
    const said = await failure(
      runModule(h, download, { url: `${url}/slow`, dest, checksum: `sha256:${hex}`, size: body.length }),
    );
    expect(said).toMatch(
      new RegExp(
        `^the disk is full on the host: ${dest} needs 1500000 bytes in ${mnt}/cache, \\d+ bytes are free — free space there`,
      ),
    );
    expect(parts(mnt)).toEqual([]);
    expect(existsSync(dest)).toBe(false);
  });
});
