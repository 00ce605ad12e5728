// `armgo lab up|status|down|build`: the ARM64 test fleet on this machine.
import type { LabArch, LabInit, LabRelease } from "../lab/images.js";
import { labBuild, labDown, labStatus, labUp, type LabState, type LabStatus } from "../lab/lab.js";

export type LabAction = "up" | "status" | "down" | "build";

export interface LabOptions {
  action: LabAction;
  /** Where the lab keeps its key, known_hosts and state. */
  stateDir: string;
  /** up: how many hosts, of which arch, and where the inventory goes. */
  hosts?: number;
  arch?: LabArch | "mixed";
  /** up: what runs as PID 1 on the hosts. */
  init?: LabInit;
  /** up: the hosts' Debian release, or each of them in turn. */
  release?: LabRelease | "mixed";
  out?: string;
  /** up: hosts reachable only through a bastion. */
  bastion?: boolean;
}

export type LabReport =
  | { action: "up"; lab: LabState }
  | { action: "status"; status: LabStatus }
  | { action: "down"; containers: number; mirrorStopped: boolean }
  | { action: "build"; images: string[]; mirrorDir: string };

export async function lab(opts: LabOptions): Promise<LabReport> {
  switch (opts.action) {
    case "up":
      return {
        action: "up",
        lab: await labUp({
          hosts: opts.hosts ?? 3,
          arch: opts.arch ?? "arm64",
          init: opts.init,
          release: opts.release,
          out: opts.out,
          stateDir: opts.stateDir,
          bastion: opts.bastion,
        }),
      };
    case "status":
      return { action: "status", status: await labStatus({ stateDir: opts.stateDir }) };
    case "down":
      return { action: "down", ...(await labDown({ stateDir: opts.stateDir })) };
    case "build":
      return { action: "build", ...(await labBuild()) };
  }
}
