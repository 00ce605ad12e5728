// known_hosts parsing and the strict / accept-new / off decision, as tables.
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostKeyError } from "../../src/errors.js";
import {
  appendKnownHost,
  decideHostKey,
  fingerprint,
  type HostKeyChecking,
  hostMatches,
  hostToken,
  keyTypeOf,
  parseKnownHosts,
  readKnownHosts,
} from "../../src/transport/known-hosts.js";

/** A fake public key blob: string type, then random bytes (all that matching looks at). */
function blob(type: string): Buffer {
  const name = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.from([...len, ...name, ...randomBytes(32)]);
}

function hashed(token: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", new Uint8Array(salt)).update(token).digest("base64")}`;
}

const ED = blob("ssh-ed25519");
const ED_OTHER = blob("ssh-ed25519");
const RSA = blob("ssh-rsa");
const b64 = (b: Buffer): string => b.toString("base64");

describe("parseKnownHosts", () => {
  it("reads plain, marked, commented, blank and broken lines with their line numbers", () => {
    const text = [
      "# comment",
      "",
      `web1,10.0.0.1 ssh-ed25519 ${b64(ED)} comment here`,
      `@revoked * ssh-rsa ${b64(RSA)}`,
      `@cert-authority *.example ssh-ed25519 ${b64(ED)}`,
      "broken-line-without-key",
      `@bogus x ssh-ed25519 ${b64(ED)}`,
    ].join("\n");
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.line, e.marker, e.hosts, e.keyType])).toEqual([
      [3, undefined, "web1,10.0.0.1", "ssh-ed25519"],
      [4, "revoked", "*", "ssh-rsa"],
      [5, "cert-authority", "*.example", "ssh-ed25519"],
    ]);
  });
});

describe("hostMatches", () => {
  const cases: Array<[string, string, string, boolean]> = [
    ["plain name", "web1", "web1", true],
    ["plain name, case-insensitive", "WEB1", "web1", true],
    ["other name", "web2", "web1", false],
    ["comma list", "web1,10.0.0.1", "10.0.0.1", true],
    ["[host]:port", "[10.0.0.1]:2222", "[10.0.0.1]:2222", true],
    ["[host]:port vs other port", "[10.0.0.1]:2222", "[10.0.0.1]:2223", false],
    ["plain name does not cover a non-22 port", "10.0.0.1", "[10.0.0.1]:2222", false],
    ["wildcard", "*.example.com", "a.example.com", true],
    ["negation wins", "*.example.com,!bad.example.com", "bad.example.com", false],
    ["hashed name", hashed("web1"), "web1", true],
    ["hashed [host]:port", hashed("[127.0.0.1]:2201"), "[127.0.0.1]:2201", true],
    ["hashed other name", hashed("web1"), "web2", false],
  ];
  it.each(cases)("%s", (_name, hosts, token, want) => {
    expect(hostMatches(hosts, token)).toBe(want);
  });

  it("hostToken brackets non-22 ports only", () => {
    expect(hostToken("Web1", 22)).toBe("web1");
    expect(hostToken("127.0.0.1", 2201)).toBe("[127.0.0.1]:2201");
  });
});

