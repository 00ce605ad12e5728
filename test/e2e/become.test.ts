// become with a password, right and wrong, on real sudo behind real sshd: the lab's deploy user gets a
// password and a sudo rule without NOPASSWD (no image rebuilt); armgo connects as deploy (-u,
// --private-key) and sudo asks. The password never shows in the audit logs, events, -vvv or `ps`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/transport/connect.js";
import { quote } from "../../src/transport/quote.js";
import { armgo, CLI, recap } from "./cli.js";
import { type Fleet, startFleet } from "./fleet.js";

const PW_ENV = "ARMGO_E2E_BECOME_PW";
// chosen here, with what a shell or YAML would trip on
const PASSWORD = `pw '${randomBytes(6).toString("hex")}" $HOME`;
const TARGET = "/etc/armgo-become/target";

describe("become with a sudo password on 3 amd64 hosts and 1 arm64 host", () => {
  let fleet: Fleet;
  const dir = mkdtempSync(join(tmpdir(), "armgo-e2e-become-"));
  const inventory = join(dir, "hosts.yaml");
  const rootInventory = join(dir, "hosts-root.yaml");
  const auditDir = join(dir, "audit");
  const outputs: string[] = [];

  // sorted, as the fatal lines are compared sorted
  const names = () => fleet.hosts.map((h) => ({ name: h.name })).sort((a, b) => a.name.localeCompare(b.name));
  // what needs no arm64 to show (one connection's concurrency, the process list) runs on a native host
  const amd64 = () => fleet.hosts.find((h) => h.arch === "amd64")!;
  const play = async (
    file: string,
    args: string[],
    env: NodeJS.ProcessEnv = { [PW_ENV]: PASSWORD },
    inv = inventory,
  ) => {
    const r = await armgo(
      [
        "play",
        join(dir, file),
        "-i",
        inv,
        "-u",
        "deploy",
        "--private-key",
        fleet.keyPath,
        "--audit-dir",
        auditDir,
        ...args,
      ],
      { env },
    );
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    fleet = await startFleet({ amd64: 3, arm64: 1 });
    // deploy gets the password and a sudo rule without NOPASSWD: the images stay as they are
    await Promise.all(
      fleet.hosts.map(async (h) => {
        const r = await fleet.exec(
          h.name,
          [
            `printf '%s\\n' ${quote(`deploy:${PASSWORD}`)} | chpasswd`,
            "echo 'deploy ALL=(ALL:ALL) ALL' > /etc/sudoers.d/deploy",
            "install -d -m 755 /etc/armgo-become",
            `echo old > ${TARGET}`,
          ].join(" && "),
        );
        expect(r).toMatchObject({ code: 0 });
      }),
    );
    // no user, no identity_file: -u and --private-key say them; the password's variable is named
    const hosts = Object.fromEntries(fleet.hosts.map((h) => [h.name, { host: "127.0.0.1", port: h.port }]));
    const vars = { known_hosts: fleet.knownHostsPath, become_password_env: PW_ENV };
    writeFileSync(inventory, JSON.stringify({ all: { vars, hosts } }));
    writeFileSync(rootInventory, JSON.stringify({ all: { vars: { ...vars, user: "root" }, hosts } }));
    writeFileSync(
      join(dir, "write.yaml"),
      [
        "- hosts: all",
        "  become: true",
        "  tasks:",
        "    - name: who reads, through sudo, with the probes",
        "      command: id -un",
        "      changed_when: false",
        "      check_mode: false",
        "    - name: write a root-owned file from stdin",
        `      command: { cmd: "cat > ${TARGET}; stat -c %U ${TARGET}", stdin: "new" }`,
        "",
      ].join("\n"),
    );
    // read-only (its line shows the first line of its output), and sent with the probes
    writeFileSync(
      join(dir, "whoami.yaml"),
      "- hosts: all\n  tasks:\n    - command: id -un\n      changed_when: false\n      check_mode: false\n",
    );
    writeFileSync(join(dir, "sleep.yaml"), "- hosts: all\n  become: true\n  tasks:\n    - command: sleep 4\n");
  });

  afterAll(async () => {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the right password (become_password_env): sudo asks, armgo answers, the root-owned file changes", async () => {
    const r = await play("write.yaml", ["-v"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const h of fleet.hosts) {
      expect(recap(r.stdout)[h.name]).toMatchObject({ ok: 3, changed: 1, failed: 0 });
      expect(r.stdout).toContain(`ok: [${h.name}] root`);
      expect((await fleet.exec(h.name, `cat ${TARGET}; stat -c %U ${TARGET}`)).stdout).toBe("new\nroot\n");
    }
  });

  // the first task is read-only: it runs in the batch of probes, and its refused sudo section fails it with
  // the transport's own line, as a task's own command does (no longer the section's exit code)
  it("a wrong password: one line per host, exit 2, in seconds", async () => {
    const started = Date.now();
    const r = await play("write.yaml", [], { [PW_ENV]: "not-the-password" });
    expect(r.code).toBe(2);
    expect(
      r.stdout
        .split("\n")
        .filter((l) => l.startsWith("fatal:"))
        .sort(),
    ).toEqual(
      names().map(
        (h) =>
          `fatal: [${h.name}]: FAILED! ${h.name}: sudo on ${h.name} did not accept the become password for deploy — check the password given by $${PW_ENV}`,
      ),
    );
    // sudo waits about 2 s after a wrong password; armgo stops at its second prompt
    expect(Date.now() - started).toBeLessThan(20_000);
    // the same in a task's own command, the transport's error
    const own = await play("sleep.yaml", [], { [PW_ENV]: "not-the-password" });
    expect(own.code).toBe(2);
    expect(
      own.stdout
        .split("\n")
        .filter((l) => l.startsWith("fatal:"))
        .sort(),
    ).toEqual(
      names().map(
        (h) =>
          `fatal: [${h.name}]: FAILED! ${h.name}: sudo on ${h.name} did not accept the become password for deploy — check the password given by $${PW_ENV}`,
      ),
    );
  });

  it("no password where sudo asks: one line naming -K and become_password_env", async () => {
    const r = await play("write.yaml", [], {});
    expect(r.code).toBe(2);
    expect(
      r.stdout
        .split("\n")
        .filter((l) => l.startsWith("fatal:"))
        .sort(),
    ).toEqual(
      names().map(
        (h) =>
          `fatal: [${h.name}]: FAILED! ${h.name}: sudo on ${h.name} wants a password for deploy — become_password_env names ${PW_ENV}, which is not set in armgo's environment`,
      ),
    );
  });

  it("no password, the become in a task's own command (not with the probes): the transport's one line", async () => {
    const r = await play("sleep.yaml", [], {});
    expect(r.code).toBe(2);
    expect(
      r.stdout
        .split("\n")
        .filter((l) => l.startsWith("fatal:"))
        .sort(),
    ).toEqual(
      names().map(
        (h) =>
          `fatal: [${h.name}]: FAILED! ${h.name}: sudo on ${h.name} wants a password for deploy — become_password_env names ${PW_ENV}, which is not set in armgo's environment`,
      ),
    );
  });

  it("one connection: 20 become execs at once, each sudo answered, and a put under become lands as root", async () => {
    const h = amd64();
    const t = await connect({
      host: h.name,
      address: "127.0.0.1",
      port: h.port,
      user: "deploy",
      identityFiles: [fleet.keyPath],
      jumps: [],
      hostKeyChecking: "strict",
      knownHostsFile: fleet.knownHostsPath,
      becomePassword: PASSWORD,
    });
    try {
      const runs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => t.exec(`cat; echo " $(id -un) ${i}"`, { become: true, stdin: `in${i}` })),
      );
      expect(runs.map((r) => [r.code, r.stdout, r.stderr])).toEqual(
        Array.from({ length: 20 }, (_, i) => [0, `in${i} root ${i}\n`, ""]),
      );
      const local = join(dir, "put.txt");
      writeFileSync(local, "put as root\n");
      await t.put(local, "/etc/armgo-become/put.txt", { become: true, mode: 0o640 });
      expect(
        (await fleet.exec(h.name, "cat /etc/armgo-become/put.txt; stat -c '%U %a' /etc/armgo-become/put.txt")).stdout,
      ).toBe("put as root\nroot 640\n");
    } finally {
      await t.close();
    }
  });

  it("-b --become-user nobody: the task runs as nobody", async () => {
    const r = await play("whoami.yaml", ["-b", "--become-user", "nobody"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const h of fleet.hosts) expect(r.stdout).toContain(`ok: [${h.name}] nobody`);
  });

  it("-u deploy connects as deploy where the inventory names no user; the inventory's user wins over -u", async () => {
    const asDeploy = await play("whoami.yaml", []);
    const asRoot = await play("whoami.yaml", [], {}, rootInventory);
    for (const h of fleet.hosts) {
      expect(asDeploy.stdout).toContain(`ok: [${h.name}] deploy`);
      expect(asRoot.stdout).toContain(`ok: [${h.name}] root`);
    }
  });

  it("-K without a terminal is refused in one line, nothing contacted (exit 5)", async () => {
    const r = await play("whoami.yaml", ["-K"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      "ERROR: -K (--ask-become-pass) asks on a terminal, and stdin is not one — put the password in an environment variable and name that variable with become_password_env in the inventory\n",
    );
  });

  it("-K on a terminal: asked once, then the play runs with it", async () => {
    // script(1) gives armgo a pty; the password is typed only once the prompt is up (raw mode, no echo)
    const args = [
      "play",
      join(dir, "whoami.yaml"),
      "-i",
      inventory,
      "-u",
      "deploy",
      "--private-key",
      fleet.keyPath,
      "-b",
      "-K",
      "--audit-dir",
      auditDir,
    ];
    const child = spawn("script", ["-qec", [process.execPath, CLI, ...args].map(quote).join(" "), "/dev/null"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    let typed = false;
    const code = await new Promise<number>((resolve) => {
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        if (!typed && out.includes("BECOME password: ")) {
          typed = true;
          child.stdin.write(`${PASSWORD}\r`);
        }
      });
      child.on("close", (c) => resolve(c ?? -1));
    });
    outputs.push(out);
    expect(code, out).toBe(0);
    expect(out.match(/BECOME password: /g)).toHaveLength(1);
    for (const h of fleet.hosts) expect(out).toContain(`ok: [${h.name}] root`);
  });

  it("the password is nowhere: not in audit logs, --json events, -vvv output, nor in the host's process list", async () => {
    const json = await play("write.yaml", ["--json", "-vvv"]);
    expect(json.code, json.stderr).toBe(0);
    // while sudo runs a task on the host, its command line is there for every user to read
    const running = play("sleep.yaml", ["-vvv"]);
    let ps = "";
    for (let i = 0; i < 40 && !ps.includes("sleep 4"); i++) {
      await new Promise((r) => setTimeout(r, 250));
      ps = (await fleet.exec(amd64().name, "ps -eo args")).stdout;
    }
    expect(ps).toContain("sudo -S -p");
    expect((await running).code).toBe(0);
    const audit = readdirSync(auditDir).map((f) => readFileSync(join(auditDir, f), "utf8"));
    expect(audit.length).toBeGreaterThan(0);
    for (const text of [ps, ...outputs, ...audit]) expect(text).not.toContain(PASSWORD);
    // and still nothing under the secret's other forms, were it quoted into a script or JSON
    for (const text of [...outputs, ...audit]) expect(text).not.toContain(JSON.stringify(PASSWORD).slice(1, -1));
  });
});
