// The Go download feed (`?mode=json&include=all`) and choosing a release from it.
import { TaskError } from "../../errors.js";

export interface FeedFile {
  filename: string;
  os: string;
  arch: string;
  version: string;
  sha256: string;
  size: number;
  kind: string;
}

export interface FeedRelease {
  version: string;
  stable: boolean;
  files: FeedFile[];
}

/** Parse feed text; TaskError when it is not the feed's JSON shape. */
export function parseFeed(text: string, url: string): FeedRelease[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new TaskError(`feed ${url} is not JSON`, {
      hint: "feed must be the Go download feed with ?mode=json&include=all",
      cause: err,
    });
  }
  const ok =
    Array.isArray(data) &&
    (data as Array<Partial<Record<"version" | "files", unknown>> | null>).every(
      (r) => r && typeof r.version === "string" && Array.isArray(r.files),
    );
  if (!ok) throw new TaskError(`feed ${url} is not a Go release feed (array of {version, stable, files})`);
  return data as FeedRelease[];
}

/** `go1.22.12` → [1, 22, 12, 1e9]; a pre-release (`go1.23rc1`) sorts below its release. */
function versionKey(v: string): number[] {
  const m = /^go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(beta|rc)(\d+))?$/.exec(v);
  if (!m) return [-1];
  const pre = m[4] === undefined ? 1e9 : (m[4] === "rc" ? 5e8 : 0) + Number(m[5]);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), pre];
}

/** Order of Go versions: negative when a is older than b (`go1.9.7` < `go1.10` < `go1.23rc1` < `go1.23`). */
export function compareGoVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function newestFirst(a: FeedRelease, b: FeedRelease): number {
  return compareGoVersions(b.version, a.version);
}

/** `latest`, `1.22`, `go1.22`, `1.22.12` → what to look for. */
export function parseWanted(version: string): { kind: "latest" } | { kind: "line" | "exact"; version: string } {
  const v = version.trim().replace(/^go/, "");
  if (v === "latest") return { kind: "latest" };
  if (/^\d+\.\d+$/.test(v)) return { kind: "line", version: `go${v}` };
  return { kind: "exact", version: `go${v}` };
}

/** The release `version` names: newest stable for latest and for a minor line, any for an exact version. */
export function selectRelease(feed: FeedRelease[], version: string): FeedRelease {
  const wanted = parseWanted(version);
  const sorted = [...feed].sort(newestFirst);
  const stable = sorted.filter((r) => r.stable);
  const newest = stable[0]?.version ?? "none";
  if (wanted.kind === "latest") {
    if (stable[0]) return stable[0];
    throw new TaskError("feed has no stable release", {
      hint: "check the feed URL (it needs include=all or a current feed)",
    });
  }
  if (wanted.kind === "exact") {
    // Before 1.21 a line's first release is named go1.20, not go1.20.0.
    const hit = sorted.find((r) => r.version === wanted.version || `${r.version}.0` === wanted.version);
    if (hit) return hit;
    const line = wanted.version.split(".").slice(0, 2).join(".");
    const sameLine = sorted.filter((r) => r.version === line || r.version.startsWith(`${line}.`)).map((r) => r.version);
    throw new TaskError(
      `no ${wanted.version} in feed; ${sameLine.length ? `${line} has: ${sameLine.slice(0, 5).join(", ")}` : `newest stable: ${newest}`}`,
      {
        hint: "pick a version the feed lists, or use the minor line (e.g. 1.22) for its newest patch",
        data: { newest_stable: newest },
      },
    );
  }
  const hit = stable.find((r) => r.version === wanted.version || r.version.startsWith(`${wanted.version}.`));
  if (hit) return hit;
  throw new TaskError(`no stable ${wanted.version} in feed; newest stable: ${newest}`, {
    hint: "the feed needs include=all for older lines",
    data: { newest_stable: newest },
  });
}

/** The release's archive for os/arch; TaskError listing the platforms it has otherwise. */
export function selectArchive(release: FeedRelease, os: string, arch: string): FeedFile {
  const archives = release.files.filter((f) => f.kind === "archive");
  const hit = archives.find((f) => f.os === os && f.arch === arch);
  if (hit) return hit;
  const platforms = archives.map((f) => `${f.os}/${f.arch}`);
  throw new TaskError(`${release.version} has no archive for ${os}/${arch}`, {
    hint: platforms.length ? `it has: ${platforms.join(", ")}` : "the feed lists no archives for it",
  });
}
