// `armgo lab up|status|down|build`: the ARM64 test fleet on this machine.
import { resolve } from "node:path";
import { InputError } from "../errors.js";
import { labBuild, labDown, labStatus, labUp } from "../lab/lab.js";
import { didYouMean } from "../load/suggest.js";
import { helpText, parse, type CommandSpec } from "./args.js";
import { EXIT } from "./exit.js";

export const labSpec: CommandSpec = {
  name: "lab",
  usage: "armgo lab up|status|down|build [options]",
  summary: "Start a fleet of Debian containers with real sshd (ARM64 under QEMU) and a local Go mirror, and write an inventory for it.",
  positionals: [1, 1],
  options: {
    hosts: { type: "string", short: "n", arg: "N", help: "up: how many hosts (default 3)" },
    arch: { type: "string", arg: "ARCH", help: "up: arm64 (default) | amd64 | mixed" },
    out: { type: "string", short: "o", arg: "FILE", help: "up: inventory to write (default .armgo/lab/inventory.yaml)" },
    "state-dir": { type: "string", arg: "DIR", help: "where the lab keeps its key, known_hosts and state (default .armgo/lab)" },
    help: { type: "boolean", short: "h", help: "show this help" },
  },
};

export async function labCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(labSpec, argv);
  if (v.help) {
    process.stdout.write(helpText(labSpec));
    return EXIT.ok;
  }
  const stateDir = resolve((v["state-dir"] as string | undefined) ?? ".armgo/lab");
  const sub = positionals[0]!;
  switch (sub) {
    case "up": {
      const hosts = Number(v.hosts ?? 3);
      if (!Number.isInteger(hosts) || hosts < 1 || hosts > 64) throw new InputError(`--hosts must be 1 to 64, not '${String(v.hosts)}'`);
      const arch = (v.arch as string | undefined) ?? "arm64";
      if (arch !== "arm64" && arch !== "amd64" && arch !== "mixed") throw new InputError(`--arch must be arm64, amd64 or mixed, not '${arch}'`);
      const out = resolve((v.out as string | undefined) ?? `${stateDir}/inventory.yaml`);
      const lab = await labUp({ hosts, arch, out, stateDir });
      process.stdout.write(`lab up: ${lab.hosts.length} host(s); inventory ${out}\n  try: armgo play playbooks/site.yaml -i ${out}\n`);
      return EXIT.ok;
    }
    case "status": {
      const s = await labStatus({ stateDir });
      process.stdout.write(JSON.stringify(s, null, 2) + "\n");
      return EXIT.ok;
    }
    case "down":
      await labDown({ stateDir });
      process.stdout.write("lab down: containers and mirror stopped\n");
      return EXIT.ok;
    case "build":
      await labBuild();
      return EXIT.ok;
    default:
      throw new InputError(`unknown lab command '${sub}'${didYouMean(sub, ["up", "status", "down", "build"])}`, { hint: `usage: ${labSpec.usage}` });
  }
}
