import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LockHeldError } from "../../src/errors.js";
import { acquireRunLock, lockPath } from "../../src/lock/run-lock.js";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "armgo-lock-"));
  const inventory = join(dir, "hosts.yaml");
  writeFileSync(inventory, "all: {}\n");
  return { dir: join(dir, "locks"), inventory };
}

describe("run lock per inventory", () => {
  it("a second run stops with the holder named under --no-wait, and gets the lock once the first releases", async () => {
    const { dir, inventory } = setup();
    const first = await acquireRunLock({ dir, inventory, command: "armgo play site.yaml", wait: false });
    const err = await acquireRunLock({ dir, inventory, command: "armgo drift site.yaml", wait: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toMatch(
      new RegExp(`pid ${process.pid} on ${hostname()}, started .*: armgo play site.yaml`),
    );
    first.release();
    const second = await acquireRunLock({ dir, inventory, command: "armgo drift site.yaml", wait: false });
    expect(JSON.parse(readFileSync(second.path, "utf8"))).toMatchObject({ command: "armgo drift site.yaml" });
    second.release();
    expect(existsSync(second.path)).toBe(false);
  });

  it("a waiting run says once whom it waits for, and runs when the holder releases", async () => {
    const { dir, inventory } = setup();
    const first = await acquireRunLock({ dir, inventory, command: "first", wait: true });
    const notices: string[] = [];
    const waiting = acquireRunLock({
      dir,
      inventory,
      command: "second",
      wait: true,
      pollMs: 20,
      onNotice: (l) => notices.push(l),
    });
    await new Promise((r) => setTimeout(r, 150));
    first.release();
    const second = await waiting;
    expect(notices).toEqual([expect.stringMatching(/^waiting for the run lock held by pid \d+ .*: first$/)]);
    second.release();
  });

  it("the lock of a dead holder is taken over, with a message naming it", async () => {
    const { dir, inventory } = setup();
    const child = spawn("true");
    const pid = child.pid!;
    await new Promise((r) => child.once("exit", r));
    await acquireRunLock({ dir, inventory, command: "x", wait: false }).then((l) => l.release());
    writeFileSync(
      lockPath(dir, inventory),
      JSON.stringify({
        pid,
        controller: hostname(),
        started: "2026-01-01T00:00:00.000Z",
        command: "armgo play killed.yaml",
      }),
    );
    const notices: string[] = [];
    const lock = await acquireRunLock({ dir, inventory, command: "y", wait: false, onNotice: (l) => notices.push(l) });
    expect(notices).toEqual([
      `took over the run lock of a run that is gone (pid ${pid} on ${hostname()}, started 2026-01-01T00:00:00.000Z: armgo play killed.yaml)`,
    ]);
    lock.release();
  });

  it("the same inventory through another path shares the lock", async () => {
    const { dir, inventory } = setup();
    const a = await acquireRunLock({ dir, inventory, command: "a", wait: false });
    const viaDots = join(inventory, "..", ".", "hosts.yaml");
    await expect(acquireRunLock({ dir, inventory: viaDots, command: "b", wait: false })).rejects.toBeInstanceOf(
      LockHeldError,
    );
    a.release();
  });
});

describe("run lock: reboots and shards", () => {
  it("a holder recorded under another boot is gone, even if its pid runs now", async () => {
    const { dir, inventory } = setup();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      lockPath(dir, inventory),
      JSON.stringify({
        pid: process.pid,
        controller: hostname(),
        boot: "before-the-reboot",
        started: "2026-01-01T00:00:00.000Z",
        command: "armgo play old.yaml",
      }),
    );
    const notices: string[] = [];
    const lock = await acquireRunLock({ dir, inventory, command: "z", wait: false, onNotice: (l) => notices.push(l) });
    expect(notices).toEqual([expect.stringMatching(/^took over the run lock of a run that is gone/)]);
    lock.release();
  });

  it("shards of one inventory hold separate locks; the same shard twice is refused", async () => {
    const { dir, inventory } = setup();
    const one = await acquireRunLock({ dir, inventory, command: "1/3", wait: false, part: "1of3" });
    const two = await acquireRunLock({ dir, inventory, command: "2/3", wait: false, part: "2of3" });
    await expect(
      acquireRunLock({ dir, inventory, command: "1/3 again", wait: false, part: "1of3" }),
    ).rejects.toBeInstanceOf(LockHeldError);
    one.release();
    two.release();
  });
});
