// Entry for the detached mirror server that `armgo lab up` leaves running: argv = DIR [PORT [RELAY_DIR]].
// With RELAY_DIR it also runs the controller's half of the bastion relay (bastion.ts).
// It prints its port (and the bastion's) as the first stdout line so the parent can record them, then stays silent.
import { serveRelay } from "./bastion.js";
import { serveDir } from "./mirror-server.js";

const [dir, port, relayDir] = process.argv.slice(2);
if (!dir) {
  process.stderr.write("usage: mirror-serve DIR [PORT [RELAY_DIR]]\n");
  process.exitCode = 2;
} else {
  const server = await serveDir(dir, Number(port ?? 0));
  const relay = relayDir ? await serveRelay(relayDir, server.port) : undefined;
  process.stdout.write(`${server.port}${relay ? ` ${relay.port}` : ""}\n`);
  // Closing the servers empties the event loop, so the process ends on its own.
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.on(signal, () => void Promise.all([server.close(), relay?.close()]));
}
