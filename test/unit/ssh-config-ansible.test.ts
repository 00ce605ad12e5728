// Inventory vars over the ssh config as Ansible's ssh connection gives them: the ssh command line
// ansible-playbook runs (-vvv), given to `ssh -G`, against armgo's resolution of the same vars.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshRoute } from "../../src/engine/connection.js";
import { hopText, sshConfigContext } from "../../src/transport/ssh-config/route.js";
import { ansiblePlaybook } from "./ansible-oracle.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "armgo-sshansible-"));
const me = userInfo();
const local = { home: me.homedir, name: me.username, uid: me.uid };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = [
  "Host 127.0.0.*",
  "  User cfg-user",
  "  Port 2222",
  "  IdentityFile ~/.ssh/cfg_key",
  "  ProxyJump cfg-jump.invalid",
  "  ServerAliveInterval 11",
  "",
].join("\n");

// Each host its own address: ansible-playbook's -vvv lines are tagged with it. Connects fail at once (port 1, .invalid).
const rows: { name: string; vars: Record<string, string | number> }[] = [
  { name: "nothing in the inventory: the config gives all", vars: {} },
  { name: "ansible_user and ansible_port win over the config", vars: { ansible_user: "inv", ansible_port: 1 } },
  {
    name: "ansible_ssh_private_key_file comes before the config's keys",
    vars: { ansible_ssh_private_key_file: "/k/inv" },
  },
  {
    name: "ssh args win over the config, inventory vars over ssh args",
    vars: { ansible_user: "inv", ansible_ssh_common_args: "-o User=args -o ServerAliveInterval=5 -J a.invalid" },
  },
  {
    name: "-p in ansible_ssh_extra_args loses to ansible_port",
    vars: { ansible_port: 1, ansible_ssh_extra_args: "-p 7" },
  },
  {
    name: "ansible_ssh_args come first: they win even over ansible_user",
    vars: { ansible_user: "inv", ansible_ssh_args: "-C -o User=sshargs -o ControlMaster=auto" },
  },
];

let lines: Map<string, string[]>;

beforeAll(async () => {
  writeFileSync(join(dir, "config"), CONFIG);
  const hosts = Object.fromEntries(
    rows.map((r, i) => [
      `h${i}`,
      {
        ansible_host: `127.0.0.${i + 2}`,
        ...r.vars,
        ansible_ssh_common_args: `-F ${join(dir, "config")} ${r.vars.ansible_ssh_common_args ?? ""}`,
      },
    ]),
  );
  writeFileSync(join(dir, "inventory.yml"), JSON.stringify({ all: { hosts } }));
  writeFileSync(join(dir, "play.yml"), "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n");
  const { stdout } = await ansiblePlaybook(["-i", "inventory.yml", "play.yml", "-vvv", "--forks", "10"], dir);
  // `<ADDRESS> SSH: EXEC ssh ... ADDRESS 'remote command'`: the argv, as Python's shlex reads it back.
  const execs = [...stdout.matchAll(/^<([^>]+)> SSH: EXEC (ssh .*)$/gm)];
  const argv = JSON.parse(
    execFileSync(
      "python3",
      ["-c", "import json,shlex,sys; print(json.dumps([shlex.split(l) for l in json.load(sys.stdin)]))"],
      {
        input: JSON.stringify(execs.map((m) => m[2])),
        encoding: "utf8",
      },
    ),
  ) as string[][];
  lines = new Map();
  execs.forEach((m, i) => {
    if (!lines.has(m[1]!)) lines.set(m[1]!, argv[i]!.slice(1, -1));
  });
});

describe("armgo resolves inventory vars and the ssh config as ansible-playbook's ssh does (ssh -G on its command line)", () => {
  it.each(rows.map((r, i) => ({ ...r, i })))("$name", async ({ i }) => {
    const address = `127.0.0.${i + 2}`;
    const args = lines.get(address);
    expect(args, `ansible-playbook ran no ssh for ${address}`).toBeDefined();
    const { stdout } = await run("ssh", ["-G", ...args!]);
    const g = new Map(stdout.split("\n").map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]));
    const ids = stdout
      .split("\n")
      .filter((l) => l.startsWith("identityfile "))
      .map((l) => l.slice(13).replace(/^~/, local.home));
    const vars = {
      ansible_host: address,
      ...rows[i]!.vars,
      ansible_ssh_common_args: `-F ${join(dir, "config")} ${rows[i]!.vars.ansible_ssh_common_args ?? ""}`,
    };
    const { target } = sshRoute(`h${i}`, vars, {}, sshConfigContext({ local, systemConfig: null }));
    expect({
      user: target.user,
      port: String(target.port),
      identityFiles: target.identityFiles,
      proxyJump: target.proxyJump.map(hopText).join(","),
      serverAliveInterval: String(target.serverAliveIntervalS ?? 0),
    }).toEqual({
      user: g.get("user"),
      port: g.get("port"),
      identityFiles: ids,
      proxyJump: g.get("proxyjump"),
      serverAliveInterval: g.get("serveraliveinterval"),
    });
  });
});
