// What armgo says about an ssh config or ssh args it will not follow: one error line, or one warning per option per run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connectionConfig } from "../../src/engine/connection.js";
import { InputError } from "../../src/errors.js";
import { sshConfigContext } from "../../src/transport/ssh-config/route.js";

const dir = mkdtempSync(join(tmpdir(), "armgo-sshlines-"));
const home = join(dir, "home");
mkdirSync(join(home, ".ssh"), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  name: string;
  config: string;
  /** Inventory hosts resolved in one run, with their vars. */
  hosts?: Record<string, Record<string, unknown>>;
  /** The one error line (`$CFG` is the config's path), or none. */
  error?: string | RegExp;
  /** Every warning of the run, in order. */
  warnings?: (string | RegExp)[];
}

const rows: Row[] = [
  {
    name: "ProxyCommand is refused with its file:line",
    config: "Host web\n  User u\n  ProxyCommand ssh -W %h:%p bastion\n",
    error:
      "$CFG:3 web: ProxyCommand is not supported by armgo — reach the host through a jump host with ProxyJump (or -J) instead",
  },
  { name: "ProxyCommand none is no route", config: "Host web\n  ProxyCommand none\n" },
  {
    name: "ProxyCommand after a ProxyJump is not used, by ssh either",
    config: "Host web\n  ProxyJump b\n  ProxyCommand nc %h %p\n",
  },
  {
    name: "a jump host that ssh would reach by its ProxyCommand is refused too",
    config: "Host web\n  ProxyJump b\nHost *\n  ProxyCommand nc %h %p\n",
    error:
      "$CFG:4 web: ProxyCommand is not supported by armgo — reach the host through a jump host with ProxyJump (or -J) instead",
  },
  { name: "ProxyCommand for another host does not matter", config: "Host db\n  ProxyCommand nc %h %p\n" },
  {
    name: "-o ProxyCommand in ansible_ssh_common_args names the inventory host",
    config: "",
    hosts: { web: { ansible_ssh_common_args: "-o ProxyCommand='ssh -W %h:%p -q root@bastion'" } },
    error:
      "web: ansible_ssh_common_args: ProxyCommand is not supported by armgo — reach the host through a jump host with ProxyJump (or -J) instead",
  },
  {
    name: "-W in ansible_ssh_extra_args is refused",
    config: "",
    hosts: { web: { ansible_ssh_extra_args: "-W db:22" } },
    error:
      "web: ansible_ssh_extra_args: -W forwards stdio instead of opening a session, which armgo does not do — remove it",
  },
  {
    name: "-b (BindAddress) in the args is refused like the config option",
    config: "",
    hosts: { web: { ansible_ssh_common_args: "-C -b 10.0.0.9" } },
    error:
      "web: ansible_ssh_common_args: BindAddress is not supported by armgo — armgo connects from the default address: remove BindAddress for this host",
  },
  {
    name: "an ssh flag that does not exist",
    config: "",
    hosts: { web: { ansible_ssh_extra_args: "-vZ" } },
    error: "web: ansible_ssh_extra_args: unknown ssh option -Z",
  },
  {
    name: "a destination in the args is refused",
    config: "",
    hosts: { web: { ansible_ssh_common_args: "-p 22 other-host" } },
    error:
      'web: ansible_ssh_common_args: "other-host" is not an ssh option — only options belong here: armgo gives the destination itself',
  },
  {
    name: "an unimplemented Match criterion is refused where it decides",
    config: 'Match exec "test -e /etc/x"\n  User x\n',
    error: "$CFG:1 web: Match exec is not supported by armgo — use Match host, Match originalhost, Match all or Host",
  },
  { name: "a Match criterion after one that failed decides nothing", config: 'Match host db exec "false"\n  User x\n' },
  {
    name: "an unknown keyword is an error, as in ssh",
    config: "Host *\n  Fo0 bar\n",
    error: /^\$CFG:2 web: unknown ssh option Fo0 — fix the name/,
  },
  {
    name: "IgnoreUnknown lets one through, as in ssh",
    config: "IgnoreUnknown UseKeychain,Fo*\nHost *\n  UseKeychain yes\n  Fo0 bar\n",
  },
  {
    name: "HostKeyAlias would check another key: refused",
    config: "Host web\n  HostKeyAlias other\n",
    error:
      "$CFG:2 web: HostKeyAlias is not supported by armgo — armgo checks the host key under the host's own name: remove HostKeyAlias for this host",
  },
  { name: "CanonicalizeHostname no is nothing to refuse", config: "CanonicalizeHostname no\n" },
  {
    name: "an unterminated quote",
    config: 'Host web\n  IdentityFile "~/.ssh/key\n',
    error: "$CFG:2: IdentityFile: unterminated quote — close the quote",
  },
  { name: "a bad port", config: "Port 70000\n", error: "$CFG:1 web: Port takes a number from 1 to 65535, not 70000" },
  {
    name: "a token armgo does not expand",
    config: "IdentityFile ~/.ssh/%C\n",
    error: /^\$CFG:1 web: IdentityFile: token %C is not supported by armgo/,
  },
  {
    name: "a jump host that its own Host * ProxyJump would send through itself",
    config: "Host bastion\n  HostName 10.0.0.1\nHost *\n  ProxyJump bastion\n",
    error:
      "web: the jump host bastion would be reached through itself (ProxyJump loop) — keep bastion out of the block that sets ProxyJump (Host * !bastion), or give it ProxyJump none",
  },
  {
    name: "an unset environment variable",
    config: "IdentityFile ${ARMGO_TEST_UNSET_VAR}/key\n",
    error: "$CFG:1 web: IdentityFile: environment variable ARMGO_TEST_UNSET_VAR is not set",
  },
  {
    name: "a ProxyJump loop ends in an error",
    config: "Host web\n  ProxyJump a\nHost a\n  ProxyJump b\nHost b\n  ProxyJump a\n",
    error:
      "web: ProxyJump goes through more than 8 jump hosts — look for a jump host whose own ProxyJump leads back to it",
  },
  {
    name: "unimplemented options: one warning each per run, however many hosts; off values and quiet options none",
    config:
      "Host *\n  ForwardAgent yes\n  Ciphers aes256-ctr\n  ControlMaster no\n  SendEnv LANG\n  HashKnownHosts yes\n",
    hosts: { web: {}, db: {}, app: { ansible_ssh_common_args: "-o ControlMaster=auto -L 8080:localhost:80" } },
    warnings: [
      "ssh option ForwardAgent ($CFG:2) is not implemented by armgo: ignored",
      "ssh option Ciphers ($CFG:3) is not implemented by armgo: ignored",
      "ssh option ControlMaster (ansible_ssh_common_args) is not implemented by armgo: ignored",
      "ssh option LocalForward (ansible_ssh_common_args) is not implemented by armgo: ignored",
    ],
  },
  {
    name: "several known_hosts files: armgo says it uses the first",
    config: "UserKnownHostsFile /k/a /k/b\n",
    warnings: ["ssh option UserKnownHostsFile names 2 files: armgo reads and records to the first, /k/a"],
  },
];

