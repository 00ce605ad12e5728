// known_hosts: parse, match a presented host key, decide per checking mode, record accepted keys.
import { createHash, createHmac } from "node:crypto";
import { statSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { HostKeyError } from "../errors.js";

export type HostKeyChecking = "strict" | "accept-new" | "off";

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  line: number;
  marker?: "revoked" | "cert-authority";
  /** The host field as written: patterns, a comma list, or a hashed `|1|salt|hmac`. */
  hosts: string;
  keyType: string;
  /** The public key blob, base64 as written in the file. */
  key: string;
}

export type HostKeyDecision =
  { action: "accept" } | { action: "record"; line: string } | { action: "refuse"; error: HostKeyError };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostEntry["marker"];
    if (fields[0]?.startsWith("@")) {
      const name = fields.shift();
      if (name !== "@revoked" && name !== "@cert-authority") return;
      marker = name === "@revoked" ? "revoked" : "cert-authority";
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    entries.push({ line: i + 1, ...(marker ? { marker } : {}), hosts, keyType, key: b64 });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostToken(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Does a known_hosts host field (hashed, or a comma list of patterns with `!` negation) name `token`? */
export function hostMatches(hosts: string, token: string): boolean {
  if (hosts.startsWith("|1|")) return hashedMatches(hosts, token);
  let matched = false;
  for (const pattern of hosts.split(",")) {
    const negated = pattern.startsWith("!");
    if (!globMatches(negated ? pattern.slice(1) : pattern, token)) continue;
    // A matching negated pattern wins over any positive one, as in OpenSSH.
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function hashedMatches(hosts: string, token: string): boolean {
  const [, , salt, hash] = hosts.split("|");
  if (!salt || !hash) return false;
  // The hostname is public, so a plain comparison of the HMACs leaks nothing worth a constant-time compare.
  return createHmac("sha1", Buffer.from(salt, "base64")).update(token).digest("base64") === hash;
}

function globMatches(pattern: string, token: string): boolean {
  // most lines name one host: a comparison, not a RegExp built per line per connect
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === token;
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(token);
}

// A fleet's known_hosts has a line per host: lines naming hosts only by plain names are found by the
// name, not scanned per connect (O(fleet) per host); hashed, wildcard and negated lines still are.
const indexes = new WeakMap<KnownHostEntry[], { byName: Map<string, KnownHostEntry[]>; scanned: KnownHostEntry[] }>();

/** The entries whose host field names `token`, in file order. */
function naming(entries: KnownHostEntry[], token: string): KnownHostEntry[] {
  let index = indexes.get(entries);
  if (!index) {
    index = { byName: new Map(), scanned: [] };
    for (const e of entries) {
      if (e.hosts.startsWith("|") || /[*?!]/.test(e.hosts)) {
        index.scanned.push(e);
        continue;
      }
      for (const name of new Set(e.hosts.toLowerCase().split(","))) {
        const list = index.byName.get(name);
        if (list) list.push(e);
        else index.byName.set(name, [e]);
      }
    }
    indexes.set(entries, index);
  }
  const found = [...(index.byName.get(token) ?? []), ...index.scanned.filter((e) => hostMatches(e.hosts, token))];
  return found.sort((a, b) => a.line - b.line);
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const len = blob.readUInt32BE(0);
  return len > 0 && 4 + len <= blob.length ? blob.subarray(4, 4 + len).toString("latin1") : "unknown";
}

/** OpenSSH-style fingerprint: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Host key algorithms (that ssh2 speaks) presenting a key of this type; RSA keys sign with several. */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"].includes(keyType)
    ? [keyType]
    : [];
}

/** Key types known_hosts holds for this host, so the client can ask the server for one of those first. */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const token = hostToken(host, port);
  const types = naming(entries, token)
    .filter((e) => !e.marker)
    .map((e) => keyTypeOf(Buffer.from(e.key, "base64")));
  return [...new Set(types)];
}

export interface HostKeyCheck {
  entries: KnownHostEntry[];
  file: string;
  /** Inventory name, for the error's `where`. */
  name: string;
  address: string;
  port: number;
  key: Buffer;
  mode: HostKeyChecking;
}

/** Pure: what to do with the key a host presented (OpenSSH StrictHostKeyChecking semantics). */
export function decideHostKey(c: HostKeyCheck): HostKeyDecision {
  if (c.mode === "off") return { action: "accept" };
  const token = hostToken(c.address, c.port);
  const keyType = keyTypeOf(c.key);
  const fp = fingerprint(c.key);
  const who = c.name === c.address ? token : `${c.name} (${token})`;
  const where = { host: c.name };
  const presented = c.key.toString("base64");
  const forHost = naming(c.entries, token).filter((e) => e.marker !== "cert-authority");

  const revoked = forHost.find((e) => e.marker === "revoked" && e.key === presented);
  if (revoked) {
    const error = new HostKeyError(`host key for ${who} is REVOKED: ${keyType} ${fp} (${c.file}:${revoked.line})`, {
      where,
      hint: "the server must get a new host key; armgo will not connect with a revoked one",
    });
    return { action: "refuse", error };
  }

  const plain = forHost.filter((e) => !e.marker);
  if (plain.some((e) => e.key === presented)) return { action: "accept" };

  const changed = plain.find((e) => keyTypeOf(Buffer.from(e.key, "base64")) === keyType);
  if (changed) {
    const error = new HostKeyError(
      `host key for ${who} has CHANGED: ${keyType} ${fp} does not match ${c.file}:${changed.line}`,
      {
        where,
        hint: `if the host was really reinstalled, remove the old key: ssh-keygen -R '${token}' -f ${c.file}`,
      },
    );
    return { action: "refuse", error };
  }

  if (c.mode === "accept-new") return { action: "record", line: `${token} ${keyType} ${presented}` };
  const error = new HostKeyError(`host key for ${who} is unknown: ${keyType} ${fp} not in ${c.file}`, {
    where,
    hint: `check the fingerprint, then add it (ssh-keyscan -p ${c.port} ${c.address} >> ${c.file}) or run with --host-key-checking accept-new`,
  });
  return { action: "refuse", error };
}

// Every connect reads known_hosts, twice: a fleet's file is parsed again only when it changed, not per host;
// the parse is shared while in flight (--forks hosts connect at once: each would parse it otherwise).
const parsed = new Map<string, { mtimeMs: number; size: number; entries: Promise<KnownHostEntry[]> }>();

export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    // a stat is microseconds: through the thread pool it cost the main thread far more, twice per connect
    const { mtimeMs, size } = statSync(file);
    const kept = parsed.get(file);
    if (kept?.mtimeMs === mtimeMs && kept.size === size) return await kept.entries;
    const entries = readFile(file, "utf8").then(parseKnownHosts);
    parsed.set(file, { mtimeMs, size, entries });
    // a failed read is not kept: the next connect reads again
    entries.catch(() => parsed.get(file)?.entries === entries && parsed.delete(file));
    return await entries;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

// Hosts connect in parallel: appends to one file go one after another so lines never interleave.
const appendQueues = new Map<string, Promise<void>>();

/** Append one line, creating the file (0600) and its directory (0700) if needed. */
export function appendKnownHost(file: string, line: string): Promise<void> {
  const prev = appendQueues.get(file) ?? Promise.resolve();
  const next = prev.then(async () => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const current = await readFile(file, "utf8").catch(() => "");
    const sep = current === "" || current.endsWith("\n") ? "" : "\n";
    await appendFile(file, `${sep}${line}\n`, { mode: 0o600 });
  });
  appendQueues.set(
    file,
    next.catch(() => undefined),
  );
  return next;
}
