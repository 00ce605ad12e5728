// The fault suite's controller signals, one row per module step (issue 20): on 2 amd64 hosts that
// converge Go with the go role as deploy under sudo (one of them with dash as the login shell),
// armgo gets SIGTERM or SIGKILL while a step is held open on purpose (a loopback server that stops
// midway, or a tool that waits on a marker), and the state afterwards is asserted: the previous Go and
// profile intact and serving, nothing of the step left running, the audit log's word for it, and a
// next run that converges and leaves no temp behind.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HOST_LOCK_PATH } from "../../src/lock/host-lock.js";
import { ensureControllerGo } from "../../src/lab/controller-go.js";
import { armgo, CLI, recap } from "./cli.js";
import { type Fleet, startFleet } from "./fleet.js";
import { HELLO } from "./hello-fleet.js";

// the go role, then a command that can be held; `fault-hold NAME` waits while /run/fault-hold/NAME exists
const PLAYBOOK = `- hosts: all
  become: true
  vars:
    go_version: "1.22.12"
  roles: [go]
  tasks:
    - name: a long command
      command: { cmd: "fault-hold command && mkdir -p /opt/fault && touch /opt/fault/after", creates: /opt/fault/after }
- hosts: all
  tasks:
    - name: the user's own profile
      env-profile: { name: gouser, scope: user, gopath: $HOME/gouser }
`;

// installed on every host: the hold, and tools that take it only in the step a row holds
const HOLD_TOOLS = String.raw`mkdir -p /run/fault-hold
cat > /usr/local/bin/fault-hold <<'EOF'
#!/bin/sh
[ -e "/run/fault-hold/$1" ] || exit 0
echo $$ > "/run/fault-hold/$1.held"
while [ -e "/run/fault-hold/$1" ]; do sleep 0.1; done
EOF
cat > /usr/local/bin/tar <<'EOF'
#!/bin/sh
case "$1" in -x*) fault-hold tar ;; esac
exec /usr/bin/tar "$@"
EOF
cat > /usr/local/bin/base64 <<'EOF'
#!/bin/sh
case " $* " in *" -d "*) fault-hold base64 ;; esac
exec /usr/bin/base64 "$@"
EOF
chmod 755 /usr/local/bin/fault-hold /usr/local/bin/tar /usr/local/bin/base64
# sftp-server as the login user: held, its first MiB goes through and the rest is swallowed until the channel closes
chmod 1777 /run/fault-hold
mv /usr/lib/openssh/sftp-server /usr/lib/openssh/sftp-server.real
cat > /usr/lib/openssh/sftp-server <<'E'
#!/bin/sh
[ -e /run/fault-hold/sftp ] || exec /usr/lib/openssh/sftp-server.real "$@"
perl -e 'my $n = 0; while (sysread(STDIN, my $b, 65536)) { next if $n >= 1 << 20; $n += length $b; syswrite(STDOUT, $b); if ($n >= 1 << 20) { open(my $f, ">", "/run/fault-hold/sftp.held"); close $f } }' | /usr/lib/openssh/sftp-server.real "$@"
E
chmod 755 /usr/lib/openssh/sftp-server`;

// what a step leaves running: its tools, the hold, and any script naming armgo's paths ([x] keeps this one out)
const LEFTOVERS = `for p in /proc/[0-9]*; do tr '\\0' ' ' < "$p/cmdline"; echo; done 2>/dev/null | grep -E '[a]rmgo|[f]ault-hold|[c]url |[t]ar -x|[b]ase64 -d|[s]ftp-server|[p]erl -e' || true`;

// temps a run makes beside what it changes; none may be left once a run has converged
const TEMPS = `ls -a /usr/local /var/cache/armgo /etc/profile.d /home/deploy | grep -E '[.]armgo-extract|[.]part|armgo-tmp' || true`;

