// After PLAY RECAP: per app, which hosts run which release, and the hosts a stopped rollout never reached.
import type { ChalkInstance } from "chalk";
import type { DeployedSummary } from "../engine/types.js";

export function deployedLines(summary: DeployedSummary | undefined, c: ChalkInstance): string[] {
  if (!summary) return [];
  const out: string[] = [];
  for (const [app, d] of Object.entries(summary)) {
    const byRelease = new Map<string, string[]>();
    for (const [host, r] of Object.entries(d.hosts)) {
      const release = r ?? "(none)";
      byRelease.set(release, [...(byRelease.get(release) ?? []), host]);
    }
    const title = `RELEASES [${app}]`;
    out.push("", `${title} ${"*".repeat(Math.max(3, 79 - title.length))}`);
    const w = Math.max(0, ...[...byRelease.keys()].map((r) => r.length));
    for (const [release, hosts] of byRelease) out.push(`${c.green(release.padEnd(w))}  ${hosts.join(", ")}`);
    if (d.not_shipped)
      out.push(c.red(`nothing shipped: ${d.not_shipped.why} — ${d.not_shipped.hosts.join(", ")} unchanged`));
    if (d.not_started.length) out.push(c.cyan(`not started: ${d.not_started.join(", ")} — unchanged`));
    if (d.unknown.length) out.push(c.red(`unknown: ${d.unknown.join(", ")} — no result named the release they run`));
  }
  return out;
}
