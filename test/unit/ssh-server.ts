// A small in-process sshd on 127.0.0.1 (ssh2 Server): runs exec requests with the local /bin/sh and
// serves SFTP from the local disk, with a MaxSessions-like cap, so the ssh transport is tested without containers.
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  fchmodSync,
  chmodSync,
} from "node:fs";
import { type AddressInfo, connect as tcpConnect } from "node:net";
import { type Connection, type ParsedKey, Server, type SFTPWrapper, utils } from "ssh2";

const { STATUS_CODE, flagsToString } = utils.sftp;

export interface FakeSshdOptions {
  /** Public key (OpenSSH format) allowed to log in, for any user name. */
  authorizedKey: string;
  /** Sessions open at once before the server refuses more (OpenSSH default MaxSessions: 10). */
  maxSessions?: number;
  /** Host key in OpenSSH private format (generated when absent). */
  hostKey?: string;
  /** Put in front of PATH for exec'd commands (fake sudo, ...). */
  pathPrefix?: string;
  port?: number;
  /** Commands answered in the tick they arrive: reply, output, exit-status and close reach the client in one read. */
  instant?: (command: string) => { stdout: string; code: number } | undefined;
  /** Refuse this many direct-tcpip opens first (CONNECT_FAILED), as a jump host under load may. */
  refuseForwards?: number;
}

export interface FakeSshd {
  port: number;
  /** The host key's public blob, as a client sees it. */
  hostKeyBlob: Buffer;
  hostKey: string;
  counts: {
    connections: number;
    refusedSessions: number;
    maxOpenSessions: number;
    forwards: number;
    refusedForwards: number;
  };
  /** Client connections open now. */
  readonly live: number;
  /** Cut every client connection, as a rebooting host would. */
  dropConnections(): void;
  close(): Promise<void>;
}

// ssh2's generator emits a malformed ed25519 key about 1 time in 400 (ssh-keygen rejects it too): draw again.
export function newKeyPair(opts: { passphrase: string; cipher: string; rounds: number } | Record<string, never> = {}): {
  private: string;
  public: string;
} {
  for (;;) {
    const pair = utils.generateKeyPairSync("ed25519", opts);
    const passphrase = "passphrase" in opts ? opts.passphrase : undefined;
    if (!(utils.parseKey(pair.private, passphrase) instanceof Error)) return pair;
  }
}

