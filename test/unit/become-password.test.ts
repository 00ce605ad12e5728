// The become password over the ssh transport, against the in-process sshd and a fake sudo that talks
// as `sudo -S -p PROMPT` does: asks on stderr, reads a line, says "Sorry, try again." and asks again.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askBecomePass, type TtyInput } from "../../src/cli/ask-pass.js";
import { batched } from "../../src/engine/batch.js";
import { TaskError } from "../../src/errors.js";
import { applyBecomeFlags, becomeWithVars } from "../../src/load/become.js";
import type { Play, Task } from "../../src/load/model.js";
import { SUDO_OK, SUDO_PROMPT, type BecomeAuth } from "../../src/transport/become.js";
import { becomeAuth, type ConnectionConfig, connect } from "../../src/transport/connect.js";
import { SudoDialogue } from "../../src/transport/sudo-dialogue.js";
import type { Transport } from "../../src/transport/transport.js";
import { ansiblePlaybook } from "./ansible-oracle.js";
import { setup } from "./engine-local.js";
import { newKeyPair, startFakeSshd, type FakeSshd } from "./ssh-server.js";

const PASSWORD = "s3cret pass'word";
const dir = mkdtempSync(join(tmpdir(), "armgo-become-"));
const key = newKeyPair();
const identityFile = join(dir, "id_ed25519");
writeFileSync(identityFile, key.private, { mode: 0o600 });
const bin = join(dir, "bin");
mkdirSync(bin);
const prompts = join(dir, "prompts");
// The right password is in a file beside it; a file `nopasswd` makes it run without asking, as NOPASSWD does.
writeFileSync(join(dir, "password"), `${PASSWORD}\n`);
writeFileSync(
  join(bin, "sudo"),
  `#!/bin/sh
[ "$1" = -S ] && [ "$2" = -p ] || { echo "fake sudo: want -S -p" >&2; exit 2; }
prompt=$3; shift 3
[ "$1" = -u ] && shift 2
[ "$1" = -- ] && shift
if [ ! -e ${dir}/nopasswd ]; then
  tries=0
  while :; do
    echo >> ${prompts}
    printf '%s' "$prompt" >&2
    IFS= read -r line || { echo >&2; echo "sudo: no password was provided" >&2; echo "sudo: a password is required" >&2; exit 1; }
    [ "$line" = "$(cat ${dir}/password)" ] && break
    tries=$((tries + 1))
    sleep 0.3
    [ $tries -ge 3 ] && { echo "sudo: 3 incorrect password attempts" >&2; exit 1; }
    echo "Sorry, try again." >&2
  done
fi
exec "$@"
`,
  { mode: 0o755 },
);

let sshd: FakeSshd;
const opened: Transport[] = [];

async function open(over: Partial<ConnectionConfig> = {}): Promise<Transport> {
  const t = await connect({
    host: "fake1",
    address: "127.0.0.1",
    port: sshd.port,
    user: "deploy",
    identityFiles: [identityFile],
    jumps: [],
    hostKeyChecking: "off",
    knownHostsFile: join(dir, "known_hosts"),
    connectTimeoutMs: 5000,
    ...over,
  });
  opened.push(t);
  return t;
}

const promptCount = (): number => {
  try {
    return readFileSync(prompts, "utf8").length;
  } catch {
    return 0;
  }
};

