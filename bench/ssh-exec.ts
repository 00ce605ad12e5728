// The floor's unit of work: one bare ssh2 connection to a host, one command, its exit code.
import ssh2 from "ssh2";

/** Connect (strict host key: one of `expected`), run `script`, close; -1 when the host was not reached. */
export function connectAndExec(
  host: { name: string; port: number },
  script: string,
  key: Buffer,
  expected: Buffer[],
): Promise<number> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    const fail = (why: string) => {
      process.stderr.write(`${host.name}: ${why}\n`);
      client.end();
      resolve(-1);
    };
    client.on("error", (e) => fail(e.message));
    client.on("ready", () => {
      client.exec(script, (err, stream) => {
        if (err) return fail(err.message);
        stream.on("data", () => undefined);
        stream.stderr.on("data", (d: Buffer) => process.stderr.write(`${host.name}: ${d.toString()}`));
        stream.on("exit", (code: number | null) => {
          client.end();
          resolve(code ?? -1);
        });
      });
    });
    client.connect({
      host: "127.0.0.1",
      port: host.port,
      username: "root",
      privateKey: key,
      // Strict host key checking, as the tools do.
      hostVerifier: (presented: Buffer) => expected.some((k) => k.equals(presented)),
    });
  });
}
