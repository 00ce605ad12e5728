// Inventory vars → how to reach a host (Ansible's names accepted beside ours).
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { ConnectionConfig, HostKeyChecking } from "../transport/connect.js";

function expand(p: string): string {
  return p.startsWith("~/") ? join(homedir(), p.slice(2)) : resolve(p);
}

export function connectionConfig(
  name: string,
  vars: Record<string, unknown>,
  opts: { hostKeyChecking?: HostKeyChecking; knownHosts?: string },
): ConnectionConfig {
  const v = (a: string, b?: string): unknown => vars[a] ?? (b ? vars[b] : undefined);
  const identity = v("identity_file", "ansible_ssh_private_key_file") as string | undefined;
  const knownHosts = opts.knownHosts ?? (vars.known_hosts as string | undefined) ?? "~/.ssh/known_hosts";
  return {
    host: name,
    address: String(v("host", "ansible_host") ?? name),
    port: Number(v("port", "ansible_port") ?? 22),
    user: String(v("user", "ansible_user") ?? userInfo().username),
    identityFile: identity ? expand(identity) : undefined,
    passwordEnv: vars.password_env as string | undefined,
    hostKeyChecking: opts.hostKeyChecking ?? "strict",
    knownHostsFile: expand(knownHosts),
    local: vars.connection === "local",
  };
}
