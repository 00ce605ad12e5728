// The host lock on real sh through the local transport: mkdir, owner tokens, stale takeover.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LockHeldError } from "../../src/errors.js";
import { acquireHostLock, isStale, STALE_SECONDS } from "../../src/lock/host-lock.js";
import { LocalTransport } from "../../src/transport/local.js";

const t = new LocalTransport("h1");
const lockAt = () => join(mkdtempSync(join(tmpdir(), "armgo-hostlock-")), "armgo.lock");
const deadPid = (): number => spawnSync("true").pid;

describe("host lock", () => {
  it("one holder at a time: the second is refused naming the first; release frees it for the next", async () => {
    const path = lockAt();
    const a = await acquireHostLock(t, path, { run: "run-a" });
    expect(readFileSync(join(path, "owner"), "utf8")).toMatch(
      new RegExp(`^run=run-a controller=${hostname()} pid=${process.pid} since=\\d+\\n$`),
    );
    const err = await acquireHostLock(t, path, { run: "run-b" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    // the host is named once, by where (a held lock used to read "h1: h1: …")
    expect((err as LockHeldError).oneLine()).toMatch(
      new RegExp(`^h1: \\S*armgo.lock is held by run run-a from ${hostname()} \\(pid ${process.pid}\\), \\d+ s ago — `),
    );
    await a.release();
    expect(existsSync(path)).toBe(false);
    const b = await acquireHostLock(t, path, { run: "run-b" });
    await b.release();
  });

  it("a lock left by a killed run on this controller is taken over at once, with a notice", async () => {
    const path = lockAt();
    mkdirSync(path);
    writeFileSync(join(path, "owner"), `run=killed controller=${hostname()} pid=${deadPid()} since=1\n`);
    const notices: string[] = [];
    const lock = await acquireHostLock(t, path, { run: "run-c", onNotice: (l) => notices.push(l) });
    expect(notices).toEqual([expect.stringMatching(/^h1: took over the stale lock .* held by run killed from /)]);
    expect(readFileSync(join(path, "owner"), "utf8")).toMatch(/^run=run-c /);
    await lock.release();
  });

  it("another controller's lock is stale only by age", async () => {
    const path = lockAt();
    mkdirSync(path);
    writeFileSync(join(path, "owner"), `run=far controller=elsewhere pid=1 since=1\n`);
    await expect(acquireHostLock(t, path, { run: "run-d" })).rejects.toBeInstanceOf(LockHeldError);
    const old = Date.now() / 1000 - STALE_SECONDS - 60;
    utimesSync(path, old, old);
    const lock = await acquireHostLock(t, path, { run: "run-d" });
    await lock.release();
  });

  it("release never removes a lock someone else took over meanwhile", async () => {
    const path = lockAt();
    const mine = await acquireHostLock(t, path, { run: "run-e" });
    writeFileSync(join(path, "owner"), `run=newer controller=elsewhere pid=1 since=2\n`);
    await mine.release();
    expect(readFileSync(join(path, "owner"), "utf8")).toMatch(/^run=newer /);
  });

  it("a lock without an owner (its taker died right after mkdir) is taken over once a minute old", async () => {
    const path = lockAt();
    mkdirSync(path);
    await expect(acquireHostLock(t, path, { run: "run-f" })).rejects.toBeInstanceOf(LockHeldError);
    const old = Date.now() / 1000 - 120;
    utimesSync(path, old, old);
    const lock = await acquireHostLock(t, path, { run: "run-f" });
    expect(readFileSync(join(path, "owner"), "utf8")).toMatch(/^run=run-f /);
    await lock.release();
  });

  it.each<[string, number, boolean]>([
    ["no owner", 30, false],
    ["no owner", 61, true],
    ["dead pid here", 10, true],
    ["live pid here", 10, false],
    ["live pid here, too old", STALE_SECONDS + 1, true],
  ])("isStale: %s, %i s → %s", (what, age, stale) => {
    const pid = what.startsWith("dead") ? deadPid() : process.pid;
    expect(isStale(what === "no owner" ? undefined : { run: "r", controller: hostname(), pid, since: 0 }, age)).toBe(
      stale,
    );
  });
});