const DRIFT = `sed -i 's|^export GOPATH=.*|export GOPATH=/drifted|' /etc/profile.d/go.sh`;

interface Row {
  name: string;
  signal: "SIGTERM" | "SIGKILL";
  /** The task the run is cut in (its TASK header is the last one printed). */
  task: string;
  /** The Go version the run asks for; absent: the one in place. */
  version?: string;
  /** Root shell on every host before the run. */
  before?: string;
  /** A path the loopback server holds after its first bytes (`hosts`: how many fetch it), or a tool's hold. */
  hold: { path: string; fetchers: "controller" | "hosts" } | { tool: string };
  /** Root shell on every host after the cut, and what it prints. */
  intact?: { script: string; stdout: string };
}

const PROFILE = "/etc/profile.d/go.sh";

// hello onto each amd64 host as a release (deploy.yaml's task, built for amd64): the upload is what a row holds
const DEPLOY = `- hosts: all
  become: true
  tasks:
    - name: deploy hello {{ hello_version }}
      deploy:
        app: hello
        app_dir: /opt/hello
        build: { package: "{{ hello_dir }}", go: "{{ go }}", goos: linux, goarch: amd64, ldflags: "-s -w -X main.version={{ hello_version }}" }
        precheck: ./hello -version
        service:
          type: command
          start: HELLO_PORT={{ hello_port }} nohup ./current/hello > hello.log 2>&1 & echo $! > hello.pid
          pidfile: /opt/hello/hello.pid
        health: { http: "http://127.0.0.1:{{ hello_port }}/healthz", body: OK, retries: 30, interval: 1, timeout: 30 }
`;

const deployRows = [
  { signal: "SIGTERM", version: "2.0.0" },
  { signal: "SIGKILL", version: "3.0.0" },
] as const;
/** A step's two rows: SIGTERM, then SIGKILL; a versioned step asks for 1.23.5, then back to 1.22.12. */
const both = (
  name: string,
  task: string,
  row: (version: string) => Pick<Row, "before" | "hold" | "intact">,
  versioned = true,
): Row[] =>
  (
    [
      ["SIGTERM", "1.23.5"],
      ["SIGKILL", "1.22.12"],
    ] as const
  ).map(([signal, version]) => ({ name, signal, task, ...(versioned ? { version } : {}), ...row(version) }));

const rows: Row[] = [
  ...both("go-release: the feed fetched on the controller", "go : resolve the Go release", () => ({
    hold: { path: "/feed.json", fetchers: "controller" },
  })),
  ...both("download: the archive fetched by each host", "go : download the archive", (v) => ({
    before: `rm -f /var/cache/armgo/go${v}*`,
    hold: { path: `/go${v}.linux-amd64.tar.gz`, fetchers: "hosts" },
    intact: { script: `ls /var/cache/armgo | grep -c '^go${v}.*tar.gz$' || true`, stdout: "0\n" },
  })),
  ...both("extract: tar unpacking beside the link", "go : install the toolchain", (v) => ({
    before: `rm -rf /usr/local/go-${v}`,
    hold: { tool: "tar" },
  })),
  ...both(
    "env-profile: the profile written to its temp",
    "go : environment for login shells",
    () => ({
      before: DRIFT,
      hold: { tool: "base64" },
      intact: { script: `grep -c '^export GOPATH=/drifted$' ${PROFILE}`, stdout: "1\n" },
    }),
    false,
  ),
  ...both(
    "command: a long command under sudo",
    "a long command",
    () => ({
      before: "rm -f /opt/fault/after",
      hold: { tool: "command" },
      intact: { script: "ls /opt/fault", stdout: "" },
    }),
    false,
  ),
];