describe("ssh config and ssh args: errors and warnings", () => {
  it.each(rows.map((r, i) => ({ ...r, i })))("$name", ({ i, config, hosts, error, warnings }) => {
    const cfg = join(dir, `config-${i}`);
    writeFileSync(cfg, config);
    const said: string[] = [];
    const ctx = sshConfigContext({
      local: { home, name: "me", uid: 1000 },
      systemConfig: null,
      onWarning: (l) => said.push(l),
    });
    const resolveAll = (): void => {
      for (const [h, vars] of Object.entries(hosts ?? { web: {} })) connectionConfig(h, vars, { sshConfig: cfg }, ctx);
    };
    const sub = (x: string | RegExp): string | RegExp =>
      typeof x === "string"
        ? x.replaceAll("$CFG", cfg)
        : new RegExp(x.source.replaceAll("\\$CFG", cfg.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
    if (error) {
      let thrown: unknown;
      try {
        resolveAll();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(InputError);
      const line = (thrown as InputError).oneLine();
      expect(line.split("\n")).toHaveLength(1);
      const want = sub(error);
      if (typeof want === "string") expect(line).toBe(want);
      else expect(line).toMatch(want);
    } else {
      resolveAll();
    }
    expect(said).toHaveLength((warnings ?? []).length);
    (warnings ?? []).forEach((w, k) => {
      const want = sub(w);
      if (typeof want === "string") expect(said[k]).toBe(want);
      else expect(said[k]).toMatch(want);
    });
  });

  it("-F that does not exist is an error; a missing ~/.ssh/config is an empty one", () => {
    const ctx = sshConfigContext({ local: { home, name: "me", uid: 1000 }, systemConfig: null });
    expect(() => connectionConfig("web", {}, { sshConfig: join(dir, "absent") }, ctx)).toThrow(
      /cannot read the ssh config .*absent/,
    );
    expect(connectionConfig("web", {}, {}, ctx)).toMatchObject({ address: "web", user: "me", port: 22, jumps: [] });
  });
});