describe("key blobs", () => {
  it("reads the key type from the blob", () => {
    expect(keyTypeOf(ED)).toBe("ssh-ed25519");
    expect(keyTypeOf(Buffer.alloc(2))).toBe("unknown");
  });
  it("prints OpenSSH's SHA256 fingerprint (base64, no padding)", () => {
    const fp = fingerprint(ED);
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe("decideHostKey", () => {
  const file = "/home/u/.ssh/known_hosts";
  const known = [
    "# fleet",
    `web1 ssh-ed25519 ${b64(ED)}`,
    `[127.0.0.1]:2201 ssh-ed25519 ${b64(ED)}`,
    `${hashed("[127.0.0.1]:2202")} ssh-ed25519 ${b64(ED)}`,
    `db1,10.0.0.9 ssh-ed25519 ${b64(ED)}`,
    `@revoked * ssh-rsa ${b64(RSA)}`,
    `rsa-only ssh-rsa ${b64(blob("ssh-rsa"))}`,
    `WEB2,Web3 ssh-ed25519 ${b64(ED)}`,
    `web3 ssh-ed25519 ${b64(ED)}`,
  ].join("\n");
  const entries = parseKnownHosts(known);

  type Row = [string, string, number, Buffer, HostKeyChecking, string, RegExp?];
  const rows: Row[] = [
    ["plain match", "web1", 22, ED, "strict", "accept"],
    ["[host]:port match", "127.0.0.1", 2201, ED, "strict", "accept"],
    ["hashed match", "127.0.0.1", 2202, ED, "strict", "accept"],
    ["comma list match", "10.0.0.9", 22, ED, "strict", "accept"],
    [
      "changed key, strict",
      "web1",
      22,
      ED_OTHER,
      "strict",
      "refuse",
      /CHANGED: ssh-ed25519 SHA256:\S+ does not match \/home\/u\/.ssh\/known_hosts:2/,
    ],
    ["changed key, accept-new still refuses", "127.0.0.1", 2201, ED_OTHER, "accept-new", "refuse", /known_hosts:3/],
    ["changed hashed entry", "127.0.0.1", 2202, ED_OTHER, "strict", "refuse", /known_hosts:4/],
    [
      "unknown host, strict",
      "web9",
      22,
      ED,
      "strict",
      "refuse",
      /unknown: ssh-ed25519 SHA256:\S+ not in \/home\/u\/.ssh\/known_hosts/,
    ],
    ["unknown port of a known address", "127.0.0.1", 2299, ED, "strict", "refuse", /\[127.0.0.1\]:2299/],
    ["unknown host, accept-new records", "web9", 22, ED, "accept-new", "record"],
    ["revoked key, even accept-new", "anyhost", 22, RSA, "accept-new", "refuse", /REVOKED: ssh-rsa SHA256:/],
    ["other key type than known: new, like OpenSSH", "rsa-only", 22, ED, "strict", "refuse", /unknown/],
    ["off accepts a changed key", "web1", 22, ED_OTHER, "off", "accept"],
    ["upper-case name in a comma list", "web3", 22, ED, "strict", "accept"],
    ["changed key: the first line naming the host", "web3", 22, ED_OTHER, "strict", "refuse", /known_hosts:8/],
  ];

  it.each(rows)("%s", (_name, address, port, key, mode, action, message) => {
    const d = decideHostKey({ entries, file, name: address, address, port, key, mode });
    expect(d.action).toBe(action);
    if (d.action === "refuse") {
      expect(d.error).toBeInstanceOf(HostKeyError);
      expect(d.error.message).toMatch(message!);
      expect(d.error.message).toContain(fingerprint(key));
      expect(d.error.hint).toBeTruthy();
    }
  });

  it("the changed-key hint names the ssh-keygen -R command for [host]:port", () => {
    const d = decideHostKey({
      entries,
      file,
      name: "app",
      address: "127.0.0.1",
      port: 2201,
      key: ED_OTHER,
      mode: "strict",
    });
    expect(d.action === "refuse" && d.error.oneLine()).toMatch(
      /^app: host key for app \(\[127.0.0.1\]:2201\) has CHANGED.*ssh-keygen -R '\[127.0.0.1\]:2201'/,
    );
  });

  it("the unknown-key hint offers accept-new", () => {
    const d = decideHostKey({ entries, file, name: "x", address: "x", port: 22, key: ED, mode: "strict" });
    expect(d.action === "refuse" && d.error.hint).toContain("--host-key-checking accept-new");
  });
});

describe("accept-new on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "armgo-kh-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("appends the new key (creating dirs), then the same key matches and a different one is refused", async () => {
    const file = join(dir, "nested", "known_hosts");
    const check = async (key: Buffer, mode: HostKeyChecking) =>
      decideHostKey({
        entries: await readKnownHosts(file),
        file,
        name: "h",
        address: "127.0.0.1",
        port: 2201,
        key,
        mode,
      });

    const first = await check(ED, "accept-new");
    expect(first.action).toBe("record");
    if (first.action === "record") await appendKnownHost(file, first.line);
    expect(readFileSync(file, "utf8")).toBe(`[127.0.0.1]:2201 ssh-ed25519 ${b64(ED)}\n`);

    expect((await check(ED, "strict")).action).toBe("accept");
    const changed = await check(ED_OTHER, "accept-new");
    expect(changed.action === "refuse" && changed.error.message).toContain(`${file}:1`);
  });

  it("adds a newline before appending to a file that lacks one, and appends in parallel without interleaving", async () => {
    const file = join(dir, "kh2");
    writeFileSync(file, `web1 ssh-ed25519 ${b64(ED)}`);
    await Promise.all(Array.from({ length: 10 }, (_, i) => appendKnownHost(file, `h${i} ssh-ed25519 ${b64(ED)}`)));
    const entries = await readKnownHosts(file);
    expect(entries.map((e) => e.hosts).sort()).toEqual(
      ["web1", ...Array.from({ length: 10 }, (_, i) => `h${i}`)].sort(),
    );
  });

  it("a missing file is empty, not an error", async () => {
    expect(await readKnownHosts(join(dir, "absent"))).toEqual([]);
  });
});
