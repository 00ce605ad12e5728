// The bench fails loudly when a tool was fast but wrong: every host must run the installed go from a login shell.
import type { LabHost } from "../src/lab/containers.js";
import type { HostTally, Scenario, Tool } from "./tools.js";

const EXPECTED = "go version go1.22.12 linux/amd64";

/**
 * Checked through `docker exec`, not ssh, so the check adds nothing to the sshd counts. The floor
 * writes no profile block, so its go is run by path.
 */
export async function assertGoInstalled(tool: Tool, hosts: LabHost[]): Promise<void> {
  const argv = tool === "floor" ? ["/usr/local/go/bin/go", "version"] : ["bash", "-lc", "go version"];
  const wrong = (
    await Promise.all(
      hosts.map(async (h) => {
        const res = await h.container.exec(argv);
        const out = `${res.stdout}${res.stderr}`.trim();
        return out === EXPECTED
          ? []
          : [`${h.name}: \`${argv.join(" ")}\` → exit ${res.exitCode}: ${out || "(no output)"}`];
      }),
    )
  ).flat();
  if (wrong.length)
    throw new Error(`${tool} did not install Go on ${wrong.length}/${hosts.length} hosts:\n  ${wrong.join("\n  ")}`);
}

/** Every host reported, none failed; a first install changed something, a converged or check run nothing. */
export function assertRecap(
  tool: Tool,
  scenario: Scenario,
  code: number,
  tallies: Map<string, HostTally>,
  hosts: LabHost[],
  logPath: string,
): void {
  const problems: string[] = [];
  if (code !== 0) problems.push(`exit code ${code}`);
  for (const h of hosts) {
    const t = tallies.get(h.name);
    if (!t) problems.push(`${h.name}: not in the recap`);
    else if (t.failed || t.unreachable) problems.push(`${h.name}: failed=${t.failed} unreachable=${t.unreachable}`);
    else if (scenario === "install" ? t.changed === 0 : t.changed !== 0)
      problems.push(`${h.name}: changed=${t.changed} in a ${scenario} run`);
  }
  if (problems.length)
    throw new Error(`${tool} ${scenario} run is wrong (output: ${logPath}):\n  ${problems.slice(0, 10).join("\n  ")}`);
}

/** Some hosts unreachable and nothing else wrong: on a machine shared with other test runs, a connect that timed out. */
export function onlyUnreachable(code: number, tallies: Map<string, HostTally>): boolean {
  const all = [...tallies.values()];
  return code !== 0 && all.some((t) => t.unreachable > 0) && all.every((t) => t.failed === 0 && t.changed === 0);
}
