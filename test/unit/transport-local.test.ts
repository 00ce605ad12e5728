// LocalTransport honours the Transport contract the ssh transport does: output, codes, stdin, timeouts, put.
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TaskError } from "../../src/errors.js";
import { SUDO_OK, SUDO_PROMPT, wrapScript } from "../../src/transport/become.js";
import { quote } from "../../src/transport/quote.js";
import { LocalTransport } from "../../src/transport/local.js";
import { stagedPut } from "../../src/transport/staged-put.js";
import { signalExitCode } from "../../src/transport/output.js";
import { PAST_NO_RETURN } from "../../src/transport/watch.js";

const dir = mkdtempSync(join(tmpdir(), "armgo-local-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("LocalTransport.exec", () => {
  const t = new LocalTransport("box");

  it("returns stdout, stderr, the exit code, the unwrapped script and a duration", async () => {
    const script = "echo out; echo err >&2; exit 3";
    const r = await t.exec(script);
    expect(r).toMatchObject({ script, code: 3, stdout: "out\n", stderr: "err\n" });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.timedOut).toBeUndefined();
  });

  it("feeds stdin, string or Buffer, and counts its bytes as sent", async () => {
    const before = t.stats().bytesSent;
    expect((await t.exec("cat", { stdin: "héllo" })).stdout).toBe("héllo");
    expect((await t.exec("wc -c", { stdin: Buffer.alloc(1000, 1) })).stdout.trim()).toBe("1000");
    expect(t.stats().bytesSent - before).toBe(Buffer.byteLength("héllo") + 1000);
  });

  it("gives EOF on stdin when there is none, so `cat` does not hang", async () => {
    expect((await t.exec("cat")).stdout).toBe("");
  });

  it("streams stdout chunks and decodes UTF-8 split across chunks", async () => {
    const chunks: string[] = [];
    // Writes the 3 bytes of ✓ in two separate writes.
    const r = await t.exec(`printf '\\342'; sleep 0.05; printf '\\234\\223 done\\n'`, {
      onStdout: (c) => chunks.push(c),
    });
    expect(r.stdout).toBe("✓ done\n");
    expect(chunks.join("")).toBe("✓ done\n");
  });

  it("kills the whole process tree on timeout: code -1, timedOut", async () => {
    const started = Date.now();
    const r = await t.exec("sleep 30 & sleep 30; echo never", { timeoutMs: 300 });
    expect(r).toMatchObject({ code: -1, timedOut: true, stdout: "" });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  // issue 20 #1: Ctrl-C stops the commands in flight (transport/watch.ts), and waits for them; `n` makes each row's sleeps its own
  it.each([
    {
      name: "a step is stopped, with all it started",
      script: (n: number) => `sleep ${n} & sleep ${n}`,
      code: 143,
      switched: false,
    },
    {
      name: "a step past its point of no return finishes",
      script: () => `${PAST_NO_RETURN}\nsleep 1`,
      code: 0,
      switched: true,
    },
    // a process group of its own: timeout's child leaves the script's group, not its session; the
    // output of these goes elsewhere, so the exec does not wait on them through its pipes
    {
      name: "a command under timeout is stopped",
      script: (n: number) => `timeout 300 sleep ${n} >/dev/null 2>&1`,
      code: 143,
      switched: false,
    },
    // a session of its own: found by its ppid link
    {
      name: "a command under setsid is stopped",
      script: (n: number) => `setsid sleep ${n} >/dev/null 2>&1`,
      code: 143,
      switched: false,
    },
  ])("interrupt: $name", async ({ script, code, switched }) => {
    const mark = join(dir, `mark-${randomBytes(4).toString("hex")}`);
    const n = 10_000 + randomBytes(2).readUInt16BE();
    // the step's processes: its shells (they name the mark) and its sleeps
    const left = () =>
      readdirSync("/proc").filter((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
          return /^\d+$/.test(p) && (cmd.includes(mark) || cmd.includes(`sleep\0${n}`));
        } catch {
          return false; // gone while we looked
        }
      });
    const sleeping = () => left().some((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("sleep"));
    const running = t.exec(`touch ${mark}.started\n${script(n)}\ntouch ${mark}.switched`);
    // a stopped step's sleep has started before the interrupt
    while (!existsSync(`${mark}.started`) || (!switched && !sleeping())) await new Promise((r) => setTimeout(r, 20));
    await t.interrupt();
    expect((await running).code).toBe(code);
    expect(existsSync(`${mark}.switched`)).toBe(switched);
    // nothing of the step is left: not its sleeps, not the shells around them
    expect(left()).toEqual([]);
  });

  it("reports death by signal as 128+n", async () => {
    expect((await t.exec("kill -TERM $$")).code).toBe(128 + 15);
    expect(signalExitCode("SIGKILL")).toBe(137);
    expect(signalExitCode("SIGNOPE")).toBe(-1);
  });

  it("root becoming root needs no sudo; any other become goes through sudo -S with armgo's prompt", () => {
    const sudo = (user: string): string =>
      `sudo -S -p ${quote(SUDO_PROMPT)}${user} -- sh -c ${quote(`printf '%s\\n' ${SUDO_OK} >&2; exec sh -c 'id -u'`)}`;
    expect(wrapScript("id -u", true, "root")).toBe("sh -c 'id -u'");
    expect(wrapScript("id -u", "root", "root")).toBe("sh -c 'id -u'");
    expect(wrapScript("id -u", "deploy", "root")).toBe(sudo(" -u deploy"));
    expect(wrapScript("id -u", true, "deploy")).toBe(sudo(""));
    expect(wrapScript("id -u", true)).toBe(sudo(""));
  });

  it("turns sudo's password prompt into a clear TaskError", async () => {
    // A fake sudo first on PATH, saying what a real one says without NOPASSWD.
    const bin = join(dir, "bin");
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    writeFileSync(join(bin, "sudo"), "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n", { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const err = await t.exec("id -u", { become: "deploy" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).message).toMatch(/sudo on box wants a password/);
      expect((err as TaskError).hint).toMatch(
        /-K \(--ask-become-pass\) or the inventory's become_password_env, or allow NOPASSWD/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describe("LocalTransport.put", () => {
  const t = new LocalTransport("box");

  it("replaces the target atomically with the requested mode and leaves no temp file", async () => {
    const src = join(dir, "src.bin");
    const data = randomBytes(300_000);
    writeFileSync(src, data);
    const dest = join(dir, "dest.bin");
    writeFileSync(dest, "old");
    const progress: Array<[number, number]> = [];
    await t.put(src, dest, { mode: 0o750, onProgress: (d, total) => progress.push([d, total]) });
    const sha = (b: Buffer) => createHash("sha256").update(new Uint8Array(b)).digest("hex");
    expect(sha(readFileSync(dest))).toBe(sha(data));
    expect(statSync(dest).mode & 0o777).toBe(0o750);
    expect(readdirSync(dir).filter((f) => f.includes(".armgo-tmp-"))).toEqual([]);
    expect(progress.at(-1)).toEqual([300_000, 300_000]);
  });

  it("fails with a TaskError and leaves the old file and no temp file when the source is missing", async () => {
    const dest = join(dir, "keep.txt");
    writeFileSync(dest, "old");
    await expect(t.put(join(dir, "absent"), dest)).rejects.toBeInstanceOf(TaskError);
    expect(readFileSync(dest, "utf8")).toBe("old");
    expect(readdirSync(dir).filter((f) => f.includes(".armgo-tmp-"))).toEqual([]);
  });
});

describe("LocalTransport.get", () => {
  const t = new LocalTransport("box");

  it("copies byte-identical through a temp name beside the target", async () => {
    const data = randomBytes(200_000);
    writeFileSync(join(dir, "there.bin"), data);
    mkdirSync(join(dir, "back"));
    await t.get(join(dir, "there.bin"), join(dir, "back", "here.bin"));
    expect(readFileSync(join(dir, "back", "here.bin")).equals(data)).toBe(true);
    expect(readdirSync(join(dir, "back"))).toEqual(["here.bin"]);
  });

  it("a missing source is a TaskError naming host and path, and leaves no file", async () => {
    mkdirSync(join(dir, "back-missing"));
    const err = await t.get(join(dir, "nothing.bin"), join(dir, "back-missing", "x")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toContain(join(dir, "nothing.bin"));
    expect((err as TaskError).message).toContain("box");
    expect(readdirSync(join(dir, "back-missing"))).toEqual([]);
  });
});

// No sudo on the controller: the become exec runs as this user, so what is checked is the staging itself.
describe("stagedPut (put under become)", () => {
  const local = new LocalTransport("box");
  const becomeScripts: string[] = [];
  const host = {
    host: "box",
    exec: (script: string, opts: { become?: boolean | string } = {}) => {
      if (opts.become) becomeScripts.push(script);
      return local.exec(script);
    },
  };
  const loginPut = (l: string, r: string, o: { mode?: number }) => local.put(l, r, o);
  const stagingDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith("armgo-put."));

  it("stages privately, then ONE become command lands the file with its mode, leaving nothing behind", async () => {
    const src = join(dir, "staged-src.bin");
    writeFileSync(src, randomBytes(70_000));
    mkdirSync(join(dir, "staged"));
    const dest = join(dir, "staged", "f.bin");
    writeFileSync(dest, "old");
    const before = stagingDirs();
    becomeScripts.length = 0;
    await stagedPut(host, loginPut, src, dest, { become: true, mode: 0o640 });
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    expect(statSync(dest).mode & 0o777).toBe(0o640);
    expect(becomeScripts).toHaveLength(1);
    expect(readdirSync(join(dir, "staged"))).toEqual(["f.bin"]);
    expect(stagingDirs()).toEqual(before);
  });

  it("a move that fails is a TaskError naming host and path; nothing lands, the staging dir goes", async () => {
    const src = join(dir, "staged-src2.bin");
    writeFileSync(src, "x");
    const before = stagingDirs();
    const dest = join(dir, "no-such-dir", "f.bin");
    const err = await stagedPut(host, loginPut, src, dest, { become: "deploy" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toContain(`box:${dest} as deploy failed`);
    expect(stagingDirs()).toEqual(before);
  });
});
