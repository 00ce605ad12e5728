import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { utils } from "ssh2";
import { describe, expect, it } from "vitest";
import { ed25519KeyPair, ensureClientKey } from "../../src/lab/keys.js";

describe("ed25519KeyPair", () => {
  it("writes an OpenSSH private key whose public half matches the authorized_keys line", () => {
    const pair = ed25519KeyPair("lab");
    const parsed = utils.parseKey(pair.privateKey);
    if (parsed instanceof Error) throw parsed;
    expect(parsed.type).toBe("ssh-ed25519");
    expect(`ssh-ed25519 ${parsed.getPublicSSH().toString("base64")} lab`).toBe(pair.publicKey);
    // The key must also sign: a pair that only parses would still fail authentication.
    const data = Buffer.from("challenge");
    expect(parsed.verify(data, parsed.sign(data))).toBe(true);
  });
});

describe("ensureClientKey", () => {
  it("creates the key once with mode 600 and reuses it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "armgo-key-"));
    const first = await ensureClientKey(join(dir, "id_ed25519"));
    const again = await ensureClientKey(join(dir, "id_ed25519"));
    expect(again).toEqual(first);
    expect((await stat(first.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await readFile(`${first.privateKeyPath}.pub`, "utf8")).trim()).toBe(first.publicKey);
  });
});
