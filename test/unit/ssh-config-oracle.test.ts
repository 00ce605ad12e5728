// armgo's reading of an OpenSSH client config against OpenSSH's own: `ssh -G` is the oracle.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshRoute } from "../../src/engine/connection.js";
import type { SshSettings } from "../../src/transport/ssh-config/resolve.js";
import { hopText, sshConfigContext } from "../../src/transport/ssh-config/route.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "armgo-sshcfg-"));
// ssh takes the home from the password database, not $HOME: armgo is given the same.
const me = userInfo();
const local = { home: me.homedir, name: me.username, uid: me.uid };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  name: string;
  /** ~/.ssh/config's text; $DIR is the fixture directory. */
  config: string;
  /** More files under $DIR (Includes, keys). */
  files?: Record<string, string>;
  /** The inventory host. */
  host: string;
  /** Its inventory vars, given to ssh as Ansible's ssh connection gives them. */
  vars?: Record<string, string | number>;
}

// Include relative to ~/.ssh: a path from there to the fixture directory.
const fromDotSsh = relative(join(local.home, ".ssh"), dir);

const rows: Row[] = [
  {
    name: "Host with a ! pattern: the negated host falls to the next block",
    config: "Host *.example.org !db.example.org\n  User web\nHost *\n  User other\n",
    host: "db.example.org",
  },
  {
    name: "Host with a ! pattern: another host matches",
    config: "Host *.example.org !db.example.org\n  User web\n",
    host: "app.example.org",
  },
  { name: "several patterns on one Host line, ? wildcard", config: "Host foo bar? baz\n  Port 2200\n", host: "bar1" },
  { name: "Host patterns are case-sensitive", config: "Host WEB\n  Port 2201\nHost web\n  Port 2202\n", host: "web" },
  {
    name: "Match host sees the HostName so far; Match originalhost the name given; Match all",
    config:
      "Host web\n  HostName Web.Internal\nMatch host *.internal\n  User matched\nMatch originalhost web\n  Port 2222\nMatch all\n  ConnectTimeout 7\n",
    host: "web",
  },
  {
    name: "Match !host and a comma list with a negation",
    config: 'Match !host db*\n  User notdb\nMatch host "a*,!ab"\n  Port 2300\n',
    host: "ab",
  },
  {
    name: "Include: a glob (sorted, first value wins) and a path relative to ~/.ssh",
    config: `Include $DIR/conf.d/*.conf\nInclude ${fromDotSsh}/rel.conf\n`,
    files: {
      "conf.d/20-b.conf": "Host a\n  User from-b\n  Port 2401\n",
      "conf.d/10-a.conf": "Host a\n  User from-a\n",
      "conf.d/skip.txt": "Host a\n  Port 1\n",
      "rel.conf": "Host a\n  IdentityFile ~/.ssh/rel_key\n",
    },
    host: "a",
  },
  {
    name: "Include inside a Host block: only for that host, its own Host lines included",
    config: "Host other\n  Include $DIR/inner.conf\nHost *\n  User outer\n",
    files: { "inner.conf": "User inner\nHost *\n  Port 2500\n" },
    host: "x",
  },
  {
    name: "Include inside a Host block, for that host",
    config: "Host other\n  Include $DIR/inner2.conf\nHost *\n  User outer\n",
    files: { "inner2.conf": "User inner\nHost *\n  Port 2500\n" },
    host: "other",
  },
  {
    name: "first obtained value wins, across blocks",
    config:
      "Host web\n  User first\n  HostName one.example\nHost *\n  User second\n  HostName two.example\n  Port 2022\n",
    host: "web",
  },
  {
    name: "IdentityFile accumulates: inventory key, then -i, then the config's, in order",
    config: "Host web\n  IdentityFile ~/.ssh/web_key\nHost *\n  IdentityFile $DIR/all_key\n  IdentitiesOnly yes\n",
    files: { inv_key: "", arg_key: "" },
    host: "web",
    vars: { ansible_ssh_private_key_file: "$DIR/inv_key", ansible_ssh_common_args: "-i $DIR/arg_key" },
  },
  {
    name: "ProxyJump: several hops, user@host:port and ssh:// forms",
    config: "Host web\n  ProxyJump alice@b1:2222,b2,ssh://carol@b3:23\n",
    host: "web",
  },
  {
    name: "ProxyJump none wins when obtained first",
    config: "Host web\n  ProxyJump none\nHost *\n  ProxyJump bastion\n",
    host: "web",
  },
  {
    name: "a ProxyJump hop that is an alias resolves through the config, its own ProxyJump too",
    config: [
      "Host target",
      "  ProxyJump bast,inner",
      "Host bast",
      "  HostName 10.9.9.9",
      "  User jumper",
      "  Port 2202",
      "  IdentityFile ~/.ssh/bast_key",
      "  ProxyJump edge",
      "Host inner",
      "  HostName inner.lan",
      "  ProxyJump ignored-for-a-later-hop",
      "  StrictHostKeyChecking accept-new",
      "Host edge",
      "  User edgeuser",
      "  UserKnownHostsFile ~/.ssh/edge_known",
      "",
    ].join("\n"),
    host: "target",
  },
  {
    name: "tokens in HostName, IdentityFile and UserKnownHostsFile",
    config:
      "Host web\n  HostName %h.example.net\n  User deploy\n  Port 2600\n  IdentityFile ~/.ssh/%h_%r_%p_%u_%%\n  UserKnownHostsFile %d/.ssh/kh_%n ~/kh2\n",
    host: "web",
  },
  {
    name: "= separators and quoted values",
    config:
      "Host=web\nUser=eq\nPort = 2223\nIdentityFile \"$DIR/with space/key\"\nHostName  =  q.example.org\nUserKnownHostsFile '$DIR/quoted known'\n",
    host: "web",
  },
  {
    name: "environment variables in IdentityFile and UserKnownHostsFile",
    config: "Host web\n  IdentityFile ${HOME}/.ssh/env_%h\n  UserKnownHostsFile ${HOME}/kh_env\n",
    host: "web",
  },
  {
    name: "keywords are case-insensitive",
    config: "HOST web\n  HOSTNAME upper.example\n  user lower\n  pOrT 2224\n  identityFILE ~/.ssh/mixed\n",
    host: "web",
  },
  { name: "defaults: hostname lowercased, local user, port 22, default keys", config: "", host: "Some.Host" },
  {
    name: "UserKnownHostsFile several, StrictHostKeyChecking accept-new, ConnectTimeout, ServerAlive*",
    config:
      "Host web\n  UserKnownHostsFile ~/.ssh/a ~/.ssh/b\n  StrictHostKeyChecking accept-new\n  ConnectTimeout 1m\n  ServerAliveInterval 30\n  ServerAliveCountMax 5\n",
    host: "web",
  },
  { name: "StrictHostKeyChecking no", config: "StrictHostKeyChecking no\n", host: "web" },
  { name: "StrictHostKeyChecking yes", config: "StrictHostKeyChecking yes\n", host: "web" },
  {
    name: "ansible_ssh_common_args -o and -p win over the config; ansible_user over them",
    config: "Host web\n  User cfgu\n  Port 2222\n  ProxyJump cfgjump\n",
    host: "web",
    vars: {
      ansible_user: "invu",
      ansible_ssh_common_args: "-o ProxyJump=root@bastion:22 -o 'User argu' -p 2300 -oServerAliveInterval=9",
    },
  },
  {
    name: "-J in ansible_ssh_extra_args, -F in ansible_ssh_common_args",
    config: "Host web\n  User notread\n",
    files: { "other.conf": "Host web\n  User fromother\n  ProxyJump jfromconfig\n" },
    host: "web",
    vars: { ansible_ssh_common_args: "-F $DIR/other.conf -C", ansible_ssh_extra_args: "-J 'j1,u@j2:2022'" },
  },
  {
    name: "ansible_host is what the Host patterns see; ansible_port over Port",
    config: "Host 10.1.2.3\n  HostName real.example\n  Port 2700\n  User byip\nHost web\n  User byname\n",
    host: "web",
    vars: { ansible_host: "10.1.2.3", ansible_port: 2701 },
  },
  {
    name: "armgo's known_hosts and proxy_jump vars act as -o options",
    config: "Host web\n  UserKnownHostsFile ~/.ssh/cfg_known\n  ProxyJump cfgjump\n",
    host: "web",
    vars: { known_hosts: "$DIR/inv_known", proxy_jump: "ops@bastion:2022" },
  },
];

