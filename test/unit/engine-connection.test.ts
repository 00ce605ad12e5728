// Inventory vars, CLI flags and the ssh config → the ConnectionConfig the transport gets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ConnectOptions, connectionConfig } from "../../src/engine/connection.js";
import { type ConnectionConfig, connect, type JumpHop } from "../../src/transport/connect.js";
import { sshConfigContext } from "../../src/transport/ssh-config/route.js";
import { newKeyPair, startFakeSshd } from "./ssh-server.js";

const dir = mkdtempSync(join(tmpdir(), "armgo-conncfg-"));
const home = join(dir, "home");
mkdirSync(join(home, ".ssh"), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASTION = [
  "Host graviton-*",
  "  HostName %h.arm.internal",
  "  User ec2-user",
  "  ProxyJump bastion",
  "  IdentityFile ~/.ssh/fleet",
  "  ServerAliveInterval 30",
  "  ServerAliveCountMax 2",
  "  ConnectTimeout 5",
  "  StrictHostKeyChecking accept-new",
  "Host bastion",
  "  HostName 203.0.113.7",
  "  User jump",
  "  Port 2222",
  "  IdentityFile ~/.ssh/bastion",
  "  IdentitiesOnly yes",
  "  UserKnownHostsFile ~/.ssh/bastion_known",
  "  StrictHostKeyChecking yes",
  "",
].join("\n");

interface Row {
  name: string;
  config: string;
  host: string;
  vars?: Record<string, unknown>;
  opts?: ConnectOptions;
  want: Partial<ConnectionConfig>;
}

const bastionHop: JumpHop = {
  host: "bastion",
  address: "203.0.113.7",
  port: 2222,
  user: "jump",
  identityFiles: [join(home, ".ssh/bastion")],
  identitiesOnly: true,
  knownHostsFile: join(home, ".ssh/bastion_known"),
  hostKeyChecking: "strict",
};

const rows: Row[] = [
  {
    name: "an ssh config alias behind a bastion: every field from the config",
    config: BASTION,
    host: "graviton-2",
    want: {
      address: "graviton-2.arm.internal",
      user: "ec2-user",
      port: 22,
      identityFiles: [join(home, ".ssh/fleet")],
      identitiesOnly: false,
      hostKeyChecking: "accept-new",
      knownHostsFile: join(home, ".ssh/known_hosts"),
      connectTimeoutMs: 5000,
      keepaliveIntervalMs: 30_000,
      keepaliveCountMax: 2,
      jumps: [bastionHop],
    },
  },
  {
    name: "inventory vars win over the config; the jump host keeps its own settings",
    config: BASTION,
    host: "graviton-2",
    vars: { ansible_user: "admin", ansible_port: 2200, ansible_ssh_private_key_file: "~/inv_key", known_hosts: "~/kh" },
    want: {
      user: "admin",
      port: 2200,
      identityFiles: [join(home, "inv_key"), join(home, ".ssh/fleet")],
      knownHostsFile: join(home, "kh"),
      jumps: [bastionHop],
    },
  },
  {
    name: "the CLI's --known-hosts and --host-key-checking win everywhere, jump hosts included",
    config: BASTION,
    host: "graviton-2",
    opts: { knownHosts: "/cli/kh", hostKeyChecking: "strict" },
    want: {
      knownHostsFile: "/cli/kh",
      hostKeyChecking: "strict",
      jumps: [{ ...bastionHop, knownHostsFile: "/cli/kh" }],
    },
  },
  {
    name: "armgo's own names (host, port, user, identity_file) as before, no config",
    config: "",
    host: "web",
    vars: { host: "10.0.0.5", port: 2022, user: "deploy", identity_file: "/k/id" },
    want: {
      address: "10.0.0.5",
      port: 2022,
      user: "deploy",
      identityFiles: ["/k/id"],
      hostKeyChecking: "strict",
      jumps: [],
    },
  },
  {
    name: "ansible_ssh_common_args -J: hops resolved through the config",
    config: BASTION,
    host: "web",
    vars: { ansible_ssh_common_args: "-J ops@bastion:22" },
    want: { address: "web", jumps: [{ ...bastionHop, user: "ops", port: 22 }] },
  },
  {
    name: "StrictHostKeyChecking no is armgo's off; ServerAliveInterval 0 turns keepalive off",
    config: "StrictHostKeyChecking no\nServerAliveInterval 0\n",
    host: "web",
    want: { hostKeyChecking: "off", keepaliveIntervalMs: 0 },
  },
  {
    name: "-u and --private-key are on the command line: they win over the config",
    config: BASTION,
    host: "graviton-2",
    opts: { user: "cli", privateKey: "~/cli_key" },
    want: { user: "cli", identityFiles: [join(home, "cli_key"), join(home, ".ssh/fleet")], jumps: [bastionHop] },
  },
  {
    name: "the inventory's ansible_user and key win over -u and --private-key, as in Ansible",
    config: BASTION,
    host: "graviton-2",
    vars: { ansible_user: "admin", ansible_ssh_private_key_file: "~/inv_key" },
    opts: { user: "cli", privateKey: "~/cli_key" },
    want: { user: "admin", identityFiles: [join(home, "inv_key"), join(home, ".ssh/fleet")] },
  },
  {
    name: "-K's password and the inventory's become_password_env reach the connection",
    config: "",
    host: "web",
    vars: { become_password_env: "WEB_SUDO_PW" },
    opts: { becomePassword: "from-K" },
    want: { becomePassword: "from-K", becomePasswordEnv: "WEB_SUDO_PW" },
  },
  {
    name: "connection: local reads no ssh config",
    config: "Host *\n  ProxyCommand nc %h %p\n",
    host: "localhost",
    vars: { connection: "local" },
    want: { local: true, jumps: [] },
  },
  {
    name: "ansible_connection: local too",
    config: "",
    host: "localhost",
    vars: { ansible_connection: "local" },
    want: { local: true, jumps: [] },
  },
  {
    name: "ansible_ssh_host_key_checking false turns checking off for the target, over its ssh config",
    config: "StrictHostKeyChecking yes\n",
    host: "web",
    vars: { ansible_ssh_host_key_checking: false },
    want: { hostKeyChecking: "off" },
  },
  {
    name: "ansible_ssh_host_key_checking never reaches a jump host (an -o of the target's command line)",
    config: "Host web\n  ProxyJump bastion\n",
    host: "web",
    vars: { ansible_ssh_host_key_checking: false },
    want: {
      hostKeyChecking: "off",
      jumps: [
        {
          host: "bastion",
          address: "bastion",
          port: 22,
          user: "me",
          identityFiles: [],
          identitiesOnly: false,
          knownHostsFile: join(home, ".ssh/known_hosts"),
          hostKeyChecking: "strict",
        },
      ],
    },
  },
];

describe("connectionConfig", () => {
  it.each(rows.map((r, i) => ({ ...r, i })))("$name", ({ i, config, host, vars, opts, want }) => {
    const cfg = join(dir, `config-${i}`);
    writeFileSync(cfg, config);
    const ctx = sshConfigContext({ local: { home, name: "me", uid: 1000 }, systemConfig: null });
    expect(connectionConfig(host, vars ?? {}, { sshConfig: cfg, ...opts }, ctx)).toMatchObject(want);
  });

  it("without -F: ~/.ssh/config, then the system config (its relative Include under its own directory)", () => {
    const userHome = join(dir, "home2");
    const etc = join(dir, "etc-ssh");
    mkdirSync(join(userHome, ".ssh"), { recursive: true });
    mkdirSync(join(etc, "ssh_config.d"), { recursive: true });
    writeFileSync(join(userHome, ".ssh", "config"), "Host web\n  User from-user-config\n");
    writeFileSync(join(etc, "ssh_config"), "Include ssh_config.d/*.conf\nHost *\n  User from-system\n  Port 2022\n");
    writeFileSync(join(etc, "ssh_config.d", "10-corp.conf"), "Host web\n  ProxyJump corp-bastion\n");
    const ctx = sshConfigContext({
      local: { home: userHome, name: "me", uid: 1000 },
      systemConfig: join(etc, "ssh_config"),
    });
    const cfg = connectionConfig("web", {}, {}, ctx);
    expect(cfg).toMatchObject({
      user: "from-user-config",
      port: 2022,
      jumps: [{ host: "corp-bastion", user: "from-system" }],
    });
  });

  it("the inventory's ssh_config var names the config when the CLI does not", () => {
    const cfg = join(dir, "inv-config");
    writeFileSync(cfg, "Host web\n  User from-inventory-config\n");
    const ctx = sshConfigContext({ local: { home, name: "me", uid: 1000 }, systemConfig: null });
    expect(connectionConfig("web", { ssh_config: cfg }, {}, ctx).user).toBe("from-inventory-config");
  });
});

describe("the resolved values reach the transport", () => {
  it("an ssh config alias (HostName, Port, User, IdentityFile, UserKnownHostsFile) is connected to as ssh would", async () => {
    const key = newKeyPair();
    const sshd = await startFakeSshd({ authorizedKey: key.public });
    try {
      const keyFile = join(dir, "alias_key");
      writeFileSync(keyFile, key.private, { mode: 0o600 });
      const known = join(dir, "alias_known");
      writeFileSync(known, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${sshd.hostKeyBlob.toString("base64")}\n`);
      const cfg = join(dir, "alias-config");
      const alias = `Host graviton-*\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ec2-user\n  IdentityFile ${keyFile}\n`;
      writeFileSync(cfg, `${alias}  IdentitiesOnly yes\n  UserKnownHostsFile ${known}\n`);
      const ctx = sshConfigContext({ local: { home, name: "me", uid: 1000 }, systemConfig: null });
      const t = await connect(connectionConfig("graviton-2", {}, { sshConfig: cfg }, ctx));
      try {
        expect((await t.exec("echo reached")).stdout).toBe("reached\n");
      } finally {
        await t.close();
      }
    } finally {
      await sshd.close();
    }
  });

  it("a host behind a jump host is not connected to directly", async () => {
    const ctx = sshConfigContext({ local: { home, name: "me", uid: 1000 }, systemConfig: null });
    const cfg = join(dir, "jump-config");
    const keyFile = join(dir, "jump_key");
    writeFileSync(keyFile, newKeyPair().private, { mode: 0o600 });
    writeFileSync(
      cfg,
      `Host *\n  IdentityFile ${keyFile}\nHost web\n  HostName 127.0.0.1\n  Port 1\n  ProxyJump bastion.invalid\n`,
    );
    const err = await connect(connectionConfig("web", {}, { sshConfig: cfg }, ctx)).catch((e: unknown) => e);
    // The jump host is dialled first (and fails): the target's own address is never tried.
    expect(String((err as Error).message)).toMatch(/bastion\.invalid/);
    expect(String((err as Error).message)).not.toMatch(/127\.0\.0\.1:1\b/);
  });
});
