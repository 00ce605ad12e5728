import { describe, expect, it } from "vitest";
import { archiveName, buildFeed, type FeedFile } from "../../src/lab/feed.js";
import { compareGoVersions } from "../../src/modules/go-release/feed.js";

const file = (version: string, arch: string, size = 1): FeedFile => ({
  filename: archiveName(version, "linux", arch),
  os: "linux",
  arch,
  version,
  sha256: "0".repeat(64),
  size,
  kind: "archive",
});

describe("archiveName", () => {
  it("follows the release naming", () => {
    expect(archiveName("go1.22.12", "linux", "arm64")).toBe("go1.22.12.linux-arm64.tar.gz");
  });
});

describe("compareGoVersions", () => {
  it.each([
    ["go1.22.12", "go1.22.9", 1],
    ["go1.23.5", "go1.22.12", 1],
    ["go1.22", "go1.22.0", 0],
    ["go1.9.7", "go1.10", -1],
  ])("%s vs %s", (a, b, sign) => {
    expect(Math.sign(compareGoVersions(a, b))).toBe(sign);
  });
});

describe("buildFeed", () => {
  it("groups by version, newest first, files sorted, in the Go feed shape", () => {
    const feed = buildFeed([
      file("go1.22.12", "arm64"),
      file("go1.23.5", "arm64"),
      file("go1.22.12", "amd64"),
      file("go1.23.5", "amd64"),
    ]);
    expect(feed.map((r) => r.version)).toEqual(["go1.23.5", "go1.22.12"]);
    expect(feed[1]).toEqual({
      version: "go1.22.12",
      stable: true,
      files: [file("go1.22.12", "amd64"), file("go1.22.12", "arm64")],
    });
    expect(Object.keys(feed[0]!.files[0]!).sort()).toEqual([
      "arch",
      "filename",
      "kind",
      "os",
      "sha256",
      "size",
      "version",
    ]);
  });

  it("marks release candidates unstable", () => {
    expect(buildFeed([file("go1.24rc1", "arm64")])[0]!.stable).toBe(false);
  });

  it("is empty for no files", () => {
    expect(buildFeed([])).toEqual([]);
  });
});
