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
    expect(r.results.map((x) => `${x.host} ${x.task}`)).toEqual([
      "h1 deploy hello 2.0.0 to h1 (********)",
      "h2 deploy hello 2.0.0 to h2 (********)",
      "h1 left as written: {{ nowhere }}",
      "h2 left as written: {{ nowhere }}",
    ]);
    const text = printed(r.events);
    // headed as the first host to report renders it, as Ansible heads it with the first host's vars
    expect(text).toMatch(/^TASK \[deploy hello 2\.0\.0 to h[12] \(\*{8}\)\]$/m);
    expect(text).toContain("TASK [left as written: {{ nowhere }}]");
    expect(text).toMatch(/CHANGES[\s\S]*deploy hello 2\.0\.0 to h1 \(\*{8}\)[\s\S]*deploy hello 2\.0\.0 to h2/);
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