export async function startFakeSshd(opts: FakeSshdOptions): Promise<FakeSshd> {
  const hostKey = opts.hostKey ?? newKeyPair().private;
  const allowed = utils.parseKey(opts.authorizedKey) as ParsedKey;
  const maxSessions = opts.maxSessions ?? 10;
  const counts = { connections: 0, refusedSessions: 0, maxOpenSessions: 0, forwards: 0, refusedForwards: 0 };
  const sockets = new Set<Connection>();

  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    counts.connections++;
    sockets.add(client);
    let open = 0;
    client.on("error", () => undefined);
    client.on("close", () => sockets.delete(client));
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey" || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) {
        return ctx.reject(["publickey"]);
      }
      if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)
        return ctx.reject();
      ctx.accept();
    });
    client.on("session", (accept, reject) => {
      if (open >= maxSessions) {
        counts.refusedSessions++;
        reject();
        return;
      }
      open++;
      counts.maxOpenSessions = Math.max(counts.maxOpenSessions, open);
      const session = accept();
      let child: ChildProcess | undefined;
      // ssh2's Server ignores signal requests once exec started, so closing the channel is what kills here.
      session.once("close", () => {
        open--;
        if (child?.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
      });
      session.on("exec", (acceptExec, _reject, info) => {
        const stream = acceptExec();
        const reply = opts.instant?.(info.command);
        if (reply) {
          stream.write(reply.stdout);
          stream.exit(reply.code);
          stream.eof();
          stream.close();
          return;
        }
        const env = { ...process.env, PATH: `${opts.pathPrefix ? opts.pathPrefix + ":" : ""}${process.env.PATH}` };
        child = spawn("/bin/sh", ["-c", info.command], { env, detached: true });
        stream.pipe(child.stdin!).on("error", () => undefined);
        child.stdout!.pipe(stream, { end: false });
        child.stderr!.pipe(stream.stderr, { end: false });
        child.on("close", (code, signal) => {
          if (signal) stream.exit(signal.replace(/^SIG/, ""), false, "");
          else stream.exit(code ?? 1);
          stream.end();
        });
      });
      session.on("sftp", (acceptSftp) => serveSftp(acceptSftp()));
    });
    // A jump host: direct-tcpip channels piped to a TCP connect of its own (only loopback in tests).
    client.on("tcpip", (accept, reject, info) => {
      if (counts.refusedForwards < (opts.refuseForwards ?? 0)) {
        counts.refusedForwards++;
        reject();
        return;
      }
      const upstream = tcpConnect(info.destPort, info.destIP);
      upstream.once("error", () => reject());
      upstream.once("connect", () => {
        counts.forwards++;
        const channel = accept();
        channel.on("error", () => undefined);
        upstream.pipe(channel).pipe(upstream);
        channel.once("close", () => upstream.destroy());
        upstream.once("close", () => channel.close());
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostKey,
    hostKeyBlob: (utils.parseKey(hostKey) as ParsedKey).getPublicSSH(),
    counts,
    get live() {
      return sockets.size;
    },
    dropConnections: () => {
      for (const c of sockets) c.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of sockets) c.end();
        server.close(() => resolve());
      }),
  };
}

/** Enough of an SFTP server for fastPut + chmod + rename + remove, on the local disk. */
function serveSftp(sftp: SFTPWrapper): void {
  const fds = new Map<string, number>();
  let next = 0;
  const status = (reqid: number, fn: () => void): void => {
    try {
      fn();
      sftp.status(reqid, STATUS_CODE.OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code === "ENOENT" ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE;
      sftp.status(reqid, code, (err as Error).message);
    }
  };
  const fd = (handle: Buffer): number => {
    const f = fds.get(handle.toString("hex"));
    if (f === undefined) throw new Error("bad handle");
    return f;
  };
  sftp.on("OPEN", (reqid, path, flags, attrs) => {
    try {
      const f = openSync(path, flagsToString(flags) ?? "r", attrs.mode ?? 0o644);
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(next++);
      fds.set(handle.toString("hex"), f);
      sftp.handle(reqid, handle);
    } catch (err) {
      sftp.status(reqid, STATUS_CODE.FAILURE, (err as Error).message);
    }
  });
  sftp.on("READ", (reqid, handle, offset, length) => {
    const buf = Buffer.alloc(length);
    const n = readSync(fd(handle), new Uint8Array(buf.buffer, buf.byteOffset, length), 0, length, offset);
    if (n === 0) sftp.status(reqid, STATUS_CODE.EOF);
    else sftp.data(reqid, buf.subarray(0, n));
  });
  sftp.on("WRITE", (reqid, handle, offset, data) =>
    status(reqid, () => writeSync(fd(handle), new Uint8Array(data), 0, data.length, offset)),
  );
  sftp.on("CLOSE", (reqid, handle) =>
    status(reqid, () => {
      closeSync(fd(handle));
      fds.delete(handle.toString("hex"));
    }),
  );
  sftp.on("FSTAT", (reqid, handle) => {
    const s = fstatSync(fd(handle));
    sftp.attrs(reqid, {
      mode: s.mode,
      uid: s.uid,
      gid: s.gid,
      size: s.size,
      atime: s.atimeMs / 1000,
      mtime: s.mtimeMs / 1000,
    });
  });
  sftp.on("STAT", (reqid, path) => {
    try {
      const s = statSync(path);
      sftp.attrs(reqid, {
        mode: s.mode,
        uid: s.uid,
        gid: s.gid,
        size: s.size,
        atime: s.atimeMs / 1000,
        mtime: s.mtimeMs / 1000,
      });
    } catch {
      sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    }
  });
  sftp.on("FSETSTAT", (reqid, handle, attrs) =>
    status(reqid, () => attrs.mode !== undefined && fchmodSync(fd(handle), attrs.mode)),
  );
  sftp.on("SETSTAT", (reqid, path, attrs) =>
    status(reqid, () => attrs.mode !== undefined && chmodSync(path, attrs.mode)),
  );
  sftp.on("REMOVE", (reqid, path) => status(reqid, () => unlinkSync(path)));
  // Plain SFTP rename must refuse an existing target, as OpenSSH's does: the transport removes it first.
  sftp.on("RENAME", (reqid, from, to) =>
    status(reqid, () => {
      if (exists(to)) throw new Error("target exists");
      renameSync(from, to);
    }),
  );
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
