// The real-SSH simulated fleet's servers: one process serves many hosts, an ssh2 server on its own
// loopback port per host, answering each exec with what the recorded converged host answered. Key
// exchange, ciphers, signatures and channels are real on both sides; only the host's shell is not.
// Started by sim.ts (child_process.fork): it sends the hosts, this answers with their ports.
import { once } from "node:events";
import ssh2, { type AuthContext, type Connection } from "ssh2";
import { replyFor, type Replies } from "./sim-transport.js";

export interface ServeRequest {
  names: string[];
  /** onTheWire(replies): keyed by the ssh command. */
  replies: Replies;
  hostKey: string;
  clientPublicKey: string;
  /** The remote command's own time, waited before answering. */
  commandMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function accepts(ctx: AuthContext, allowed: ssh2.ParsedKey): void {
  if (ctx.method !== "publickey" || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH()))
    return ctx.reject(["publickey"]);
  // without a signature the client only asks whether the key would do
  if (!ctx.signature) return ctx.accept();
  if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
  ctx.reject(["publickey"]);
}

function serveClient(client: Connection, name: string, req: ServeRequest, allowed: ssh2.ParsedKey): void {
  client.on("error", () => undefined);
  client.on("authentication", (ctx) => accepts(ctx, allowed));
  client.on("session", (acceptSession) => {
    const session = acceptSession();
    session.on("exec", (accept, reject, info) => {
      const stream = accept();
      void (async () => {
        await sleep(req.commandMs);
        let reply;
        try {
          reply = replyFor(req.replies, info.command, name);
        } catch (e) {
          reply = { code: 127, stdout: "", stderr: `${(e as Error).message}\n` };
        }
        stream.write(reply.stdout);
        stream.stderr.write(reply.stderr);
        stream.exit(reply.code);
        stream.end();
      })();
    });
  });
}

async function serve(req: ServeRequest): Promise<number[]> {
  const allowed = ssh2.utils.parseKey(req.clientPublicKey);
  if (allowed instanceof Error) throw allowed;
  const ports: number[] = [];
  for (const name of req.names) {
    const server = new ssh2.Server({ hostKeys: [req.hostKey] }, (client) => serveClient(client, name, req, allowed));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    ports.push((server.address() as { port: number }).port);
  }
  return ports;
}

process.once("message", (req: ServeRequest) => {
  serve(req).then(
    (ports) => process.send!({ ports }),
    (e: unknown) => process.send!({ error: (e as Error).message }),
  );
});
