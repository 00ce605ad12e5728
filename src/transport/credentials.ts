// Which credentials to offer, in order. Key material and passwords stay in here and in ssh2, never in messages.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
// ssh2 is CommonJS: Node's ESM loader only offers its default export at run time.
import ssh2, { type ParsedKey } from "ssh2";

const { utils } = ssh2;

export type AuthAttempt =
  | { type: "publickey"; username: string; key: ParsedKey; label: string }
  | { type: "agent"; username: string; agent: string; label: string }
  | { type: "password"; username: string; password: string; label: string };

export interface CredentialSource {
  user: string;
  /** Tried in order, before the agent; none: the default keys instead. */
  identityFiles: string[];
  /** As OpenSSH's IdentitiesOnly: no agent keys. */
  identitiesOnly: boolean;
  /** Name of the env var holding the password (inventory `password_env`). */
  passwordEnv?: string;
  /** Name of the env var holding the key passphrase. */
  passphraseEnv: string;
  env: NodeJS.ProcessEnv;
  home: string;
}

export interface Credentials {
  attempts: AuthAttempt[];
  /** Why a credential was left out (file names and env var names only). */
  notes: string[];
}

export const DEFAULT_PASSPHRASE_ENV = "ARMGO_KEY_PASSPHRASE";
const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

export function credentialSource(
  c: { user: string; identityFiles?: string[]; identitiesOnly?: boolean; passwordEnv?: string; passphraseEnv?: string },
  env: NodeJS.ProcessEnv = process.env,
): CredentialSource {
  return {
    user: c.user,
    identityFiles: c.identityFiles ?? [],
    identitiesOnly: c.identitiesOnly ?? false,
    ...(c.passwordEnv ? { passwordEnv: c.passwordEnv } : {}),
    passphraseEnv: c.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV,
    env,
    home: env.HOME || homedir(),
  };
}

/** Explicit identity files, then the agent (unless identities only), then default keys (only without identity files), then a password. */
export async function gatherCredentials(src: CredentialSource): Promise<Credentials> {
  const attempts: AuthAttempt[] = [];
  const notes: string[] = [];
  const passphrase = src.env[src.passphraseEnv] || undefined;

  const addKey = async (path: string, explicit: boolean): Promise<void> => {
    const label = path.startsWith(src.home + "/") ? "~" + path.slice(src.home.length) : path;
    let parsed: ParsedKey | Error;
    try {
      parsed = await parseKeyFile(path, passphrase);
    } catch (err) {
      if (explicit) notes.push(`identity_file ${label}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`);
      return;
    }
    if (parsed instanceof Error) {
      const encrypted = /passphrase|encrypted/i.test(parsed.message);
      notes.push(
        encrypted
          ? `${label} is encrypted: ${passphrase ? `${src.passphraseEnv} does not unlock it` : `set ${src.passphraseEnv}`}`
          : `${label} is not a usable private key`,
      );
      return;
    }
    attempts.push({ type: "publickey", username: src.user, key: parsed, label });
  };

  for (const file of src.identityFiles) await addKey(expandHome(file, src.home), true);
  if (src.env.SSH_AUTH_SOCK && !src.identitiesOnly) {
    attempts.push({ type: "agent", username: src.user, agent: src.env.SSH_AUTH_SOCK, label: "ssh-agent" });
  }
  if (src.identityFiles.length === 0) {
    for (const name of DEFAULT_KEYS) await addKey(join(src.home, ".ssh", name), false);
  }
  if (src.passwordEnv) {
    const password = src.env[src.passwordEnv];
    if (password)
      attempts.push({ type: "password", username: src.user, password, label: `password from $${src.passwordEnv}` });
    else notes.push(`password_env ${src.passwordEnv} is not set`);
  }
  return { attempts, notes };
}

// Decrypting a key (bcrypt KDF) costs ~0.3 s of CPU: once per file version and passphrase, not once per host.
const parsedKeys = new Map<string, ParsedKey | Error>();

async function parseKeyFile(path: string, passphrase: string | undefined): Promise<ParsedKey | Error> {
  // synchronous, as known_hosts' (known-hosts.ts): a stat per connect costs less so
  const { mtimeMs, size } = statSync(path);
  const id = `${path}\0${mtimeMs}\0${size}\0${createHash("sha256")
    .update(passphrase ?? "")
    .digest("hex")}`;
  let parsed = parsedKeys.get(id);
  if (!parsed) {
    parsed = utils.parseKey(await readFile(path, "utf8"), passphrase);
    parsedKeys.set(id, parsed);
  }
  return parsed;
}

function expandHome(path: string, home: string): string {
  return path === "~" || path.startsWith("~/") ? join(home, path.slice(1)) : path;
}
