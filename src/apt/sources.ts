// The Debian mirror comes from the machine's own apt sources: no mirror host is ever written into the repo.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
  file: string;
}

export interface DebianMirror {
  uri: string;
  signedBy?: string;
}

/** Parse a deb822 `.sources` file into its enabled entries. */
export function parseDeb822(text: string, file = "<deb822>"): AptSource[] {
  const out: AptSource[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let current: string | undefined;
    for (const line of paragraph.split("\n")) {
      if (line.startsWith("#")) continue;
      // Continuation lines (an inline Signed-By key, long URI lists) belong to the field above.
      if (/^[ \t]/.test(line)) {
        if (current) fields.set(current, `${fields.get(current) ?? ""}\n${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (!m) continue;
      current = m[1]!.toLowerCase();
      fields.set(current, m[2]!.trim());
    }
    if (!fields.has("uris") || (fields.get("enabled") ?? "yes").toLowerCase() === "no") continue;
    const words = (key: string) => (fields.get(key) ?? "").split(/\s+/).filter(Boolean);
    const signedBy = fields.get("signed-by")?.trim();
    out.push({
      types: words("types"),
      uris: words("uris"),
      suites: words("suites"),
      components: words("components"),
      // Only a keyring path can be handed on; an inline key block starts with its own marker line.
      signedBy: signedBy && !signedBy.includes("\n") && signedBy.startsWith("/") ? signedBy : undefined,
      file,
    });
  }
  return out;
}

/** Parse one-line `sources.list` entries: `deb [signed-by=/k.gpg] URI SUITE COMPONENT...`. */
export function parseOneLine(text: string, file = "<sources.list>"): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const options = new Map(
      (m[2] ?? "")
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => {
          const i = kv.indexOf("=");
          return [kv.slice(0, i).toLowerCase(), kv.slice(i + 1)] as const;
        }),
    );
    out.push({
      types: [m[1]!],
      uris: [m[3]!],
      suites: [m[4]!],
      components: (m[5] ?? "").split(/\s+/).filter(Boolean),
      signedBy: options.get("signed-by"),
      file,
    });
  }
  return out;
}

/** Pick the binary-package mirror that serves `suite` (the main archive, not the security one). */
export function pickMirror(sources: AptSource[], suite: string): DebianMirror | undefined {
  const hit = sources.find((s) => s.types.includes("deb") && s.suites.includes(suite) && s.uris.length > 0);
  if (!hit) return undefined;
  return { uri: hit.uris[0]!.replace(/\/+$/, ""), signedBy: hit.signedBy };
}

/**
 * The mirror for a Debian `release`: the source that lists it, else the machine's Debian archive (a URI
 * ending in /debian), which serves every release though apt sources name only the machine's own.
 */
export function pickDebianMirror(sources: AptSource[], release: string): DebianMirror | undefined {
  const archive = sources.find((s) => s.types.includes("deb") && s.uris.some((u) => /\/debian\/?$/.test(u)));
  return pickMirror(sources, release) ?? (archive ? pickMirror([archive], archive.suites[0]!) : undefined);
}

/** Read every apt source on the machine (below `root`, for tests). */
export async function readAptSources(root = "/"): Promise<AptSource[]> {
  const etc = join(root, "etc/apt");
  const out: AptSource[] = [];
  const main = join(etc, "sources.list");
  const text = await readFile(main, "utf8").catch(() => undefined);
  if (text !== undefined) out.push(...parseOneLine(text, main));
  const dir = join(etc, "sources.list.d");
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const file = join(dir, name);
    if (name.endsWith(".sources")) out.push(...parseDeb822(await readFile(file, "utf8"), file));
    else if (name.endsWith(".list")) out.push(...parseOneLine(await readFile(file, "utf8"), file));
  }
  return out;
}

/** The machine's Debian mirror for `suite` (pickDebianMirror), or an InputError that says where it looked. */
export async function debianMirror(suite: string, root = "/"): Promise<DebianMirror> {
  const mirror = pickDebianMirror(await readAptSources(root), suite);
  if (!mirror) {
    throw new InputError(
      `no apt source for Debian ${suite} in ${join(root, "etc/apt")}/sources.list{,.d/*.sources,.d/*.list}`,
      {
        hint: `add a '${suite}' entry for your Debian mirror to the machine's apt sources`,
      },
    );
  }
  return mirror;
}
