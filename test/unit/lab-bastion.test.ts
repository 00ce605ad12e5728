// The lab bastion's files and relays without Docker: ssh_config checked by OpenSSH's own `ssh -G`,
// and both relay halves (the bastion's python3 script, run here, and the controller's) end to end.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { connectionConfig } from "../../src/engine/connection.js";
import { BASTION_RELAY, type ControllerRelay, serveRelay, waitForRelaySocket } from "../../src/lab/bastion.js";
import { freePorts } from "../../src/lab/ports.js";
import { inventoryText, knownHostsText, sshConfigText } from "../../src/lab/lab-files.js";

const hosts = [
  { name: "lab-arm64-1", arch: "arm64" as const, port: 42011, servicePort: 42021, hostKey: "ssh-ed25519 AAAAone" },
  { name: "lab-amd64-1", arch: "amd64" as const, port: 42012, servicePort: 42022, hostKey: "ssh-ed25519 AAAAtwo" },
];
const bastion = { port: 42010, hostKey: "ssh-ed25519 AAAAbastion" };
const dir = mkdtempSync(join(tmpdir(), "armgo-lab-bastion-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the lab's files behind a bastion", () => {
  const access = { identityFile: join(dir, "id_ed25519"), knownHosts: join(dir, "known_hosts") };
  const config = join(dir, "ssh_config");
  writeFileSync(config, sshConfigText(hosts, access, bastion));

  /** OpenSSH's resolution of `host` with the lab's file: the oracle. */
  const resolved = (host: string): Record<string, string> =>
    Object.fromEntries(
      execFileSync("ssh", ["-G", "-F", config, host], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]),
    );

  const rows = [
    { name: "a target goes through the bastion alias", host: "lab-arm64-1", port: "42011", proxyjump: "lab-bastion" },
    { name: "the bastion is dialled directly", host: "lab-bastion", port: "42010", proxyjump: undefined },
  ];
  for (const row of rows) {
    it(`ssh -G: ${row.name}`, () => {
      const g = resolved(row.host);
      expect(g).toMatchObject({
        hostname: "127.0.0.1",
        port: row.port,
        user: "root",
        identityfile: access.identityFile,
        identitiesonly: "yes",
        userknownhostsfile: access.knownHosts,
        stricthostkeychecking: "true",
      });
      expect(g.proxyjump).toBe(row.proxyjump);
    });
  }

  it("known_hosts holds the bastion and the targets as the bastion sees them", () => {
    expect(knownHostsText(hosts, bastion)).toBe(
      "[127.0.0.1]:42010 ssh-ed25519 AAAAbastion\n[127.0.0.1]:42011 ssh-ed25519 AAAAone\n[127.0.0.1]:42012 ssh-ed25519 AAAAtwo\n",
    );
  });

  it("a host is its ssh config alias: address, port and the bastion hop (its key, known_hosts) come from the config", () => {
    const inv = parse(inventoryText(hosts, { ...access, goMirror: "http://127.0.0.1:1", sshConfig: config }));
    // its own service port stays: the hosts share the bastion's network namespace
    expect(inv.all.children.arm64.hosts["lab-arm64-1"]).toEqual({ hello_port: 42021 });
    const vars = { ...inv.all.vars };
    const cfg = connectionConfig("lab-arm64-1", vars, {});
    expect(cfg).toMatchObject({ address: "127.0.0.1", port: 42011, user: "root" });
    expect(cfg.jumps).toEqual([
      {
        host: "lab-bastion",
        address: "127.0.0.1",
        port: 42010,
        user: "root",
        identityFiles: [access.identityFile],
        identitiesOnly: true,
        knownHostsFile: access.knownHosts,
        hostKeyChecking: "strict",
      },
    ]);
  });
});

describe("the two relay halves", () => {
  let relay: ControllerRelay;
  let inBastion: ChildProcess;
  let echo: Server;
  let sshdPort: number;
  let namespaceMirrorPort: number;

  beforeAll(async () => {
    // stands in for both the bastion's sshd and the Go mirror: answers each line with "<who> <line>"
    const answer = (who: string) => (s: import("node:net").Socket) =>
      s.on("data", (d: Buffer) => s.write(`${who} ${d.toString()}`));
    echo = createServer(answer("sshd"));
    const mirror = createServer(answer("mirror"));
    await Promise.all([echo, mirror].map((srv) => new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok))));
    sshdPort = (echo.address() as { port: number }).port;
    relay = await serveRelay(dir, (mirror.address() as { port: number }).port);
    // in a lab the namespace's mirror port equals the controller's; sharing one loopback here, it cannot
    namespaceMirrorPort = (await freePorts(1))[0]!;
    writeFileSync(join(dir, "relay.py"), BASTION_RELAY);
    inBastion = spawn("python3", [join(dir, "relay.py"), dir, String(sshdPort), String(namespaceMirrorPort)], {
      stdio: "ignore",
    });
    await waitForRelaySocket(dir, 10_000);
    return async () => {
      inBastion.kill();
      await relay.close();
      await Promise.all([echo, mirror].map((srv) => new Promise<void>((ok) => srv.close(() => ok()))));
    };
  });

  const roundTrip = (port: number, line: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => s.write(line));
      s.once("data", (d) => {
        s.destroy();
        resolve(d.toString());
      });
      s.once("error", reject);
    });

  it("the controller's 127.0.0.1:PORT reaches the bastion's sshd, and each connection is counted", async () => {
    const before = relay.sshConnections;
    expect(await roundTrip(relay.port, "SSH-2.0-test")).toBe("sshd SSH-2.0-test");
    expect(await roundTrip(relay.port, "again")).toBe("sshd again");
    expect(relay.sshConnections - before).toBe(2);
  });

  it("the namespace's mirror port reaches the controller's mirror", async () => {
    expect(await roundTrip(namespaceMirrorPort, "GET /feed.json")).toBe("mirror GET /feed.json");
  });
});
