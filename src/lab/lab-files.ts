// The files a lab hands to armgo: known_hosts and the inventory.
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import type { LabArch } from "./images.js";

export interface InventoryHost {
  name: string;
  arch: LabArch;
  port: number;
  hostKey: string;
}

export function knownHostsText(hosts: InventoryHost[]): string {
  return hosts.map((h) => `[127.0.0.1]:${h.port} ${h.hostKey}\n`).join("");
}

/** The armgo inventory: groups arm64 and amd64 (always both), vars for key, known_hosts and mirror. */
export function inventoryText(
  hosts: InventoryHost[],
  vars: { identityFile: string; knownHosts: string; goMirror: string; user?: string },
): string {
  const group = (arch: LabArch) => ({
    hosts: Object.fromEntries(hosts.filter((h) => h.arch === arch).map((h) => [h.name, { host: "127.0.0.1", port: h.port }])),
  });
  return stringify({
    all: {
      vars: {
        user: vars.user ?? "root",
        identity_file: vars.identityFile,
        known_hosts: vars.knownHosts,
        go_mirror: vars.goMirror,
      },
      children: { arm64: group("arm64"), amd64: group("amd64") },
    },
  });
}

export async function writeLabFiles(
  hosts: InventoryHost[],
  paths: { knownHosts: string; inventory: string; identityFile: string },
  goMirror: string,
): Promise<void> {
  await writeFile(paths.knownHosts, knownHostsText(hosts));
  await writeFile(
    paths.inventory,
    inventoryText(hosts, { identityFile: paths.identityFile, knownHosts: paths.knownHosts, goMirror }),
  );
}
