// `armgo lab up|status|down|build` in the command table: the test fleet on this machine.
import { resolve } from "node:path";
import type { LabAction } from "../commands/lab.js";
import { InputError } from "../errors.js";
import { LAB_RELEASES } from "../lab/images.js";
import { didYouMean } from "../load/suggest.js";
import { choice } from "./args.js";
import type { Command } from "./command.js";
import { EXIT } from "./exit.js";

const LAB_ACTIONS = ["up", "status", "down", "build"] as const;
const LAB_ARCHES = ["arm64", "amd64", "mixed"] as const;
const LAB_INITS = ["none", "systemd"] as const;
const LAB_RELEASE_CHOICES = [...LAB_RELEASES, "mixed"] as const;

function hostCount(v: unknown): number {
  const n = Number(v ?? 3);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InputError(`--hosts must be 1 to 64, not '${String(v)}'`);
  return n;
}

export const labCommand: Command = {
  spec: {
    name: "lab",
    usage: "armgo lab up|status|down|build [options]",
    summary:
      "Start a fleet of Debian containers with real sshd (ARM64 under QEMU) and a local Go mirror, and write an inventory for it.",
    positionals: [1, 1],
    options: {
      hosts: { type: "string", short: "n", arg: "N", help: "up: how many hosts (default 3)" },
      arch: { type: "string", arg: "ARCH", help: "up: arm64 (default) | amd64 | mixed" },
      init: { type: "string", arg: "INIT", help: "up: none (default: sshd is PID 1) | systemd (PID 1, sshd a unit)" },
      release: {
        type: "string",
        arg: "RELEASE",
        help: "up: Debian bullseye | bookworm (default) | trixie | mixed (hosts cycle the three)",
      },
      out: {
        type: "string",
        short: "o",
        arg: "FILE",
        help: "up: inventory to write (default .armgo/lab/inventory.yaml)",
      },
      bastion: {
        type: "boolean",
        help: "up: hosts reachable only through a bastion (ProxyJump; see STATE_DIR/ssh_config)",
      },
      "state-dir": {
        type: "string",
        arg: "DIR",
        help: "where the lab keeps its key, known_hosts and state (default .armgo/lab)",
      },
    },
  },
  async run({ values: v, positionals }, print) {
    const sub = positionals[0]!;
    if (!(LAB_ACTIONS as readonly string[]).includes(sub)) {
      throw new InputError(`unknown lab command '${sub}'${didYouMean(sub, [...LAB_ACTIONS])}`, {
        hint: `usage: ${labCommand.spec.usage}`,
      });
    }
    const stateDir = resolve((v["state-dir"] as string | undefined) ?? ".armgo/lab");
    const out = resolve((v.out as string | undefined) ?? `${stateDir}/inventory.yaml`);
    const up =
      sub === "up"
        ? {
            hosts: hostCount(v.hosts),
            arch: choice(v.arch, "--arch", LAB_ARCHES) ?? "arm64",
            init: choice(v.init, "--init", LAB_INITS),
            release: choice(v.release, "--release", LAB_RELEASE_CHOICES),
            out,
            bastion: Boolean(v.bastion),
          }
        : {};
    const { lab } = await import("../commands/lab.js");
    const report = await lab({ action: sub as LabAction, stateDir, ...up });
    switch (report.action) {
      case "up":
        print(
          `lab up: ${report.lab.hosts.length} host(s); inventory ${out}\n  try: armgo play playbooks/site.yaml -i ${out}`,
        );
        if (report.lab.bastion)
          print(
            `  behind a bastion on 127.0.0.1:${report.lab.bastion.port}; ssh -F ${report.lab.sshConfigPath} ${report.lab.hosts[0]!.name}`,
          );
        break;
      case "status":
        print(JSON.stringify(report.status, null, 2));
        break;
      case "down":
        print("lab down: containers and mirror stopped");
        break;
      case "build":
        break;
    }
    return EXIT.ok;
  },
};
