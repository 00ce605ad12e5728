// Probes of many tasks in ONE remote exec: each runs in its own process, output split by markers.
import { randomBytes } from "node:crypto";
import type { ProbeOutput } from "../modules/contract.js";
import { wrapScript } from "../transport/become.js";

export interface Section {
  script: string;
  become?: boolean | string;
}

export function batchScript(sections: Section[], marker: string): string {
  return sections
    .map((s, i) => {
      // stdin from /dev/null: a probe must never eat the next section's input or wait on a tty (sudo
      // alone reads the exec's stdin, for the become password)
      const run = wrapScript(s.script, s.become, undefined, true);
      return `printf '%s\\n' '${marker}:${i}:start'; printf '%s\\n' '${marker}:${i}:start' >&2\n${run}\nc=$?\nprintf '\\n%s\\n' "${marker}:${i}:end:$c"; printf '\\n%s\\n' '${marker}:${i}:end' >&2`;
    })
    .join("\n");
}

function between(text: string, start: string, endPrefix: string): { body: string; rest: string } | undefined {
  const s = text.indexOf(start + "\n");
  if (s < 0) return undefined;
  const from = s + start.length + 1;
  const e = text.indexOf("\n" + endPrefix, from);
  if (e < 0) return undefined;
  return { body: text.slice(from, e), rest: text.slice(e + 1 + endPrefix.length) };
}

/** Split a batch's output back into each section's stdout, stderr and exit code. */
export function splitBatch(count: number, marker: string, stdout: string, stderr: string): ProbeOutput[] {
  const outs: ProbeOutput[] = [];
  for (let i = 0; i < count; i++) {
    const o = between(stdout, `${marker}:${i}:start`, `${marker}:${i}:end:`);
    const e = between(stderr, `${marker}:${i}:start`, `${marker}:${i}:end`);
    // a section whose end marker is missing never finished: the batch was cut short
    const code = o ? Number(/^(\d+)/.exec(o.rest)?.[1] ?? -1) : -1;
    outs.push({ stdout: o?.body ?? "", stderr: e?.body ?? "", code });
  }
  return outs;
}

export function newMarker(): string {
  return `ARMGO-${randomBytes(8).toString("hex")}`;
}

/** Sections as one script under a new marker, and how to split that script's output back. */
export function batched(sections: Section[]): { script: string; split(stdout: string, stderr: string): ProbeOutput[] } {
  const marker = newMarker();
  return {
    script: batchScript(sections, marker),
    split: (stdout, stderr) => splitBatch(sections.length, marker, stdout, stderr),
  };
}

/** Any marker newMarker makes: the simulated fleet (bench/sim-transport.ts) replays a batch under a new one. */
export const MARKER_PATTERN = /ARMGO-[0-9a-f]{16}/g;
