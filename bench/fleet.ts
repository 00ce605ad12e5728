// N fresh amd64 lab hosts for one bench run, with sshd at LogLevel VERBOSE so each remote command is logged.
import { writeFile } from "node:fs/promises";
import type { LabHost } from "../src/lab/containers.js";
import { hostSpecs, startHosts } from "../src/lab/containers.js";
import { knownHostsText } from "../src/lab/lab-files.js";
import { waitListening } from "./sshd-log.js";

const VERBOSE = "printf 'LogLevel VERBOSE\\n' > /etc/ssh/sshd_config.d/bench.conf && kill -HUP 1";

export interface BenchFleet {
  hosts: LabHost[];
  stop(): Promise<void>;
}

/** Start `count` hosts; their known_hosts lines go to `knownHostsPath` (shared by both tools). */
export async function startBenchFleet(
  count: number,
  opts: { image: string; publicKey: string; knownHostsPath: string; label: string },
): Promise<BenchFleet> {
  const specs = hostSpecs("amd64", count).map((s) => ({ ...s, image: opts.image }));
  const hosts = await startHosts(specs, {
    authorizedKey: opts.publicKey,
    label: opts.label,
  });
  const stop = async () => void (await Promise.allSettled(hosts.map((h) => h.container.stop({ timeout: 2_000 }))));
  try {
    // The listener forwards its own loaded config to each re-exec'd child, so only a SIGHUP re-read applies the drop-in.
    await Promise.all(
      hosts.map(async (h) => {
        const res = await h.container.exec(["sh", "-c", VERBOSE]);
        if (res.exitCode !== 0) throw new Error(`${h.name}: cannot set sshd LogLevel VERBOSE: ${res.stderr.trim()}`);
      }),
    );
    await Promise.all(hosts.map((h) => waitListening(h.container.getId(), 2)));
    await writeFile(opts.knownHostsPath, knownHostsText(hosts));
    return { hosts, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
