// The Go download feed (`/dl/?mode=json&include=all`) for the files a lab mirror holds.
import { compareGoVersions, type FeedFile, type FeedRelease } from "../modules/go-release/feed.js";

export type { FeedFile, FeedRelease };

/** Group files by version, newest release first, files in a stable order inside each release. */
export function buildFeed(files: FeedFile[]): FeedRelease[] {
  const byVersion = new Map<string, FeedFile[]>();
  for (const f of files) byVersion.set(f.version, [...(byVersion.get(f.version) ?? []), f]);
  return [...byVersion.entries()]
    .sort(([a], [b]) => compareGoVersions(b, a))
    .map(([version, list]) => ({
      version,
      // Release candidates and betas carry letters after the numbers; plain goX.Y.Z is stable.
      stable: /^go\d+(\.\d+)*$/.test(version),
      files: [...list].sort((x, y) => x.filename.localeCompare(y.filename)),
    }));
}

/** The release file name Go uses: `go1.22.12.linux-arm64.tar.gz`. */
export function archiveName(version: string, os: string, arch: string): string {
  return `${version}.${os}-${arch}.tar.gz`;
}
