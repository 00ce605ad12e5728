// What a run tells of its tasks, through the engine and the renderer on `connection: local` hosts
// (issue 20 #10): templated task names rendered per host, with secrets masked.
import { describe, expect, it } from "vitest";
import { createRenderer } from "../../src/cli/render.js";
import { timeline } from "../../src/audit/query.js";
import type { RunEvent } from "../../src/engine/types.js";
import { join } from "node:path";
import { setup } from "./engine-local.js";

/** The run's events as `armgo play` prints them, without colour and the banners' stars. */
function printed(events: RunEvent[]): string {
  let text = "";
  const out = { write: (s: string) => (text += s), isTTY: false };
  const err = { write: () => true, isTTY: false, columns: 100 };
  const r = createRenderer({ json: false, diff: false, verbose: false, out, err, live: false });
  for (const e of events) r(e);
  return text.replace(/ \*{3,}$/gm, "");
}

describe("templated task names", () => {
  const { dir, run } = setup(
    `
- hosts: g
  gather_facts: false
  vars: { hello_version: "1.2.3" }
  tasks:
    - name: "deploy hello {{ hello_version }} to {{ n }} ({{ secret_token }})"
      command: "true"
    - name: "left as written: {{ nowhere }}"
      command: "true"
`,
    ["h1", "h2"],
  );

  it("are rendered per host with play, extra and host vars in results, headers, CHANGES and the audit timeline; a secret is masked", async () => {
    const r = await run({ extraVars: { hello_version: "2.0.0" } });
    // the hosts run side by side: their results come in either order
    expect(r.results.map((x) => `${x.host} ${x.task}`).sort()).toEqual([
      "h1 deploy hello 2.0.0 to h1 (********)",
      "h1 left as written: {{ nowhere }}",
      "h2 deploy hello 2.0.0 to h2 (********)",
      "h2 left as written: {{ nowhere }}",
    ]);
    const text = printed(r.events);
    // headed as the first host to report renders it, as Ansible heads it with the first host's vars
    expect(text).toMatch(/^TASK \[deploy hello 2\.0\.0 to h[12] \(\*{8}\)\]$/m);
    expect(text).toContain("TASK [left as written: {{ nowhere }}]");
    // CHANGES lists each host's rendering, in the order the hosts reported
    const changes = text.slice(text.indexOf("CHANGES"));
    for (const h of ["h1", "h2"]) expect(changes).toContain(`deploy hello 2.0.0 to ${h} (********): 1 changed`);
    expect(text).not.toContain("tok-9876543");
    expect(text).not.toContain("{{ hello_version }}");
    const audit = timeline(join(dir, "audit"));
    expect(
      audit
        .filter((e) => e.module === "command")
        .map((e) => `${e.host} ${e.task}`)
        .sort(),
    ).toEqual([
      "h1 deploy hello 2.0.0 to h1 (********)",
      "h1 left as written: {{ nowhere }}",
      "h2 deploy hello 2.0.0 to h2 (********)",
      "h2 left as written: {{ nowhere }}",
    ]);
  });
});

describe("a deploy whose build fails", () => {
  const { run } = setup(
    `
- hosts: g
  gather_facts: false
  serial: 1
  tasks:
    - name: deploy hello
      deploy:
        app: hello
        app_dir: DIR/{{ inventory_hostname }}
        build: { package: DIR, go: /bin/false, goos: linux, goarch: amd64 }
        service: { type: command, start: "true", pidfile: DIR/pid }
`,
    ["h1", "h2", "h3"],
  );

  it("prints a RELEASES block saying nothing shipped, and every targeted host in the recap", async () => {
    const r = await run();
    expect(r.of("h1", "deploy hello")?.msg).toMatch(/go build of .* failed/);
    expect(Object.keys(r.result.recap)).toEqual(["h1", "h2", "h3"]);
    expect(r.result.recap).toMatchObject({ h1: { failed: 1 }, h2: { ok: 0, failed: 0 }, h3: { ok: 0, failed: 0 } });
    expect(r.result.deployed).toEqual({
      hello: {
        hosts: {},
        not_started: ["h2", "h3"],
        unknown: [],
        not_shipped: { why: "the build failed", hosts: ["h1"] },
      },
    });
    const text = printed(r.events);
    expect(text).toMatch(/^RELEASES \[hello\]$/m);
    expect(text).toContain("nothing shipped: the build failed — h1 unchanged");
    expect(text).toContain("not started: h2, h3 — unchanged");
    expect(text).toMatch(/^h3 +: ok=0 /m);
  });
});
