// Checksum arguments (`sha256:HEX`, `sha256:URL`) and checksum files in the formats users meet:
// bare hex (Go's `.sha256`), GNU `HEX  name` / `HEX *name`, BSD `SHA256 (name) = HEX`.
import { posix } from "node:path";
import { TaskError } from "../errors.js";
import type { Controller } from "./contract.js";

export type ChecksumSpec = { kind: "hex"; sha256: string } | { kind: "url"; url: string };

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Parse a `checksum:` argument. Throws TaskError for anything but sha256 with hex or an http(s) URL. */
export function parseChecksumArg(spec: string): ChecksumSpec {
  const m = /^sha256:(.+)$/i.exec(spec.trim());
  if (!m) {
    throw new TaskError(`checksum '${spec}' is not 'sha256:HEX' or 'sha256:URL'`, {
      hint: "only sha256 is supported; write e.g. sha256:{{ go.sha256 }}",
    });
  }
  const value = m[1]!.trim();
  if (HEX64.test(value)) return { kind: "hex", sha256: value.toLowerCase() };
  if (/^https?:\/\//i.test(value)) return { kind: "url", url: value };
  throw new TaskError(`checksum '${spec}' has neither 64 hex digits nor an http(s) URL after 'sha256:'`);
}

/**
 * The sha256 for `names` (candidate file names, e.g. the download URL's basename) in a checksum
 * file. A line without a matching name is accepted only when it is the file's only hash.
 */
export function parseChecksumFile(text: string, names: string[], source = "checksum file"): string {
  const wanted = new Set(names.map((n) => posix.basename(n)));
  const entries: Array<{ sha256: string; name?: string }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const bsd = /^SHA256 ?\((.+)\) ?= ?([0-9a-fA-F]{64})$/i.exec(line);
    const gnu = /^\\?([0-9a-fA-F]{64})(?:\s+\*?(.+))?$/.exec(line);
    if (bsd) entries.push({ sha256: bsd[2]!.toLowerCase(), name: bsd[1]! });
    else if (gnu) entries.push({ sha256: gnu[1]!.toLowerCase(), ...(gnu[2] ? { name: gnu[2].trim() } : {}) });
  }
  const match = entries.find((e) => e.name !== undefined && wanted.has(posix.basename(e.name)));
  if (match) return match.sha256;
  // One hash and no name match: the file is about one download, trust it (the hash check still runs).
  if (entries.length === 1) return entries[0]!.sha256;
  const listed = [...wanted].join(", ");
  throw new TaskError(
    entries.length === 0
      ? `${source} holds no sha256 hash`
      : `${source} has ${entries.length} hashes and none for ${listed}`,
    { hint: "point checksum at the file's own .sha256, or give sha256:HEX", data: { names: [...wanted] } },
  );
}

/** The expected sha256 for a checksum argument; a checksum URL is fetched once per run (memoised). */
export async function resolveChecksum(spec: string, names: string[], controller: Controller): Promise<string> {
  const parsed = parseChecksumArg(spec);
  if (parsed.kind === "hex") return parsed.sha256;
  return controller.memo(`checksum:${parsed.url}:${names.join(",")}`, async () => {
    let text: string;
    try {
      text = await controller.fetchText(parsed.url);
    } catch (err) {
      throw new TaskError(`cannot fetch checksum file ${parsed.url}: ${(err as Error).message}`, {
        hint: "check the URL and the controller's network",
        cause: err,
      });
    }
    return parseChecksumFile(text, names, parsed.url);
  });
}

/** The resolved hash from args whose checksum resolve() already turned into `sha256:HEX`. */
export function resolvedSha256(spec: string): string {
  const parsed = parseChecksumArg(spec);
  if (parsed.kind !== "hex") throw new Error(`armgo: checksum ${spec} used before resolve()`);
  return parsed.sha256;
}
