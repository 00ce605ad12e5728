// The detached mirror server that outlives `armgo lab up`, and how `lab down` stops it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ArmgoError } from "../errors.js";
import { packageRoot } from "../paths.js";

const ENTRY = "mirror-serve";

// Found from the package root, the one place the build keeps: this module may run from src/ (vitest)
// or inside the CLI's bundle, and node can start only the built entry.
function entryPath(): string {
  const built = join(packageRoot, "dist", "src", "lab", `${ENTRY}.js`);
  if (existsSync(built)) return built;
  throw new ArmgoError(`cannot find ${built}`, { hint: "run `npm run build`" });
}

/**
 * Start the mirror server detached from this process; resolves with its pid and port. With
 * `relayDir` it also serves the controller's half of the bastion relay, on `bastionPort`.
 */
export function startDetachedMirror(
  dir: string,
  relayDir?: string,
): Promise<{ pid: number; port: number; bastionPort?: number }> {
  const args = relayDir ? [dir, "0", relayDir] : [dir];
  const child = spawn(process.execPath, [entryPath(), ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new ArmgoError("mirror server did not report its port within 15 s")), 15_000);
    let out = "";
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(err);
    };
    child.once("error", (err) =>
      fail(new ArmgoError(`cannot start the mirror server: ${err.message}`, { cause: err })),
    );
    child.once("exit", (code) => fail(new ArmgoError(`mirror server exited with code ${code} before serving`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n");
      if (line.length < 2) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      // Let it live on alone: no pipe or handle may keep this process waiting for it.
      child.stdout.destroy();
      child.unref();
      const [port, bastionPort] = line[0]!.split(" ").map(Number);
      resolve({ pid: child.pid!, port: port!, ...(bastionPort ? { bastionPort } : {}) });
    });
  });
}

/** Stop a mirror server started above; a pid that now belongs to another program is left alone. */
export async function stopDetachedMirror(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!cmdline.includes(ENTRY)) return false;
  process.kill(pid, "SIGTERM");
  return true;
}

export async function mirrorAlive(pid: number): Promise<boolean> {
  return (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).includes(ENTRY);
}