const sub = (s: string): string => s.replaceAll("$DIR", dir);
const subVars = (v: Row["vars"] = {}): Record<string, string | number> =>
  Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? sub(x) : x]));

/** What ssh is run with for an inventory host: Ansible's ssh connection's order, the shell splitting the args. */
function sshCommand(config: string, host: string, vars: Record<string, string | number>): string {
  const q = (s: string | number): string => `'${String(s).replaceAll("'", "'\\''")}'`;
  const o = (k: string, v: string | number | undefined): string => (v === undefined ? "" : ` -o ${q(`${k}=${v}`)}`);
  return [
    `ssh -G -F ${q(config)}`,
    o("Port", vars.ansible_port),
    o("IdentityFile", vars.ansible_ssh_private_key_file),
    o("User", vars.ansible_user),
    o("UserKnownHostsFile", vars.known_hosts),
    o("ProxyJump", vars.proxy_jump),
    ` ${vars.ansible_ssh_common_args ?? ""} ${vars.ansible_ssh_extra_args ?? ""} `,
    q(vars.ansible_host ?? host),
  ].join("");
}

async function sshG(command: string): Promise<Map<string, string[]>> {
  const { stdout } = await run("sh", ["-c", `${command} </dev/null`]);
  const out = new Map<string, string[]>();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf(" ");
    if (i > 0) out.set(line.slice(0, i), [...(out.get(line.slice(0, i)) ?? []), line.slice(i + 1)]);
  }
  return out;
}

