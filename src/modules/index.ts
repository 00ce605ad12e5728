// Module registry: the engine finds every module here, by the name used in playbooks.
import type { Module } from "./contract.js";
import { command } from "./command/index.js";
import { download } from "./download/index.js";
import { checksum } from "./checksum/index.js";
import { extract } from "./extract/index.js";
import { envProfile } from "./env-profile/index.js";
import { goRelease } from "./go-release/index.js";
import { sysroot } from "./sysroot/index.js";
import { cgoProbe } from "./cgo-probe/index.js";

export const modules: ReadonlyMap<string, Module> = new Map<string, Module>(
  [command, download, checksum, extract, envProfile, goRelease, sysroot, cgoProbe].map((m) => [m.name, m]),
);
