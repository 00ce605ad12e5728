// Both tools' inventories for one fleet: same hosts, same key, same known_hosts.
import { writeFile } from "node:fs/promises";
import type { LabHost } from "../src/lab/containers.js";
import { inventoryText } from "../src/lab/lab-files.js";

export interface Inventories {
  armgo: string;
  ansible: string;
}

export async function writeInventories(
  hosts: LabHost[],
  paths: Inventories,
  access: { keyPath: string; knownHostsPath: string; mirrorUrl: string },
): Promise<void> {
  await writeFile(
    paths.armgo,
    inventoryText(hosts, {
      identityFile: access.keyPath,
      knownHosts: access.knownHostsPath,
      goMirror: access.mirrorUrl,
    }),
  );
  const lines = [
    "[all]",
    ...hosts.map((h) => `${h.name} ansible_host=127.0.0.1 ansible_port=${h.port}`),
    "",
    "[all:vars]",
    "ansible_user=root",
    `ansible_ssh_private_key_file=${access.keyPath}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${access.knownHostsPath}'`,
    "",
  ];
  await writeFile(paths.ansible, lines.join("\n"));
}
