// The facts kept for the next run: only what outlasts the connection, and not rewritten when that is unchanged.
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedFacts, keepFacts } from "../../src/engine/gather.js";
import type { Facts } from "../../src/facts/types.js";
import { localFacts, tempDir } from "./modules-helpers.js";

const facts = (env: Record<string, string>): Facts => localFacts({ env });

const FIRST = { HOME: "/root", SSH_CLIENT: "10.0.0.1 50000 22", SSH_CONNECTION: "10.0.0.1 50000 10.0.0.2 22" };

describe("kept facts", () => {
  it.each([
    {
      name: "a new connection's own address: not rewritten",
      next: { HOME: "/root", SSH_CLIENT: "10.0.0.1 50002 22", SSH_CONNECTION: "10.0.0.1 50002 10.0.0.2 22" },
      rewritten: false,
    },
    { name: "a changed variable: rewritten", next: { ...FIRST, HOME: "/home/root" }, rewritten: true },
  ])("$name", ({ next, rewritten }) => {
    const dir = tempDir("armgo-kept-");
    keepFacts(dir, "h1", "1", facts(FIRST));
    const kept = cachedFacts(dir, "h1", "1");
    expect(kept?.env).toEqual({ HOME: "/root" });
    const before = statSync(join(dir, "h1.facts.json"));
    keepFacts(dir, "h1", "1", facts(next), kept);
    expect(statSync(join(dir, "h1.facts.json")).ino !== before.ino).toBe(rewritten);
    expect(cachedFacts(dir, "h1", "1")?.env?.HOME).toBe(next.HOME);
  });
});
