// A host's state is given back when it has no play left: its connection and audit log close inside
// its fork slot, so open files stay bounded by --forks, not by the fleet's size.
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditPath } from "../../src/audit/log.js";
import { timeline } from "../../src/audit/query.js";
import { LocalTransport } from "../../src/transport/local.js";
import type { Transport } from "../../src/transport/transport.js";
import { recording, SimTransport, type Replies } from "../../bench/sim-transport.js";
import { setup } from "./engine-local.js";

const NO_DELAY = { connectMs: 0, rttMs: 0, commandMs: 0 };
const openFds = () => readdirSync("/proc/self/fd").length;

/** A simulated host holding one file open while connected, as an ssh socket would. */
async function withFd(t: Transport, sample: () => void): Promise<Transport> {
  const fd = openSync("/dev/null", "r");
  return {
    host: t.host,
    exec: async (script, opts) => (sample(), t.exec(script, opts)),
    put: (l, r, o) => t.put(l, r, o),
    get: (r, l) => t.get(r, l),
    stats: () => t.stats(),
    interrupt: () => t.interrupt(),
    close: async () => (closeSync(fd), t.close()),
  };
}

const playbook = `
- hosts: g
  tasks:
    - name: made before
      command: { cmd: "touch /tmp/{{ n }}", creates: /tmp }
- hosts: g[0:9]
  tasks:
    - name: again
      command: { cmd: "touch /tmp/{{ n }}", creates: / }
`;

describe("per-host state given back", () => {
  it("200 simulated hosts at --forks 5: open files stay under (forks + hosts with a later play) × 2 + a constant, every log ended once", async () => {
    const replies: Replies = {};
    const rec = setup(playbook, ["sim-00000"]);
    const recorded = await rec.run({ connect: async (h) => recording(new LocalTransport(h), replies) });
    expect(recorded.result.recap["sim-00000"]).toMatchObject({ changed: 0, failed: 0 });

    const hosts = Array.from({ length: 200 }, (_, i) => `sim-${String(i + 1).padStart(5, "0")}`);
    const sim = setup(playbook, hosts);
    const forks = 5;
    const before = openFds();
    let peak = 0;
    const sample = () => void (peak = Math.max(peak, openFds()));
    const { result } = await sim.run({
      forks,
      connect: async (h) => withFd(await SimTransport.open(h, replies, NO_DELAY), sample),
    });
    expect(Object.values(result.recap).filter((r) => r.changed || r.failed || r.unreachable)).toEqual([]);
    // each running host holds its connection and its audit log, as do the 10 with a later play; all 200 held would be 400
    // sampled while hosts were connected (a peak never sampled would pass the bound by itself)
    expect(peak).toBeGreaterThan(before);
    expect(peak - before).toBeLessThanOrEqual((forks + 10) * 2 + 10);
    expect(openFds()).toBeLessThanOrEqual(before);
    // the hosts of both plays kept their one connection across them
    expect(result.stats.connections).toBe(200);
    expect(Object.keys(result.auditHeads).length).toBe(200);
    for (const h of [hosts[0]!, hosts[199]!]) {
      const types = readFileSync(auditPath(join(sim.dir, "audit"), h), "utf8")
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { type: string }).type);
      expect(types.filter((t) => t === "run_end")).toHaveLength(1);
      expect(types.at(-1)).toBe("run_end");
    }
  });

  it("a host done after play 1 is reached again by a delegated task in play 2", async () => {
    const { run } = setup(
      `
- hosts: g[0]
  gather_facts: false
  tasks:
    - command: "echo first"
- hosts: g[1]
  gather_facts: false
  tasks:
    - name: on h1
      command: "echo delegated"
      delegate_to: h1
`,
      ["h1", "h2"],
    );
    const { result, of } = await run();
    expect(of("h2", "on h1")).toMatchObject({ status: "changed" });
    expect(result.recap.h1).toMatchObject({ changed: 1, failed: 0 });
    expect(Object.keys(result.auditHeads).sort()).toEqual(["h1", "h2"]);
  });
});

describe("a run killed before some hosts' turn (issue 20 #1)", () => {
  it("every targeted host's log has its run_start from the start: after SIGKILL, `armgo audit --failed` shows each one cut", async () => {
    const { dir, run } = setup(
      `
- hosts: g
  gather_facts: false
  tasks:
    - name: long
      command: "sh -c 'touch DIR/{{ n }}-started; sleep 60'"
`,
      ["h1", "h2", "h3"],
    );
    const stop = new AbortController();
    const done = run({ forks: 1, signal: stop.signal });
    while (!existsSync(join(dir, "h1-started"))) await new Promise((r) => setTimeout(r, 20));
    // the audit writes are synchronous: what is on disk now is what SIGKILL here would leave
    const cut = timeline(join(dir, "audit"), { failed: true }).map((e) => [e.host, e.status]);
    stop.abort();
    await done;
    expect(cut).toEqual([
      ["h1", "cut"],
      ["h2", "cut"],
      ["h3", "cut"],
    ]);
    // the hosts under --forks 1 never reached are ended with the run, and recorded nothing else
    expect(timeline(join(dir, "audit")).map((e) => [e.host, e.status])).toEqual([
      ["h1", "failed"],
      ["h1", "interrupted"],
      ["h2", "interrupted"],
      ["h3", "interrupted"],
    ]);
  });
});
