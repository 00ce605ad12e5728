// Entry for the detached mirror server that `armgo lab up` leaves running: argv = DIR [PORT].
// It prints its port as the first stdout line so the parent can record it, then stays silent.
import { serveDir } from "./mirror-server.js";

const [dir, port] = process.argv.slice(2);
if (!dir) {
  process.stderr.write("usage: mirror-serve DIR [PORT]\n");
  process.exitCode = 2;
} else {
  const server = await serveDir(dir, Number(port ?? 0));
  process.stdout.write(`${server.port}\n`);
  // Closing the server empties the event loop, so the process ends on its own.
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void server.close());
}
