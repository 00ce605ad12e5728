// The simulated fleet's transport: a run recorded on one real (local) host replays on other hosts
// through RunOptions.connect, each host answering under its own name and the batch's new marker.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalTransport } from "../../src/transport/local.js";
import { recording, SimTransport, type Replies } from "../../bench/sim-transport.js";
import { setup } from "./engine-local.js";

const NO_DELAY = { connectMs: 0, rttMs: 0, commandMs: 0 };

describe("the simulated fleet's transport", () => {
  const state = mkdtempSync(join(tmpdir(), "armgo-sim-state-"));
  writeFileSync(join(state, "done"), "");
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  const playbook = `
- hosts: g
  tasks:
    - name: made once
      command: { cmd: "touch ${state}/done", creates: "${state}/done" }
    - name: says its name
      command: "echo I am {{ n }}"
      changed_when: false
      check_mode: false
`;

  it("replays one host's runs on many hosts, each under its own name, the second run's facts and probes in one exec", async () => {
    const replies: Replies = {};
    const rec = setup(playbook, ["rec-host-1"]);
    const recording_ = { connect: async (h: string) => recording(new LocalTransport(h), replies) };
    // Twice: the second run sends the facts and the probes built from the first run's facts in one exec, two batches.
    const recorded = [await rec.run(recording_), await rec.run(recording_)];
    for (const r of recorded) expect(r.result.recap["rec-host-1"]).toMatchObject({ changed: 0, failed: 0 });
    expect(recorded[1]!.result.stats.execs).toBe(1);
    expect(Object.keys(replies).length).toBe(recorded[0]!.result.stats.execs + recorded[1]!.result.stats.execs);

    const sim = setup(playbook, ["sim-a", "sim-b", "sim-c"]);
    for (const r of recorded) {
      const replayed = await sim.run({ connect: (h) => SimTransport.open(h, replies, NO_DELAY) });
      for (const h of ["sim-a", "sim-b", "sim-c"]) {
        expect(replayed.result.recap[h]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
        expect(replayed.of(h, "says its name")).toMatchObject({ status: "ok", msg: `I am ${h}` });
      }
      expect(replayed.result.stats).toMatchObject({ connections: 3, execs: 3 * r.result.stats.execs });
    }
  });

  it("refuses a script the recorded host never ran", async () => {
    const t = await SimTransport.open("sim-a", {}, NO_DELAY);
    await expect(t.exec("echo never recorded")).rejects.toThrow(/no recorded reply .* echo never recorded/);
  });
});
