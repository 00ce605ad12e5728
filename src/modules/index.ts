// Module registry: the engine finds every module here, by the name used in playbooks. Each is
// imported when a task first needs it: a run loads only the modules its playbook uses.
import type { Module } from "./contract.js";

const loaders: Record<string, () => Promise<Module>> = {
  command: async () => (await import("./command/index.js")).command,
  download: async () => (await import("./download/index.js")).download,
  checksum: async () => (await import("./checksum/index.js")).checksum,
  extract: async () => (await import("./extract/index.js")).extract,
  "env-profile": async () => (await import("./env-profile/index.js")).envProfile,
  "go-release": async () => (await import("./go-release/index.js")).goRelease,
  sysroot: async () => (await import("./sysroot/index.js")).sysroot,
  "cgo-probe": async () => (await import("./cgo-probe/index.js")).cgoProbe,
  deploy: async () => (await import("./deploy/index.js")).deploy,
};

export const moduleNames: readonly string[] = Object.keys(loaders);

/** The module a playbook names (load time checked the name against the schemas). */
export function loadModule(name: string): Promise<Module> {
  const load = loaders[name];
  if (!load) throw new Error(`armgo: no module '${name}' in the registry`);
  return load();
}