const DEFAULT_KEYS = ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"].map(
  (k) => `~/.ssh/${k}`,
);

/** The compared fields from `ssh -G`, in armgo's terms (ssh 9.2 prints IdentityFile before expanding it). */
function fromSsh(g: Map<string, string[]>) {
  const one = (k: string): string => g.get(k)?.[0] ?? "";
  const t: Record<string, string> = {
    "%": "%",
    d: local.home,
    h: one("hostname"),
    p: one("port"),
    r: one("user"),
    u: local.name,
    n: "",
  };
  const expand = (p: string): string =>
    p
      .replace(/\$\{(\w+)\}/g, (_, name: string) => process.env[name] ?? "")
      .replace(/%(.)/g, (_, c: string) => t[c] ?? `%${c}`)
      .replace(/^~(?=\/)/, local.home);
  const ids = g.get("identityfile") ?? [];
  return {
    hostname: one("hostname"),
    user: one("user"),
    port: Number(one("port")),
    identityFiles: JSON.stringify(ids) === JSON.stringify(DEFAULT_KEYS) ? [] : ids.map(expand),
    identitiesOnly: one("identitiesonly") === "yes",
    proxyJump: (one("proxyjump") || "")
      .split(",")
      .filter(Boolean)
      .map((h) => h.replace(/^ssh:\/\//, ""))
      .join(","),
    userKnownHostsFiles: one("userknownhostsfile"),
    strictHostKeyChecking: one("stricthostkeychecking"),
    connectTimeout: one("connecttimeout"),
    serverAliveInterval: one("serveraliveinterval"),
    serverAliveCountMax: one("serveralivecountmax"),
  };
}

function fromArmgo(s: SshSettings) {
  const strict = { yes: "true", no: "false", ask: "ask", "accept-new": "accept-new" } as const;
  return {
    hostname: s.hostname,
    user: s.user,
    port: s.port,
    identityFiles: s.identityFiles,
    identitiesOnly: s.identitiesOnly,
    proxyJump: s.proxyJump.map(hopText).join(","),
    userKnownHostsFiles: (
      s.userKnownHostsFiles ?? ["known_hosts", "known_hosts2"].map((f) => join(local.home, ".ssh", f))
    ).join(" "),
    strictHostKeyChecking: strict[s.strictHostKeyChecking ?? "ask"],
    connectTimeout: s.connectTimeoutS === undefined ? "none" : String(s.connectTimeoutS),
    serverAliveInterval: String(s.serverAliveIntervalS ?? 0),
    serverAliveCountMax: String(s.serverAliveCountMax ?? 3),
  };
}

/**
 * The jump hosts ssh goes through, first dialled first, each as ssh reaches it: for ProxyJump a,b
 * it runs `ssh -J a -W target b`, then `ssh -W b a`; only the first hop's own ProxyJump applies.
 */
async function hopsBySsh(
  config: string,
  g: Map<string, string[]>,
): Promise<{ host: string; g: Map<string, string[]> }[]> {
  const list = (g.get("proxyjump")?.[0] ?? "")
    .split(",")
    .filter(Boolean)
    .map((h) => h.replace(/^ssh:\/\//, ""));
  const hops = await Promise.all(
    list.map(async (hop, k) => {
      const [, user, host, port] = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(hop)!;
      const opts = [
        user ? `-l '${user}'` : "",
        port ? `-p ${port}` : "",
        k > 0 ? `-J '${list.slice(0, k).join(",")}'` : "",
      ];
      return { host: host!, g: await sshG(`ssh -G -F '${config}' ${opts.join(" ")} '${host}'`) };
    }),
  );
  return hops.length ? [...(await hopsBySsh(config, hops[0]!.g)), ...hops] : [];
}

interface Compared {
  row: Row;
  pairs: { what: string; ssh: ReturnType<typeof fromSsh>; armgo: ReturnType<typeof fromArmgo> }[];
}

let results: Compared[];

beforeAll(async () => {
  await run("ssh", ["-V"]).catch((err: unknown) => {
    throw new Error(`this test needs OpenSSH's ssh (openssh-client) as its oracle: ${(err as Error).message}`);
  });
  // Includes relative to ~/.ssh need the directory to exist for ssh as for armgo.
  mkdirSync(join(local.home, ".ssh"), { recursive: true, mode: 0o700 });
  results = await Promise.all(
    rows.map(async (row, i) => {
      const config = join(dir, `config-${i}`);
      writeFileSync(config, sub(row.config));
      for (const [name, text] of Object.entries(row.files ?? {})) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      const vars = subVars(row.vars);
      // -F in the args is the config file, unless armgo's own -F is given: that row runs without one.
      const argsConfig = /-F\s+(\S+)/.exec(String(vars.ansible_ssh_common_args ?? ""))?.[1];
      const route = sshRoute(row.host, vars, argsConfig ? {} : { sshConfig: config }, sshConfigContext({ local }));
      const cfg = argsConfig ?? config;
      const target = await sshG(sshCommand(cfg, row.host, vars));
      const hops = await hopsBySsh(cfg, target);
      expect(route.hops.map((h) => h.spec.host)).toEqual(hops.map((h) => h.host));
      const pairs: Compared["pairs"] = [
        { what: "target", ssh: fromSsh(target), armgo: fromArmgo(route.target) },
        ...hops.map((h, k) => ({
          what: `hop ${h.host}`,
          ssh: fromSsh(h.g),
          armgo: fromArmgo(route.hops[k]!.settings),
        })),
      ];
      return { row, pairs };
    }),
  );
});

describe("ssh config resolution matches ssh -G", () => {
  it("covers at least 15 cases", () => expect(rows.length).toBeGreaterThanOrEqual(15));
  it.each(rows.map((r, i) => ({ ...r, i })))("$name", ({ i }) => {
    for (const p of results[i]!.pairs) expect({ what: p.what, ...p.armgo }).toEqual({ what: p.what, ...p.ssh });
  });
});
