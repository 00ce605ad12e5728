// Free loopback ports for host-network sshd containers and the mirror.
import { createServer, type Server } from "node:net";

// Below Linux's ephemeral range (32768+): an outgoing connection can't take the port in the
// seconds between our check and sshd binding it.
const LOW = 20_000;
const HIGH = 32_767;

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((ok) => {
    server.once("error", () => ok(false));
    server.listen(port, "127.0.0.1", () => ok(true));
  });
}

/** `count` distinct free ports, none of `avoid`: all are held open together, so none is handed out twice. */
export async function freePorts(count: number, avoid: readonly number[] = []): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let tries = 0; servers.length < count; tries++) {
      if (tries > count * 50) throw new Error(`no ${count} free loopback ports between ${LOW} and ${HIGH}`);
      const server = createServer();
      const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
      if (!avoid.includes(port) && (await listen(server, port))) servers.push(server);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
  }
}

/** Per host an sshd port and a service port, all distinct: the lab's hosts share one network namespace. */
export async function hostPorts(count: number): Promise<Array<{ ssh: number; service: number }>> {
  const ports = await freePorts(count * 2);
  return Array.from({ length: count }, (_, i) => ({ ssh: ports[i]!, service: ports[count + i]! }));
}
