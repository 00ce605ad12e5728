// The deploy module's arguments, what its probe learns about a host, and the steps of its plan.
import type { Deployed } from "../contract.js";
import type { AnalysisSpec } from "./analysis.js";
import type { HostSide } from "../shared/elf-fit.js";
import type { ElfInfo } from "../shared/elf.js";
import type { HealthSpec, Manifest, ServiceSpec } from "./manifest.js";

export interface BuildSpec {
  package: string;
  go?: string;
  goos?: string;
  goarch?: string;
  cgo?: boolean;
  ldflags?: string;
  env?: Record<string, string | number | boolean>;
  /** A sysroot the sysroot module made on the controller: its cgo environment, CGO_ENABLED=1, linux/arm64. */
  sysroot?: string;
}

/** The binary to deploy, on the controller (set by resolve). */
export interface Artifact {
  path: string;
  sha256: string;
  /** What the manifest records: the artifact's file name, or `build:<package>`. */
  name: string;
}

export interface DeployArgs {
  app: string;
  app_dir?: string;
  artifact?: string;
  build?: BuildSpec;
  rollback?: true | string;
  keep_releases?: number;
  precheck?: string;
  service?: ServiceSpec;
  health?: HealthSpec;
  /** After the health check: the release under traffic, before the next batch (analysis.ts). */
  analysis?: AnalysisSpec;
  owner?: string;
  mode?: string;
  /** Set by resolve: the binary of artifact or build. */
  resolved?: Artifact;
  /** Set by resolve (artifact-check.ts): the binary's ELF headers, and the host's facts it must fit. */
  elf?: ElfInfo;
  fit?: Omit<HostSide, "loaders" | "missing">;
}

/** What the probe found on the host. */
export interface DeployState {
  manifest: Manifest;
  /** The release `current` points to (its sha), from the link itself. */
  current?: string;
  /** Release directories present under releases/. */
  dirs: string[];
  /** sha256 of releases/<wanted>/<app>, when that file exists. */
  wantedSha256?: string;
  /** The service's PID, and the release its binary was loaded from (/proc/PID/exe or, under an emulator, /proc/PID/maps). */
  pid?: number;
  running?: string;
  /** sha256 of the systemd unit file on the host. */
  unitSha256?: string;
  /** sha256 of the service's .socket unit file on the host (there may be one the spec no longer asks for). */
  socketSha256?: string;
  /** sha256 of the service's env file on the host. */
  envSha256?: string;
  /** The binary's loader if the host has it, and its libraries the host lacks (artifact-check.ts). */
  fit?: { loaders: string[]; missing: string[] };
}

export type DeployStep =
  /** A release left `unfinished` by a killed run is current: health-check it, mark it good or bad. */
  | { action: "settle"; sha: string }
  | { action: "upload"; sha: string }
  /** The service's environment into its 0600 env file. */
  | { action: "env" }
  /** The unit file; `socket`: its .socket unit is written (new or changed) or removed. */
  | { action: "unit"; socket?: "write" | "remove" }
  | { action: "switch"; sha: string; from?: string }
  /** `first`: no process of the app ran before, so the service is started, not restarted. */
  | { action: "restart"; sha: string; first?: true }
  /** Health check and /proc proof of `sha`; fails over to the last good release. */
  | { action: "verify"; sha: string }
  /** Only the service or health spec changed: recorded in the manifest. */
  | { action: "record" }
  | { action: "prune"; shas: string[] };

/** What a deploy plan learned, in the task's result and to apply: the release made current and the one before. */
export type DeployData = {
  deployed: Deployed;
  /** The release current before the task: what a failed restart goes back to. */
  previous: string | null;
  restarted: boolean;
  app_dir: string;
  pid?: number;
};