beforeAll(async () => {
  sshd = await startFakeSshd({ authorizedKey: key.public, pathPrefix: bin });
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await sshd.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("become with a password (sudo -S)", () => {
  const rows: Array<{ name: string; nopasswd: boolean; auth: Partial<ConnectionConfig>; want: RegExp | string }> = [
    {
      name: "asked, right password from -K",
      nopasswd: false,
      auth: { becomePassword: PASSWORD },
      want: "data:line 1\nline 2",
    },
    {
      name: "not asked (NOPASSWD), a password held",
      nopasswd: true,
      auth: { becomePassword: PASSWORD },
      want: "data:line 1\nline 2",
    },
    { name: "not asked, no password", nopasswd: true, auth: {}, want: "data:line 1\nline 2" },
    {
      name: "asked, no password",
      nopasswd: false,
      auth: {},
      want: /^fake1: sudo on fake1 wants a password for deploy — give it with -K \(--ask-become-pass\) or the inventory's become_password_env/,
    },
    {
      name: "asked, become_password_env names an unset variable",
      nopasswd: false,
      auth: { becomePasswordEnv: "ARMGO_TEST_UNSET_BECOME_PW" },
      want: /wants a password for deploy — become_password_env names ARMGO_TEST_UNSET_BECOME_PW, which is not set/,
    },
    {
      name: "asked, wrong password",
      nopasswd: false,
      auth: { becomePassword: "wrong" },
      want: /^fake1: sudo on fake1 did not accept the become password for deploy — check the password given by -K$/,
    },
  ];
  it.each(rows)("$name", async ({ nopasswd, auth, want }) => {
    rmSync(join(dir, "nopasswd"), { force: true });
    if (nopasswd) writeFileSync(join(dir, "nopasswd"), "");
    const t = await open(auth);
    const started = Date.now();
    // the command's stdin is its own: never the password, whether sudo asked or not
    const got = await t
      .exec(`printf 'data:'; cat`, { become: true, stdin: "line 1\nline 2" })
      .then((r) => (r.code === 0 && r.stderr === "" ? r.stdout : `exit ${r.code}: ${r.stderr}`))
      .catch((e: unknown) => (e instanceof TaskError ? e.oneLine() : String(e)));
    if (typeof want === "string") expect(got).toBe(want);
    else expect(got).toMatch(want);
    // a wrong password fails at sudo's second prompt: one retry delay (0.3 s here, 2 s in real sudo), not three
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("never sends a refused password again on that connection: the next become fails at sudo's first prompt", async () => {
    rmSync(join(dir, "nopasswd"), { force: true });
    const t = await open({ becomePassword: "wrong" });
    await expect(t.exec("true", { become: true })).rejects.toThrow(/did not accept/);
    const before = promptCount();
    await expect(t.exec("true", { become: true })).rejects.toThrow(/did not accept/);
    expect(promptCount() - before).toBe(1);
  });

  it("answers each sudo of a batch of probes, whose sections read /dev/null; prompts and OK lines leave stderr", async () => {
    rmSync(join(dir, "nopasswd"), { force: true });
    process.env.ARMGO_TEST_BECOME_PW = PASSWORD;
    try {
      const t = await open({ becomePasswordEnv: "ARMGO_TEST_BECOME_PW" });
      const b = batched([
        { script: "cat; printf one; printf err1 >&2", become: true },
        { script: "cat; printf two" },
        { script: "cat; printf three", become: "app" },
      ]);
      const r = await t.exec(b.script);
      expect(b.split(r.stdout, r.stderr)).toEqual([
        { stdout: "one", stderr: "err1", code: 0 },
        { stdout: "two", stderr: "", code: 0 },
        { stdout: "three", stderr: "", code: 0 },
      ]);
      expect(r.stderr).not.toContain(SUDO_OK);
      expect(r.stderr).not.toContain(SUDO_PROMPT.trim());
    } finally {
      delete process.env.ARMGO_TEST_BECOME_PW;
    }
  });

  it("a batch whose sudo is refused: each become section's stderr ends in the one refusal line, in seconds", async () => {
    rmSync(join(dir, "nopasswd"), { force: true });
    const t = await open({ becomePassword: "wrong" });
    const b = batched([
      { script: "echo one", become: true },
      { script: "printf two" },
      { script: "echo three", become: true },
    ]);
    const started = Date.now();
    const r = await t.exec(b.script);
    const line = "sudo on fake1 did not accept the become password for deploy — check the password given by -K";
    expect(b.split(r.stdout, r.stderr)).toEqual([
      { stdout: "", stderr: line, code: 1 },
      { stdout: "two", stderr: "", code: 0 },
      { stdout: "", stderr: line, code: 1 },
    ]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("masks the password should a command print it", async () => {
    writeFileSync(join(dir, "nopasswd"), "");
    const t = await open({ becomePassword: PASSWORD });
    const r = await t.exec(`printf '%s\\n' "$(cat ${dir}/password)"; printf '%s' "$(cat ${dir}/password)" >&2`, {
      become: true,
    });
    expect([r.stdout, r.stderr]).toEqual(["********\n", "********"]);
  });
});

describe("becomeAuth", () => {
  const rows = [
    {
      name: "-K wins",
      cfg: { becomePassword: "k", becomePasswordEnv: "PW" },
      env: { PW: "e" },
      want: { password: "k", from: "-K" },
    },
    {
      name: "from the variable",
      cfg: { becomePasswordEnv: "PW" },
      env: { PW: "e" },
      want: { password: "e", from: "$PW" },
    },
    { name: "the variable unset", cfg: { becomePasswordEnv: "PW" }, env: {}, want: { unsetEnv: "PW" } },
    { name: "none", cfg: {}, env: { PW: "e" }, want: {} },
  ];
  it.each(rows)("$name", ({ cfg, env, want }) => expect(becomeAuth(cfg, env)).toEqual(want));
  it("refuses a password with a line break: sudo would leave the rest for the command's stdin", () => {
    expect(() => becomeAuth({ becomePasswordEnv: "PW" }, { PW: "pw\n" })).toThrow(
      "$PW (become_password_env) holds a line break, and sudo reads the password as one line",
    );
  });
});

describe("connection: local", () => {
  const LOCAL: ConnectionConfig = {
    host: "box",
    address: "",
    port: 0,
    user: "",
    identityFiles: [],
    jumps: [],
    hostKeyChecking: "off",
    knownHostsFile: "",
    local: true,
  };
  it("answers sudo the same way: the password when asked, the command's stdin after", async () => {
    rmSync(join(dir, "nopasswd"), { force: true });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const right = await connect({ ...LOCAL, becomePassword: PASSWORD });
      expect((await right.exec("cat", { become: "app", stdin: "data" })).stdout).toBe("data");
      const wrong = await connect({ ...LOCAL, becomePassword: "nope" });
      await expect(wrong.exec("cat", { become: "app", stdin: "data" })).rejects.toThrow(
        /^sudo on box did not accept the become password for /,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describe("the dialogue reads sudo's prompt and OK line however stderr is cut", () => {
  const stream = `lecture\n${SUDO_PROMPT}${SUDO_OK}\nreal stderr\n`;
  const cuts = [1, 2, 5, SUDO_PROMPT.length - 1, SUDO_PROMPT.length + 3, stream.length];
  it.each(cuts.map((n) => ({ name: `chunks of ${n}`, n })))("$name", ({ n }) => {
    const io = { written: [] as string[], proceeded: 0, refused: 0 };
    const auth: BecomeAuth = { password: "pw", from: "-K" };
    const d = new SudoDialogue(
      auth,
      { write: (l) => void io.written.push(l), proceed: () => void io.proceeded++, refuse: () => void io.refused++ },
      true,
      undefined,
      String,
    );
    let out = "";
    for (let i = 0; i < stream.length; i += n) out += d.stderr(stream.slice(i, i + n));
    out += d.end();
    expect({ out, ...io, refusal: d.refusal }).toEqual({
      out: "real stderr\n",
      written: ["pw\n"],
      proceeded: 1,
      refused: 0,
      refusal: undefined,
    });
  });

  it("sudo allowed one try (passwd_tries=1): a wrong password is a refusal, not a failed command", () => {
    const d = new SudoDialogue(
      { password: "bad", from: "-K" },
      { write: () => undefined, proceed: () => undefined, refuse: () => undefined },
      true,
      undefined,
      String,
    );
    d.stderr(`${SUDO_PROMPT}`);
    d.stderr("sudo: 1 incorrect password attempt\n");
    d.end();
    expect(d.refusal).toBe("wrong");
  });
});

describe("-K", () => {
  const tty = (typed: string): TtyInput & { raw: boolean[] } => {
    const listeners: Array<(b: Buffer) => void> = [];
    const input = {
      isTTY: true,
      raw: [] as boolean[],
      setRawMode: (r: boolean) => input.raw.push(r),
      on: (_e: "data", l: (b: Buffer) => void) => void listeners.push(l),
      off: () => undefined,
      resume: () => void setTimeout(() => listeners.forEach((l) => l(Buffer.from(typed)))),
      pause: () => undefined,
    };
    return input;
  };
  it("asks once with nothing echoed (raw mode before the prompt shows, restored) and takes Backspace and Ctrl-U", async () => {
    const input = tty("x\u0015pa\u007fass word\r");
    const seen: string[] = [];
    const write = (s: string): boolean => (seen.push(`${input.raw.join(",")}|${s}`), true);
    expect(await askBecomePass(input, { write })).toBe("pass word");
    // a password typed the moment the prompt shows must find echo already off
    expect(seen).toEqual(["true|BECOME password: ", "true,false|\n"]);
  });
  it("refuses without a terminal, in one line", async () => {
    await expect(askBecomePass({ ...tty(""), isTTY: false })).rejects.toThrow(
      "-K (--ask-become-pass) asks on a terminal, and stdin is not one",
    );
  });
});

describe("who a task becomes: -b, --become-user < play < task < vars, as ansible-playbook -vvv shows it", () => {
  const task = (become?: boolean | string): Task => ({
    name: "t",
    module: "command",
    args: {},
    where: { file: "p" },
    tags: [],
    notify: [],
    ignore_errors: false,
    no_log: false,
    become,
  });
  const play = (become: boolean | string, t: Task): Play => ({
    name: "p",
    hosts: "all",
    vars: {},
    become,
    gather_facts: false,
    serial: [],
    tags: [],
    tasks: [t],
    handlers: [],
    where: { file: "p" },
  });
  type Flags = { become?: boolean; becomeUser?: string };
  type Row = {
    name: string;
    play?: boolean;
    task?: boolean;
    flags: Flags;
    vars: Record<string, unknown>;
    want: boolean | string;
    armgoOnly?: true;
  };
  const rows: Row[] = [
    { name: "-b alone", flags: { become: true }, vars: {}, want: true },
    { name: "-b --become-user", flags: { become: true, becomeUser: "clibu" }, vars: {}, want: "clibu" },
    {
      name: "inventory ansible_become_user over --become-user",
      flags: { become: true, becomeUser: "clibu" },
      vars: { ansible_become_user: "invbu" },
      want: "invbu",
    },
    {
      name: "inventory ansible_become: false over -b",
      flags: { become: true },
      vars: { ansible_become: false },
      want: false,
    },
    {
      name: "play become: false over -b",
      play: false,
      flags: { become: true, becomeUser: "clibu" },
      vars: {},
      want: false,
    },
    {
      name: "task become: true in a become: false play, with --become-user",
      play: false,
      task: true,
      flags: { become: true, becomeUser: "clibu" },
      vars: {},
      want: "clibu",
    },
    { name: "--become-user without -b changes no become", flags: { becomeUser: "clibu" }, vars: {}, want: false },
    { name: "ansible_become: true with no keyword", flags: {}, vars: { ansible_become: true }, want: true },
    { name: "a task's become: false over the play's", play: true, task: false, flags: {}, vars: {}, want: false },
    {
      name: "ansible_become_user over the play's become",
      play: true,
      flags: {},
      vars: { ansible_become_user: "app" },
      want: "app",
    },
    {
      name: "an INI inventory's ansible_become=yes (a string)",
      flags: {},
      vars: { ansible_become: "yes" },
      want: true,
    },
    {
      name: "an INI inventory's ansible_become=False over -b",
      flags: { become: true },
      vars: { ansible_become: "False" },
      want: false,
    },
    // armgo's short name beside Ansible's, as with user / ansible_user (Ansible ignores a plain become_user var)
    {
      name: "armgo's inventory become: a user, as the keyword's form",
      flags: {},
      vars: { become: "app" },
      want: "app",
      armgoOnly: true,
    },
    {
      name: "armgo's inventory become: false over the play's",
      play: true,
      flags: {},
      vars: { become: false },
      want: false,
      armgoOnly: true,
    },
    {
      name: "become_user var with the play's become",
      play: true,
      flags: {},
      vars: { become_user: "app" },
      want: "app",
      armgoOnly: true,
    },
  ];
  const armgoSays = (r: Row): boolean | string => {
    const p = applyBecomeFlags(play(r.play ?? false, task(r.task)), r.play !== undefined, r.flags);
    return becomeWithVars(p.tasks[0]!.become ?? p.become, r.vars);
  };
  it.each(rows)("$name", (r) => expect(armgoSays(r)).toBe(r.want));

  // one ansible-playbook run per set of flags: a host and a play per row, and the sudo line -vvv shows for it
  it("ansible-playbook agrees on every row but armgo's own become_user var", { timeout: 120_000 }, async () => {
    const oracle = mkdtempSync(join(tmpdir(), "armgo-become-oracle-"));
    // Ansible (as armgo) runs no sudo to become the user it already is: the default become user is
    // renamed so that `true` shows as a sudo line too
    writeFileSync(join(oracle, "ansible.cfg"), "[privilege_escalation]\nbecome_user = default-user\n");
    try {
      const compared = rows.filter((r) => !r.armgoOnly);
      const groups = new Map<string, Row[]>();
      for (const r of compared)
        groups.set(JSON.stringify(r.flags), [...(groups.get(JSON.stringify(r.flags)) ?? []), r]);
      const ansible = new Map<Row, boolean | string>();
      for (const [key, group] of groups) {
        const flags = JSON.parse(key) as Flags;
        const id = (r: Row): string => `r${rows.indexOf(r)}`;
        const inv = {
          all: { vars: { ansible_connection: "local" }, hosts: Object.fromEntries(group.map((r) => [id(r), r.vars])) },
        };
        const plays = group.map((r) => ({
          hosts: id(r),
          gather_facts: false,
          ...(r.play !== undefined ? { become: r.play } : {}),
          tasks: [{ raw: "id -un", ignore_errors: true, ...(r.task !== undefined ? { become: r.task } : {}) }],
        }));
        writeFileSync(join(oracle, "inv.json"), JSON.stringify(inv));
        writeFileSync(join(oracle, "p.json"), JSON.stringify(plays));
        const args = [
          "-i",
          "inv.json",
          "p.json",
          "-vvv",
          ...(flags.become ? ["-b"] : []),
          ...(flags.becomeUser ? ["--become-user", flags.becomeUser] : []),
        ];
        const out = (await ansiblePlaybook(args, oracle)).stdout;
        for (const r of group) {
          const exec = new RegExp(`^<${id(r)}> EXEC (.*)$`, "m").exec(out)?.[1];
          if (exec === undefined) throw new Error(`no EXEC line for ${id(r)} in ansible's output:\n${out}`);
          const user = /^sudo .*-u (\S+) /.exec(exec)?.[1];
          ansible.set(r, user === undefined ? false : user === "default-user" ? true : user);
        }
      }
      expect(compared.map((r) => [r.name, armgoSays(r)])).toEqual(compared.map((r) => [r.name, ansible.get(r)]));
    } finally {
      rmSync(oracle, { recursive: true, force: true });
    }
  });
});

describe("a probe that sudo refused fails as a plain command task does, on every probe path", () => {
  const SUM = "sha256:" + "0".repeat(64);
  const rows = [
    { name: "the probe sent with the facts", gather: true },
    { name: "a batch of probes on their own", gather: false },
  ];
  it.each(rows)("$name", async ({ gather }) => {
    rmSync(join(dir, "nopasswd"), { force: true });
    const { dir: d, run } = setup(
      `
- hosts: g
  gather_facts: ${gather}
  become: true
  vars: { become_user: app }
  tasks:
    - name: sum
      checksum: { path: DIR/f, checksum: "${SUM}" }
      ignore_errors: true
    - name: plain
      command: "true"
      ignore_errors: true
`,
      ["h1"],
    );
    writeFileSync(join(d, "f"), "x");
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const r = await run();
      expect(r.of("h1", "plain")!.msg).toMatch(
        /^h1: sudo on h1 wants a password for \S+ — give it with -K \(--ask-become-pass\)/,
      );
      expect(r.of("h1", "sum")).toMatchObject({ status: "failed", msg: r.of("h1", "plain")!.msg });
      // sudo asked (the fake counts its prompts), nothing was run as app
      expect(readFileSync(prompts, "utf8").length).toBeGreaterThan(0);
    } finally {
      process.env.PATH = path;
    }
  });
});
