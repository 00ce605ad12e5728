// The lab client key, made with Node crypto in OpenSSH format: no ssh-keygen needed on the controller.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

export interface ClientKey {
  privateKeyPath: string;
  /** `ssh-ed25519 AAAA... comment`, ready for authorized_keys. */
  publicKey: string;
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A new ed25519 key pair as (OpenSSH private key text, authorized_keys line). */
export function ed25519KeyPair(comment: string): { privateKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const seed = Buffer.from(jwk.d!, "base64url");
  const pub = Buffer.from(jwk.x!, "base64url");
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  // Unencrypted keys are padded 1,2,3,... to the 8-byte cipher block size.
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(blob),
    sshString(secret),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${blob.toString("base64")} ${comment}`,
  };
}

/** Reuse `<path>` and `<path>.pub` when both exist, else write a new pair (private key mode 600). */
export async function ensureClientKey(path: string, comment = "armgo-lab"): Promise<ClientKey> {
  const existing = await readFile(`${path}.pub`, "utf8").then(
    async (pub) =>
      (await readFile(path, "utf8").then(
        () => true,
        () => false,
      ))
        ? pub.trim()
        : undefined,
    () => undefined,
  );
  if (existing) return { privateKeyPath: path, publicKey: existing };
  const pair = ed25519KeyPair(comment);
  await writeFile(path, pair.privateKey, { mode: 0o600 });
  await writeFile(`${path}.pub`, pair.publicKey + "\n", { mode: 0o644 });
  return { privateKeyPath: path, publicKey: pair.publicKey };
}
