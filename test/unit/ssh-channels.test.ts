// The channel budget and the retry of refused channels, without any server.
import { describe, expect, it } from "vitest";
import { ChannelGate, isChannelRefusal, MAX_CHANNELS, openChannel } from "../../src/transport/channels.js";
import { retry } from "../../src/transport/retry.js";

describe("ChannelGate", () => {
  it("keeps at most `limit` slots in use and hands freed slots to waiters in order", async () => {
    const gate = new ChannelGate(2);
    const order: number[] = [];
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const release = await gate.acquire();
        peak = Math.max(peak, gate.inUse);
        order.push(i);
        await new Promise((r) => setTimeout(r, 10));
        release();
        release(); // a second release is harmless
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(gate.inUse).toBe(0);
  });

  it("defaults to 9, one below OpenSSH's MaxSessions of 10", () => {
    expect(MAX_CHANNELS).toBe(9);
    expect(new ChannelGate().limit).toBe(9);
  });
});

describe("refused channels", () => {
  it.each([
    ["(SSH) Channel open failure: open failed", true],
    ["(SSH) Channel open failure: server closed channel unexpectedly", true],
    ["No free channels available", true],
    ["Unable to exec", false],
    ["All configured authentication methods failed", false],
  ])("%s → retry %s", (message, want) => {
    expect(isChannelRefusal(new Error(message))).toBe(want);
  });

  it("openChannel retries a refusal until the server has room", async () => {
    let calls = 0;
    const value = await openChannel(async () => {
      calls++;
      if (calls < 3) throw new Error("(SSH) Channel open failure: open failed");
      return "channel";
    });
    expect([value, calls]).toEqual(["channel", 3]);
  });

  it("retry gives up after its attempts and rethrows the last error; other errors are not retried", async () => {
    let calls = 0;
    const policy = { attempts: 3, baseMs: 1, maxMs: 2, retryable: (e: unknown) => (e as Error).message === "busy" };
    await expect(
      retry(async () => {
        calls++;
        throw new Error("busy");
      }, policy),
    ).rejects.toThrow("busy");
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new Error("denied");
      }, policy),
    ).rejects.toThrow("denied");
    expect(calls).toBe(1);
  });
});
