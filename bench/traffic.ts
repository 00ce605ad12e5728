// Bytes sent to each host's sshd: iptables counters on loopback, one rule per sshd port, in a chain of our own.
import { run } from "../src/run.js";

const CHAIN = "ARMGO_BENCH";

/** Count bytes to `ports` from now on; returns the teardown that removes the chain. */
export async function countTraffic(ports: number[]): Promise<() => Promise<void>> {
  await removeChain();
  await run("iptables", ["-w", "-N", CHAIN]);
  // A rule without a target only counts; the packet goes on to the rest of INPUT untouched.
  for (const port of ports)
    await run("iptables", ["-w", "-A", CHAIN, "-i", "lo", "-p", "tcp", "--dport", String(port)]);
  await run("iptables", ["-w", "-I", "INPUT", "-j", CHAIN]);
  return removeChain;
}

async function removeChain(): Promise<void> {
  const ignore = () => "";
  await run("iptables", ["-w", "-D", "INPUT", "-j", CHAIN]).catch(ignore);
  await run("iptables", ["-w", "-F", CHAIN]).catch(ignore);
  await run("iptables", ["-w", "-X", CHAIN]).catch(ignore);
}

export async function zeroTraffic(): Promise<void> {
  await run("iptables", ["-w", "-Z", CHAIN]);
}

/** Bytes (IP packets, headers included) per destination port since the last zero. */
export async function readTraffic(): Promise<Map<number, number>> {
  const out = await run("iptables", ["-w", "-L", CHAIN, "-n", "-v", "-x"]);
  const bytes = new Map<number, number>();
  for (const line of out.split("\n")) {
    const m = /^\s*\d+\s+(\d+)\s.*dpt:(\d+)/.exec(line);
    if (m) bytes.set(Number(m[2]), Number(m[1]));
  }
  return bytes;
}
