// Every bench entry point run by hand answers --help with its usage, and a wrong option with one
// line and the usage (exit 2): never a stack trace, and nothing started before either.
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const BENCH = join(import.meta.dirname, "../../bench");

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

/** Evaluate the entry point afresh with this argv; what it wrote and the code it exited with. */
async function entry(file: string, argv: string[]): Promise<{ code?: number; stdout: string; stderr: string }> {
  vi.resetModules();
  const saved = process.argv;
  process.argv = [process.execPath, join(BENCH, file), ...argv];
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((c) => ((stdout += String(c)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((c) => ((stderr += String(c)), true));
  vi.spyOn(process, "exit").mockImplementation((code) => {
    throw new Exit(code === undefined ? undefined : Number(code));
  });
  try {
    await import(join(BENCH, file));
    return { stdout, stderr };
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    return { code: e.code, stdout, stderr };
  } finally {
    process.argv = saved;
  }
}

const rows = [
  { name: "the bench", file: "run.ts", argv: [], usage: "Usage: node dist/bench/run.js" },
  { name: "the fleet report's bench", file: "run.ts", argv: ["report-page"], usage: "report-page" },
  { name: "the simulated fleet", file: "sim.ts", argv: [], usage: "Usage: node dist/bench/sim.js" },
  { name: "the floor", file: "floor.ts", argv: [], usage: "Usage: node dist/bench/floor.js" },
  { name: "start-up", file: "startup.ts", argv: [], usage: "Usage: node dist/bench/startup.js" },
  { name: "the timeline", file: "timeline.ts", argv: [], usage: "Usage: node dist/bench/timeline.js" },
];

describe("bench entry points", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(rows)("$name: --help prints the usage and exits 0", async ({ file, argv, usage }) => {
    const r = await entry(file, [...argv, "--help"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain(usage);
  });

  it.each(rows)("$name: an unknown option is one line and the usage, exit 2", async ({ file, argv, usage }) => {
    const r = await entry(file, [...argv, "--no-such-option"]);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    const [line, blank] = r.stderr.split("\n");
    expect(line).toContain("--no-such-option");
    expect(blank).toBe("");
    expect(r.stderr).toContain(usage);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
