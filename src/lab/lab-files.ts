// The files a lab hands to armgo and to OpenSSH: known_hosts, the inventory and an ssh_config.
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import { BASTION_NAME } from "./bastion.js";
import type { LabArch } from "./images.js";

export interface InventoryHost {
  name: string;
  arch: LabArch;
  port: number;
  /** The port its service listens on, as `hello_port` (playbooks/deploy.yaml reads it). */
  servicePort: number;
  hostKey: string;
}

/** The bastion as the controller reaches it: 127.0.0.1:port (the relay), and its sshd's key. */
export interface BastionAccess {
  port: number;
  hostKey: string;
}

/** Behind a bastion the host lines are as the bastion sees the targets: its own loopback, their ports. */
export function knownHostsText(hosts: InventoryHost[], bastion?: BastionAccess): string {
  const all = bastion ? [{ port: bastion.port, hostKey: bastion.hostKey }, ...hosts] : hosts;
  return all.map((h) => `[127.0.0.1]:${h.port} ${h.hostKey}\n`).join("");
}

/**
 * The armgo inventory: groups arm64 and amd64 (always both), vars for key, known_hosts, mirror and bastion;
 * each host's own `hello_port`, since the lab's hosts share one network namespace.
 */
export function inventoryText(
  hosts: InventoryHost[],
  vars: { identityFile: string; knownHosts: string; goMirror: string; user?: string; sshConfig?: string },
): string {
  const group = (arch: LabArch) => ({
    hosts: Object.fromEntries(
      // behind a bastion a host is its ssh config alias (HostName, Port, ProxyJump there), as a user's would be
      hosts
        .filter((h) => h.arch === arch)
        .map((h) => [
          h.name,
          { ...(vars.sshConfig ? {} : { host: "127.0.0.1", port: h.port }), hello_port: h.servicePort },
        ]),
    ),
  });
  return stringify({
    all: {
      vars: {
        user: vars.user ?? "root",
        identity_file: vars.identityFile,
        known_hosts: vars.knownHosts,
        go_mirror: vars.goMirror,
        ...(vars.sshConfig ? { ssh_config: vars.sshConfig } : {}),
      },
      children: { arm64: group("arm64"), amd64: group("amd64") },
    },
  });
}

/** `ssh -F FILE lab-arm64-1` reaches a host as armgo does: same key, same known_hosts, the bastion as ProxyJump. */
export function sshConfigText(
  hosts: InventoryHost[],
  vars: { identityFile: string; knownHosts: string; user?: string },
  bastion?: BastionAccess,
): string {
  // ssh_config splits on blanks unless the argument is quoted
  const arg = (v: string) => (/\s/.test(v) ? `"${v}"` : v);
  const block = (name: string, port: number, jump: boolean) =>
    [
      `Host ${name}`,
      "  HostName 127.0.0.1",
      `  Port ${port}`,
      ...(jump ? [`  ProxyJump ${BASTION_NAME}`] : []),
      "",
    ].join("\n");
  return [
    "# Written by armgo lab: ssh -F THIS_FILE HOST",
    ...(bastion ? [block(BASTION_NAME, bastion.port, false)] : []),
    ...hosts.map((h) => block(h.name, h.port, Boolean(bastion))),
    "Host lab-*",
    `  User ${vars.user ?? "root"}`,
    `  IdentityFile ${arg(vars.identityFile)}`,
    "  IdentitiesOnly yes",
    `  UserKnownHostsFile ${arg(vars.knownHosts)}`,
    "  StrictHostKeyChecking yes",
    "",
  ].join("\n");
}

export async function writeLabFiles(
  hosts: InventoryHost[],
  paths: { knownHosts: string; inventory: string; identityFile: string; sshConfig: string },
  goMirror: string,
  bastion?: BastionAccess,
): Promise<void> {
  const access = { identityFile: paths.identityFile, knownHosts: paths.knownHosts };
  await writeFile(paths.knownHosts, knownHostsText(hosts, bastion));
  await writeFile(
    paths.inventory,
    inventoryText(hosts, { ...access, goMirror, ...(bastion ? { sshConfig: paths.sshConfig } : {}) }),
  );
  await writeFile(paths.sshConfig, sshConfigText(hosts, access, bastion));
}
