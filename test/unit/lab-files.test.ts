import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hostSpecs } from "../../src/lab/containers.js";
import { inventoryText, knownHostsText } from "../../src/lab/lab-files.js";
import { hostPorts } from "../../src/lab/ports.js";

const hosts = [
  { name: "lab-arm64-1", arch: "arm64" as const, port: 42011, servicePort: 42021, hostKey: "ssh-ed25519 AAAAone" },
  { name: "lab-amd64-1", arch: "amd64" as const, port: 42012, servicePort: 42022, hostKey: "ssh-ed25519 AAAAtwo" },
];

describe("knownHostsText", () => {
  it("writes one [127.0.0.1]:port line per host", () => {
    expect(knownHostsText(hosts)).toBe(
      "[127.0.0.1]:42011 ssh-ed25519 AAAAone\n[127.0.0.1]:42012 ssh-ed25519 AAAAtwo\n",
    );
  });
});

describe("inventoryText", () => {
  it("has the armgo inventory shape with both groups", () => {
    const inv = parse(
      inventoryText([hosts[0]!], { identityFile: "/k", knownHosts: "/kh", goMirror: "http://127.0.0.1:1" }),
    );
    expect(inv).toEqual({
      all: {
        vars: { user: "root", identity_file: "/k", known_hosts: "/kh", go_mirror: "http://127.0.0.1:1" },
        children: {
          arm64: { hosts: { "lab-arm64-1": { host: "127.0.0.1", port: 42011, hello_port: 42021 } } },
          amd64: { hosts: {} },
        },
      },
    });
  });

  it("gives each of 6 hosts its own hello_port, none an sshd port of the lab (one shared network namespace)", async () => {
    const specs = hostSpecs("mixed", 6);
    const ports = await hostPorts(specs.length);
    const lab = specs.map((s, i) => ({ ...s, port: ports[i]!.ssh, servicePort: ports[i]!.service, hostKey: "k" }));
    const inv = parse(
      inventoryText(lab, { identityFile: "/k", knownHosts: "/kh", goMirror: "http://127.0.0.1:1" }),
    ) as {
      all: { children: Record<string, { hosts: Record<string, { port: number; hello_port: number }> }> };
    };
    const entries = Object.values(inv.all.children).flatMap((g) => Object.values(g.hosts));
    const service = entries.map((h) => h.hello_port);
    const ssh = entries.map((h) => h.port);
    expect(entries).toHaveLength(6);
    expect(new Set([...service, ...ssh]).size).toBe(12);
    for (const p of service) expect(p).toBeGreaterThan(1024);
  });
});

describe("hostSpecs", () => {
  it.each<{ name: string; arch: "arm64" | "amd64" | "mixed"; n: number; release?: "trixie" | "mixed"; want: string[] }>(
    [
      {
        name: "arm64, bookworm by default",
        arch: "arm64",
        n: 2,
        want: ["lab-arm64-1:arm64:bookworm", "lab-arm64-2:arm64:bookworm"],
      },
      {
        name: "mixed arches alternate",
        arch: "mixed",
        n: 3,
        want: ["lab-arm64-1:arm64:bookworm", "lab-amd64-1:amd64:bookworm", "lab-arm64-2:arm64:bookworm"],
      },
      { name: "none", arch: "amd64", n: 0, want: [] },
      {
        name: "one release for all",
        arch: "arm64",
        n: 2,
        release: "trixie",
        want: ["lab-arm64-1:arm64:trixie", "lab-arm64-2:arm64:trixie"],
      },
      {
        name: "mixed releases cycle oldest first",
        arch: "arm64",
        n: 4,
        release: "mixed",
        want: [
          "lab-arm64-1:arm64:bullseye",
          "lab-arm64-2:arm64:bookworm",
          "lab-arm64-3:arm64:trixie",
          "lab-arm64-4:arm64:bullseye",
        ],
      },
      {
        name: "mixed arches and releases",
        arch: "mixed",
        n: 3,
        release: "mixed",
        want: ["lab-arm64-1:arm64:bullseye", "lab-amd64-1:amd64:bookworm", "lab-arm64-2:arm64:trixie"],
      },
    ],
  )("$name", ({ arch, n, release, want }) => {
    expect(hostSpecs(arch, n, release).map((s) => `${s.name}:${s.arch}:${s.release}`)).toEqual(want);
  });
});
