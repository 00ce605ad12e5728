// A lab fleet that serves examples/hello, for the deploy suites: the lab's hosts share the machine's
// network (host networking), so each host gets its own port per port var in the inventory, and
// `play` runs a deploy playbook of hello at a version with the controller's Go.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ensureControllerGo } from "../../src/lab/controller-go.js";
import { freePorts } from "../../src/lab/ports.js";
import { armgo } from "./cli.js";
import { startFleet, type Fleet } from "./fleet.js";

export const HELLO = join(import.meta.dirname, "../../examples/hello");

export interface HelloFleet {
  fleet: Fleet;
  /** The controller's go binary (builds hello). */
  go: string;
  hosts: string[];
  /** The suite's own temp dir: inventory, audit logs, playbook variants. */
  dir: string;
  inventory: string;
  /** Each port var's port per host: ports.hello_port[host]. */
  ports: Record<string, Record<string, number>>;
  /** -i and --audit-dir, for any armgo command of the suite. */
  common(): string[];
  play(playbook: string, version: string, ...extra: string[]): ReturnType<typeof armgo>;
  stop(): Promise<void>;
}

export async function startHelloFleet(
  opts: Parameters<typeof startFleet>[0] & { name: string; portVars?: string[] },
): Promise<HelloFleet> {
  const [fleet, go] = await Promise.all([startFleet(opts), ensureControllerGo()]);
  const hosts = fleet.hosts.map((h) => h.name);
  const dir = mkdtempSync(join(tmpdir(), `armgo-${opts.name}-`));
  const vars = opts.portVars ?? ["hello_port"];
  const inv = parse(readFileSync(fleet.inventoryPath, "utf8")) as {
    all: { children: Record<string, { hosts?: Record<string, Record<string, unknown>> | null }> };
  };
  const free = await freePorts(hosts.length * vars.length);
  const ports: HelloFleet["ports"] = Object.fromEntries(vars.map((v) => [v, {}]));
  hosts.forEach((h, i) => {
    const entry = Object.values(inv.all.children).find((g) => g.hosts?.[h])!.hosts![h]!;
    vars.forEach((v, j) => (entry[v] = ports[v]![h] = free[j * hosts.length + i]!));
  });
  const inventory = join(dir, "inventory.yaml");
  writeFileSync(inventory, stringify(inv));
  const common = () => ["-i", inventory, "--audit-dir", join(dir, "audit")];
  return {
    fleet,
    go,
    hosts,
    dir,
    inventory,
    ports,
    common,
    play: (playbook, version, ...extra) =>
      armgo([
        "play",
        playbook,
        ...common(),
        "-e",
        `go=${go}`,
        "-e",
        `hello_dir=${HELLO}`,
        "-e",
        `hello_version=${version}`,
        ...extra,
      ]),
    stop: async () => {
      await fleet.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
