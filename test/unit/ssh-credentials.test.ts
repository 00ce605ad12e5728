// Which credentials are offered, in which order, and what is said about those left out (never their content).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { credentialSource, gatherCredentials } from "../../src/transport/credentials.js";
import { newKeyPair } from "./ssh-server.js";

const home = mkdtempSync(join(tmpdir(), "armgo-home-"));
mkdirSync(join(home, ".ssh"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const plain = newKeyPair().private;
const locked = newKeyPair({ passphrase: "s3cret-pass", cipher: "aes256-ctr", rounds: 16 }).private;
writeFileSync(join(home, ".ssh", "id_ed25519"), plain);
writeFileSync(join(home, ".ssh", "id_rsa"), locked);
writeFileSync(join(home, "deploy_key"), plain);
writeFileSync(join(home, "garbage"), "not a key");

type Row = [string, Parameters<typeof credentialSource>[0], NodeJS.ProcessEnv, string[], RegExp[]];
const rows: Row[] = [
  [
    "default keys that exist, in order; an encrypted one needs the passphrase env",
    { user: "u" },
    {},
    ["~/.ssh/id_ed25519"],
    [/~\/.ssh\/id_rsa is encrypted: set ARMGO_KEY_PASSPHRASE/],
  ],
  [
    "the passphrase env unlocks the encrypted default key",
    { user: "u" },
    { ARMGO_KEY_PASSPHRASE: "s3cret-pass" },
    ["~/.ssh/id_ed25519", "~/.ssh/id_rsa"],
    [],
  ],
  [
    "a wrong passphrase is named, not shown",
    { user: "u" },
    { ARMGO_KEY_PASSPHRASE: "nope" },
    ["~/.ssh/id_ed25519"],
    [/ARMGO_KEY_PASSPHRASE does not unlock it/],
  ],
  [
    "a custom passphrase env name",
    { user: "u", passphraseEnv: "MY_PASS" },
    { MY_PASS: "s3cret-pass" },
    ["~/.ssh/id_ed25519", "~/.ssh/id_rsa"],
    [],
  ],
  [
    "identity_file replaces the default keys; ~ expands",
    { user: "u", identityFiles: ["~/deploy_key"] },
    {},
    ["~/deploy_key"],
    [],
  ],
  [
    "a missing identity_file is a note",
    { user: "u", identityFiles: ["/nope/key"] },
    {},
    [],
    [/identity_file \/nope\/key: ENOENT/],
  ],
  [
    "a file that is no key is a note",
    { user: "u", identityFiles: [join(home, "garbage")] },
    {},
    [],
    [/garbage is not a usable private key/],
  ],
  [
    "the agent comes after an explicit identity file",
    { user: "u", identityFiles: ["~/deploy_key"] },
    { SSH_AUTH_SOCK: "/run/agent.sock" },
    ["~/deploy_key", "ssh-agent"],
    [],
  ],
  [
    "a password only from the named env var, last",
    { user: "u", identityFiles: ["~/deploy_key"], passwordEnv: "HOST_PW" },
    { HOST_PW: "pw-value" },
    ["~/deploy_key", "password from $HOST_PW"],
    [],
  ],
  [
    "several identity files, each in order, then the agent",
    { user: "u", identityFiles: ["~/deploy_key", "/nope/key", "~/.ssh/id_ed25519"] },
    { SSH_AUTH_SOCK: "/run/agent.sock" },
    ["~/deploy_key", "~/.ssh/id_ed25519", "ssh-agent"],
    [/identity_file \/nope\/key: ENOENT/],
  ],
  [
    "IdentitiesOnly: the agent is not asked",
    { user: "u", identityFiles: ["~/deploy_key"], identitiesOnly: true },
    { SSH_AUTH_SOCK: "/run/agent.sock" },
    ["~/deploy_key"],
    [],
  ],
  [
    "IdentitiesOnly without identity files: the default keys, no agent",
    { user: "u", identitiesOnly: true },
    { SSH_AUTH_SOCK: "/run/agent.sock" },
    ["~/.ssh/id_ed25519"],
    [/id_rsa is encrypted/],
  ],
  [
    "an unset password env is a note",
    { user: "u", identityFiles: ["~/deploy_key"], passwordEnv: "HOST_PW" },
    {},
    ["~/deploy_key"],
    [/password_env HOST_PW is not set/],
  ],
];

describe("gatherCredentials", () => {
  it.each(rows)("%s", async (_name, cfg, env, labels, notes) => {
    const creds = await gatherCredentials(credentialSource(cfg, { HOME: home, ...env }));
    expect(creds.attempts.map((a) => a.label)).toEqual(labels);
    expect(creds.notes).toHaveLength(notes.length);
    notes.forEach((re, i) => expect(creds.notes[i]).toMatch(re));
    const said = JSON.stringify([creds.notes, creds.attempts.map((a) => a.label)]);
    expect(said).not.toMatch(/s3cret-pass|pw-value|PRIVATE KEY/);
  });

  it("every attempt carries the login user", async () => {
    const creds = await gatherCredentials(credentialSource({ user: "deploy" }, { HOME: home, SSH_AUTH_SOCK: "/s" }));
    expect(new Set(creds.attempts.map((a) => a.username))).toEqual(new Set(["deploy"]));
  });
});