/** Polls `done` for up to 120 s; armgo ending first (`ended`) is a failure that shows what it printed. */
async function until(what: string, done: () => Promise<boolean>, out: () => string, ended = () => false) {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    if (await done()) return;
    if (ended()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen; armgo printed:\n${out()}`);
}

// armgo processes a test started: one its signal did not end (a failed test) is killed before the next test
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
});

/** armgo started in the background: what it printed so far, whether it ended, and how. */
function started(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: "1", ...env } });
  children.add(child);
  let stdout = "";
  let ended = false;
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  void exit.then(() => (ended = true));
  return { child, exit, stdout: () => stdout, ended: () => ended };
}

/** The lab mirror through a loopback proxy that can hold a path open after its first bytes. */
async function holdingMirror(upstream: string) {
  const held = new Set<string>();
  const waiting = new Map<string, number>();
  const open: Array<{ res: ServerResponse; up: IncomingMessage }> = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    const headers = req.headers.range ? { range: req.headers.range } : {};
    request(`${upstream}${path}`, { headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (!held.has(path)) return void up.pipe(res);
      // held: the headers, then not a byte until released (a small feed would arrive whole in one chunk)
      res.flushHeaders();
      open.push({ res, up });
      waiting.set(path, (waiting.get(path) ?? 0) + 1);
    }).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold(path: string) {
      held.add(path);
      waiting.set(path, 0);
    },
    waiting: (path: string) => waiting.get(path) ?? 0,
    release() {
      held.clear();
      for (const o of open.splice(0)) {
        o.up.destroy();
        o.res.destroy();
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe("SIGTERM and SIGKILL at each step of the go role on 2 amd64 hosts, as deploy under sudo, one with dash as login shell", () => {
  let fleet: Fleet;
  let mirror: Awaited<ReturnType<typeof holdingMirror>>;
  let dashHost: string;
  let current = "1.22.12";
  const dir = mkdtempSync(join(tmpdir(), "armgo-e2e-signals-"));
  const playbook = join(dir, "go.yaml");
  writeFileSync(playbook, PLAYBOOK);
  const args = (auditDir: string, version: string, book = playbook) => [
    "play",
    book,
    "-i",
    fleet.inventoryPath,
    "-e",
    "user=deploy",
    "-e",
    `go_mirror=${mirror.url}`,
    "-e",
    `go_version=${version}`,
    "--audit-dir",
    auditDir,
  ];
  const hosts = () => fleet.hosts.map((h) => h.name);
  const onAll = async (script: string) => Promise.all(hosts().map((h) => fleet.exec(h, script)));
  const stdoutOnAll = async (script: string) => (await onAll(script)).map((r) => r.stdout);
  const loginGo = () => stdoutOnAll("su - deploy -c 'go version'");

  /** How a cut run ended: SIGTERM released each host's lock; the audit log's word for it. */
  const runEnded = async (signal: "SIGTERM" | "SIGKILL", auditDir: string) => {
    if (signal === "SIGTERM")
      expect(await stdoutOnAll(`test -e ${HOST_LOCK_PATH} && echo held || echo released`)).toEqual(
        hosts().map(() => "released\n"),
      );
    const audit = await armgo(["audit", "--failed", "--audit-dir", auditDir]);
    for (const h of hosts())
      expect(audit.stdout).toMatch(
        signal === "SIGTERM"
          ? new RegExp(`${h}\\s+interrupted\\s+run interrupted — `)
          : new RegExp(`${h}\\s+cut\\s+run cut — no run_end: armgo was killed`),
      );
  };

  beforeAll(async () => {
    fleet = await startFleet({ amd64: 2 });
    mirror = await holdingMirror(fleet.mirrorUrl);
    dashHost = hosts()[1]!;
    await onAll(HOLD_TOOLS);
    await fleet.exec(dashHost, "usermod -s /bin/dash deploy");
  });
  // every hold ends with its row, passed or not: a hold left would stall the rows after it
  const release = async () => {
    mirror?.release();
    if (fleet) await onAll("rm -f /run/fault-hold/*");
  };
  afterEach(release);
  afterAll(async () => {
    await mirror?.close();
    await fleet?.stop();
  });

  it("a dash login shell for the SSH user: the go role and a user profile converge, and the PATH reaches bash's and dash's login shells", async () => {
    expect(await stdoutOnAll("getent passwd deploy | cut -d: -f7")).toEqual(["/bin/bash\n", "/bin/dash\n"]);
    const first = await armgo(args(join(dir, "audit-dash"), current));
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await loginGo()).toEqual(hosts().map(() => "go version go1.22.12 linux/amd64\n"));
    // the user's block goes where the login shell reads it: .profile for dash, bash's first of its three
    expect(
      await stdoutOnAll("cd /home/deploy && grep -l 'BEGIN armgo gouser' .bash_profile .profile 2>/dev/null"),
    ).toEqual([".profile\n", ".profile\n"]);
    expect(await stdoutOnAll("su - deploy -c 'echo $GOPATH'")).toEqual(hosts().map(() => "/home/deploy/gouser\n"));
    const again = await armgo([...args(join(dir, "audit-dash"), current), "--json"]);
    const summary = JSON.parse(again.stdout.trim().split("\n").pop()!);
    for (const h of hosts()) expect(summary.recap[h]).toMatchObject({ changed: 0, failed: 0 });
  });

  it.each(rows)("$signal during $name", async (row) => {
    const version = row.version ?? current;
    const auditDir = join(dir, `audit-${row.task.replaceAll(" ", "-")}-${row.signal}`);
    if (row.before) await onAll(row.before);
    // both hosts in the run (their facts logged) and the step held on each, before the signal
    const logged = () =>
      hosts().every(
        (h) =>
          existsSync(join(auditDir, `${h}.jsonl`)) &&
          readFileSync(join(auditDir, `${h}.jsonl`), "utf8").includes("Gathering Facts"),
      );
    const stepHeld = (): Promise<boolean> =>
      "path" in row.hold
        ? Promise.resolve(mirror.waiting(row.hold.path) >= (row.hold.fetchers === "hosts" ? hosts().length : 1))
        : onAll(`test -e /run/fault-hold/${row.hold.tool}.held`).then((rs) => rs.every((r) => r.code === 0));
    const held = async () => logged() && (await stepHeld());
    if ("path" in row.hold) mirror.hold(row.hold.path);
    else await onAll(`touch /run/fault-hold/${row.hold.tool}`);
    const intactBefore = row.intact && (await stdoutOnAll(row.intact.script));

    const run = started(args(auditDir, version));
    await until(`the hold of ${row.name}`, held, run.stdout, run.ended);
    run.child.kill(row.signal);
    const r = await run.exit;
    const stdout = run.stdout();

    // SIGTERM: cut in the row's step, whose header is the last one printed (SIGKILL may cut it before the header)
    if (row.signal === "SIGTERM") {
      expect([...stdout.matchAll(/^TASK \[(.*)\]/gm)].pop()?.[1], stdout).toBe(row.task);
      expect(r.code, stdout).toBe(99);
    } else expect(r.signal).toBe("SIGKILL");
    // nothing of the step runs once armgo is gone (after SIGKILL: once sshd has seen the connection close)
    if (row.signal === "SIGKILL")
      await until(
        "the end of the step's processes",
        async () => (await stdoutOnAll(LEFTOVERS)).every((s) => s === ""),
        run.stdout,
      );
    expect(await stdoutOnAll(LEFTOVERS)).toEqual(["", ""]);
    await release();

    // the previous Go serves in bash's and dash's login shells; what the step was changing is as it was
    expect(await stdoutOnAll("readlink /usr/local/go")).toEqual(hosts().map(() => `go-${current}\n`));
    expect(await loginGo()).toEqual(hosts().map(() => `go version go${current} linux/amd64\n`));
    if (row.intact) {
      expect(intactBefore).toEqual(hosts().map(() => row.intact!.stdout));
      expect(await stdoutOnAll(row.intact.script)).toEqual(intactBefore);
    }
    await runEnded(row.signal, auditDir);

    // the next run converges (a stale lock taken over, a .part resumed) and leaves no temp behind
    const next = await armgo(args(auditDir, version));
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(Object.values(recap(next.stdout)).map((c) => c.failed)).toEqual([0, 0]);
    current = version;
    expect(await loginGo()).toEqual(hosts().map(() => `go version go${current} linux/amd64\n`));
    expect(await stdoutOnAll("su - deploy -c 'echo $GOPATH'")).toEqual(hosts().map(() => "/home/deploy/gouser\n"));
    expect(await stdoutOnAll(`grep -c '^export GOPATH=/drifted$' ${PROFILE} || true`)).toEqual(["0\n", "0\n"]);
    expect(await stdoutOnAll("ls /opt/fault")).toEqual(["after\n", "after\n"]);
    expect(await stdoutOnAll(TEMPS)).toEqual(["", ""]);
  });

  describe("deploy's upload over SSH (sftp-server held after the first MiB)", () => {
    const deployBook = join(dir, "deploy.yaml");
    writeFileSync(deployBook, DEPLOY);
    let go: string;
    let serving = "1.0.0";
    const deployArgs = (auditDir: string, version: string) => [
      ...args(auditDir, version, deployBook),
      ...["-e", `go=${go}`, "-e", `hello_dir=${HELLO}`, "-e", `hello_version=${version}`],
    ];
    // what serves on each host (its hello_port from the inventory), current, the release dirs, releases.json
    const deployed = async () => {
      const inv = parse(readFileSync(fleet.inventoryPath, "utf8")) as {
        all: { children: { amd64: { hosts: Record<string, { hello_port: number }> } } };
      };
      return Promise.all(
        hosts().map(async (h) => {
          const port = inv.all.children.amd64.hosts[h]!.hello_port;
          const r = await fleet.exec(
            h,
            `curl -s 127.0.0.1:${port}/; readlink /opt/hello/current; ls -a /opt/hello/releases | tr '\\n' ' '; echo; cat /opt/hello/releases.json`,
          );
          const [answer, current, dirs, ...json] = r.stdout.split("\n");
          const manifest = JSON.parse(json.join("\n")) as {
            current: string;
            releases: Array<{ sha: string; status: string }>;
          };
          return { answer, current, dirs: dirs!.trim().split(" "), manifest };
        }),
      );
    };

    beforeAll(async () => {
      go = await ensureControllerGo();
      const first = await armgo(deployArgs(join(dir, "audit-deploy"), serving));
      expect(first.code, first.stdout + first.stderr).toBe(0);
    });

    it.each(deployRows)("$signal during the upload of release $version", async (row) => {
      const auditDir = join(dir, `audit-deploy-${row.signal}`);
      const before = await deployed();
      expect(before.map((d) => d.answer)).toEqual(hosts().map(() => `hello ${serving}`));
      await onAll("touch /run/fault-hold/sftp");
      const run = started(deployArgs(auditDir, row.version));
      await until(
        "the upload held on both hosts",
        async () => (await onAll("test -e /run/fault-hold/sftp.held")).every((r) => r.code === 0),
        run.stdout,
        run.ended,
      );
      run.child.kill(row.signal);
      const r = await run.exit;
      const stdout = run.stdout();
      if (row.signal === "SIGTERM") {
        expect(r.code, stdout).toBe(99);
        expect([...stdout.matchAll(/^TASK \[(.*)\]/gm)].pop()?.[1], stdout).toBe(`deploy hello ${row.version}`);
        for (const h of hosts()) expect(stdout).toContain(`fatal: [${h}]: FAILED! interrupted (SIGINT/SIGTERM)`);
      } else expect(r.signal).toBe("SIGKILL");
      // sftp-server ends with its channel: at once after SIGTERM, once sshd sees the connection close after SIGKILL
      await until(
        "the end of sftp-server",
        async () => (await stdoutOnAll(LEFTOVERS)).every((o) => o === ""),
        run.stdout,
      );
      await release();

      // the previous release current and serving; the new one neither a directory nor a good entry
      const after = await deployed();
      for (const [i, a] of after.entries()) {
        const b = before[i]!;
        expect(a.answer).toBe(`hello ${serving}`);
        expect(a.current).toBe(b.current);
        expect(a.manifest.current).toBe(b.manifest.current);
        const good = (d: typeof a) => d.manifest.releases.filter((x) => x.status === "good").map((x) => x.sha);
        expect(good(a)).toEqual(good(b));
        for (const x of a.manifest.releases.filter((x) => !b.manifest.releases.some((y) => y.sha === x.sha)))
          expect(x.status).toBe("unfinished");
        expect(a.dirs.filter((d) => !b.dirs.includes(d) && !d.startsWith(".staging-"))).toEqual([]);
      }
      await runEnded(row.signal, auditDir);

      // the next run uploads the release whole, switches to it and leaves no staging directory
      const next = await armgo(deployArgs(auditDir, row.version));
      expect(next.code, next.stdout + next.stderr).toBe(0);
      serving = row.version;
      for (const a of await deployed()) {
        expect(a.answer).toBe(`hello ${serving}`);
        expect(a.manifest.releases.find((x) => x.sha === a.manifest.current)?.status).toBe("good");
        expect(a.dirs.filter((d) => d.startsWith(".staging-"))).toEqual([]);
      }
    });
  });
});

// a dpkg-deb that waits while HOLD exists when it unpacks (after apt-get update and download, mid-tree)
const DPKG_DEB_HOLD = (hold: string) => `#!/bin/sh
if [ "$1" = -x ] && [ -e ${hold} ]; then echo $$ > ${hold}.held; while [ -e ${hold} ]; do sleep 0.1; done; fi
exec /usr/bin/dpkg-deb "$@"
`;

// the sysroot a row starts from and the one it asks for: a recipe not built yet, so the run builds it
const SYSROOT_PLAYBOOK = (libs: string[]) => `- hosts: build
  tasks:
    - name: the sysroot
      sysroot: { path: "{{ sysroot }}", libs: ${JSON.stringify(libs)} }
`;

const sysrootRows = (["SIGTERM", "SIGKILL"] as const).map((signal, i) => ({
  signal,
  from: i === 0 ? [] : ["zlib"],
  to: i === 0 ? ["zlib"] : [],
}));

describe("SIGTERM and SIGKILL during the sysroot build on the controller (real apt-get and dpkg-deb, the machine's Debian mirror)", () => {
  const dir = mkdtempSync(join(tmpdir(), "armgo-e2e-signals-sysroot-"));
  const cache = join(dir, "cache");
  const bin = join(dir, "bin");
  const hold = join(dir, "hold");
  const sysroot = join(dir, "sysroots", "arm64-glibc");
  const inventory = join(dir, "inventory.yaml");
  const env = { ARMGO_CACHE: cache, PATH: `${bin}:${process.env.PATH}` };
  writeFileSync(inventory, "all:\n  hosts:\n    build: { connection: local }\n");
  mkdirSync(bin);
  writeFileSync(join(bin, "dpkg-deb"), DPKG_DEB_HOLD(hold), { mode: 0o755 });
  const args = (libs: string[], auditDir: string) => {
    const playbook = join(dir, `sysroot-${libs.join("-") || "libc"}.yaml`);
    writeFileSync(playbook, SYSROOT_PLAYBOOK(libs));
    return ["play", playbook, "-i", inventory, "-e", `sysroot=${sysroot}`, "--audit-dir", auditDir];
  };
  // every process of the build: its cmdline or its working directory under this test's directory
  const buildProcesses = () =>
    execFileSync("sh", [
      "-c",
      `for p in /proc/[0-9]*; do { tr '\\0' ' ' < $p/cmdline; echo " cwd=$(readlink $p/cwd)"; } 2>/dev/null; done | grep -F ${dir} | grep -v grep || true`,
    ]).toString();
  const built = () => readdirSync(cache).filter((n) => n.startsWith("sysroot-"));
  const beside = () => readdirSync(join(dir, "sysroots")).sort();
  // usable: the cross gcc compiles and links a C program against the tree, with its env.sh
  const usable = () =>
    execFileSync("sh", [
      "-c",
      `. ${sysroot}.env.sh && echo 'int main(void){return 0;}' | $CC $CGO_CFLAGS $CGO_LDFLAGS -x c -o ${dir}/probe - && echo ok`,
    ]).toString();
  const recipeOf = () =>
    (JSON.parse(readFileSync(join(sysroot, ".armgo-sysroot.json"), "utf8")) as { recipe: { packages: string[] } })
      .recipe.packages;

  beforeAll(async () => {
    const first = await armgo(args(sysrootRows[0]!.from, join(dir, "audit-first")), { env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
  });
  const release = () => ["", ".held"].forEach((x) => rmSync(`${hold}${x}`, { force: true }));
  afterEach(release);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(sysrootRows)("$signal while dpkg-deb unpacks the packages apt-get downloaded", async (row) => {
    const auditDir = join(dir, `audit-${row.signal}`);
    // the row's recipe is built anew: no cached tree of any recipe
    for (const n of built()) rmSync(join(cache, n), { recursive: true, force: true });
    const before = { link: readlinkSync(sysroot), beside: beside(), packages: recipeOf() };
    expect(usable()).toBe("ok\n");
    writeFileSync(hold, "");
    const run = started(args(row.to, auditDir), env);
    await until("dpkg-deb held", async () => existsSync(`${hold}.held`), run.stdout, run.ended);
    run.child.kill(row.signal);
    const r = await run.exit;
    const stdout = run.stdout();
    if (row.signal === "SIGTERM") {
      expect(r.code, stdout).toBe(99);
      expect(stdout).toMatch(/^fatal: \[build\]: FAILED! interrupted \(SIGINT\/SIGTERM\)/m);
      // apt-get and dpkg-deb stopped with the run, the work tree removed: nothing half-built in the cache
      expect(buildProcesses()).toBe("");
      expect(built()).toEqual([]);
    } else {
      expect(r.signal).toBe("SIGKILL");
      // a killed armgo cannot stop its children: the held dpkg-deb unpacks its one package and ends
      release();
      await until("the end of the build's processes", async () => buildProcesses() === "", run.stdout);
      // its work tree is left, never a built one: the next build removes it
      expect(built()).toEqual([expect.stringMatching(/^sysroot-[0-9a-f]{16}\.work-\d+-/)]);
    }
    // the previous sysroot is untouched and usable
    expect({ link: readlinkSync(sysroot), beside: beside(), packages: recipeOf() }).toEqual(before);
    expect(usable()).toBe("ok\n");
    const audit = await armgo(["audit", "--failed", "--audit-dir", auditDir]);
    expect(audit.stdout).toMatch(
      row.signal === "SIGTERM" ? /build\s+interrupted\s+run interrupted — / : /build\s+cut\s+run cut — no run_end/,
    );

    // the next run builds cleanly: the new recipe in place and usable, one cached tree, no work tree, no temp
    release();
    const next = await armgo(args(row.to, auditDir), { env });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(recipeOf()).not.toEqual(before.packages);
    expect(usable()).toBe("ok\n");
    expect(built()).toEqual([expect.stringMatching(/^sysroot-[0-9a-f]{16}$/)]);
    expect(beside().filter((n) => n.includes(".armgo-tmp-"))).toEqual([]);
  });
});
