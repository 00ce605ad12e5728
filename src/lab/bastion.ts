// The lab's bastion: targets share a private network namespace (loopback only) whose one way in is
// the bastion's sshd, reached from the controller through a unix socket in a bind-mounted dir.
//
//   controller 127.0.0.1:PORT ──(relay here)── DIR/ssh.sock ──(relay in the bastion)── 127.0.0.1:22 sshd
//   target's curl 127.0.0.1:MIRROR ──(relay in the bastion)── DIR/mirror.sock ──(relay here)── mirror
//
// The Go mirror keeps its port number inside the namespace, so go_mirror is the same URL for every lab.
import { access, rm } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { ArmgoError } from "../errors.js";

/** Where the relay dir is mounted in the bastion, and where its relay script is copied. */
export const RELAY_MOUNT = "/armgo-relay";
export const RELAY_SCRIPT = "/usr/local/lib/armgo-relay.py";
export const SSH_SOCKET = "ssh.sock";
export const MIRROR_SOCKET = "mirror.sock";
/** The bastion's sshd inside the namespace. */
export const BASTION_SSHD_PORT = 22;
export const BASTION_NAME = "lab-bastion";

// python3 is in the lab image already: no new package, no new image recipe.
export const BASTION_RELAY = `import os, socket, sys, threading
mount, sshd_port, mirror_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass

def serve(listener, dial):
    while True:
        client, _ = listener.accept()
        try:
            upstream = dial()
        except OSError:
            client.close()
            continue
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

ssh_path = os.path.join(mount, "${SSH_SOCKET}")
if os.path.exists(ssh_path):
    os.unlink(ssh_path)
ssh = socket.socket(socket.AF_UNIX)
ssh.bind(ssh_path)
os.chmod(ssh_path, 0o666)
ssh.listen(128)

def dial_mirror():
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(mount, "${MIRROR_SOCKET}"))
    return s

mirror = socket.socket(socket.AF_INET)
mirror.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
mirror.bind(("127.0.0.1", mirror_port))
mirror.listen(128)
threading.Thread(target=serve, args=(mirror, dial_mirror), daemon=True).start()
serve(ssh, lambda: socket.create_connection(("127.0.0.1", sshd_port)))
`;

/** The bastion container's command: the relay in the background, then the lab image's own entrypoint (sshd). */
export function bastionCommand(mirrorPort: number): string[] {
  const relay = `python3 ${RELAY_SCRIPT} ${RELAY_MOUNT} ${BASTION_SSHD_PORT} ${mirrorPort}`;
  return ["sh", "-c", `${relay} & exec /usr/local/bin/armgo-lab-entrypoint ${BASTION_SSHD_PORT}`];
}

export interface ControllerRelay {
  /** The bastion's sshd as the controller sees it: 127.0.0.1:port. */
  port: number;
  /** Connections relayed to the bastion's sshd so far. */
  readonly sshConnections: number;
  close(): Promise<void>;
}

/**
 * The controller's half: 127.0.0.1:port → DIR/ssh.sock, and DIR/mirror.sock → 127.0.0.1:mirrorPort.
 * Needs no bastion yet: each connection dials the other side when it arrives.
 */
export async function serveRelay(dir: string, mirrorPort: number, port = 0): Promise<ControllerRelay> {
  // A unix socket's path is at most 107 bytes (sun_path).
  if (Buffer.byteLength(join(dir, MIRROR_SOCKET)) > 100) {
    throw new ArmgoError(`the bastion's relay dir ${dir} is too long a path for a unix socket`, {
      hint: "use a shorter --state-dir",
    });
  }
  const sockets = new Set<Socket>();
  let sshConnections = 0;
  const relay = (dial: () => Socket) => (client: Socket) => {
    const upstream = dial();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      // a side that goes away ends the other; the error itself is nobody's business here
      s.once("error", () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  };
  const ssh = createServer(
    relay(() => {
      sshConnections++;
      return connect(join(dir, SSH_SOCKET));
    }),
  );
  const mirror = createServer(relay(() => connect(mirrorPort, "127.0.0.1")));
  // a socket file left by a lab that was not taken down would refuse the listen
  await rm(join(dir, MIRROR_SOCKET), { force: true });
  await listen(ssh, () => ssh.listen(port, "127.0.0.1"));
  await listen(mirror, () => mirror.listen(join(dir, MIRROR_SOCKET)));
  return {
    port: (ssh.address() as { port: number }).port,
    get sshConnections() {
      return sshConnections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([ssh, mirror].map((srv) => new Promise<void>((ok) => srv.close(() => ok()))));
    },
  };
}

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((ok, fail) => {
    server.once("error", fail);
    start();
    server.once("listening", () => ok());
  });
}

/** The bastion's relay socket appears a moment after sshd says it listens. */
export async function waitForRelaySocket(dir: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await access(join(dir, SSH_SOCKET)).then(
        () => true,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline)
      throw new ArmgoError(`the bastion's relay socket ${join(dir, SSH_SOCKET)} did not appear in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
