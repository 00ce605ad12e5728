import { describe, expect, it } from "vitest";
import { goRelease } from "../../src/modules/go-release/index.js";
import { selectArchive, selectRelease, parseFeed } from "../../src/modules/go-release/feed.js";
import type { Controller } from "../../src/modules/contract.js";
import { localFacts, localFleet } from "./modules-helpers.js";

const file = (version: string, os: string, arch: string, kind = "archive") => ({
  filename: `${version}.${os}-${arch}.${kind === "archive" ? "tar.gz" : "pkg"}`,
  os,
  arch,
  version,
  sha256: (version + os + arch)
    .replace(/[^0-9a-f]/g, "a")
    .padEnd(64, "0")
    .slice(0, 64),
  size: 1000 + version.length,
  kind,
});
const release = (version: string, stable = true) => ({
  version,
  stable,
  files: [
    file(version, "linux", "arm64"),
    file(version, "linux", "amd64"),
    file(version, "darwin", "arm64", "installer"),
    { ...file(version, "", ""), kind: "source" },
  ],
});
// Unsorted on purpose: the feed's order is not relied on.
const FEED = [
  release("go1.22.11"),
  release("go1.24rc1", false),
  release("go1.23.5"),
  release("go1.22.12"),
  release("go1.23.4"),
  release("go1.9.7"),
  release("go1.20"),
  release("go1.20.1"),
  release("go1.23rc2", false),
];

describe("selectRelease", () => {
  it.each([
    ["latest", "go1.23.5"],
    ["1.22", "go1.22.12"],
    ["go1.22", "go1.22.12"],
    ["1.22.11", "go1.22.11"],
    ["go1.22.12", "go1.22.12"],
    ["1.20", "go1.20.1"],
    ["1.20.0", "go1.20"],
    ["1.9", "go1.9.7"],
    ["1.24rc1", "go1.24rc1"],
  ])("%s → %s", (version, want) => {
    if (want === undefined) expect(() => selectRelease(FEED, version)).toThrow();
    else expect(selectRelease(FEED, version).version).toBe(want);
  });

  it.each([
    ["1.24", "no stable go1.24 in feed; newest stable: go1.23.5"],
    ["1.22.99", "no go1.22.99 in feed; go1.22 has: go1.22.12, go1.22.11"],
    ["1.25.1", "no go1.25.1 in feed; newest stable: go1.23.5"],
  ])("%s fails: %s", (version, message) => {
    expect(() => selectRelease(FEED, version)).toThrow(message);
  });
});

describe("selectArchive", () => {
  it("picks the archive for os/arch, never the installer or source", () => {
    expect(selectArchive(release("go1.22.12"), "linux", "arm64").filename).toBe("go1.22.12.linux-arm64.tar.gz");
    expect(() => selectArchive(release("go1.22.12"), "darwin", "arm64")).toThrow(
      "go1.22.12 has no archive for darwin/arm64",
    );
  });
});

describe("parseFeed", () => {
  it.each(["<html>", "{}", '[{"version":1}]'])("refuses %s", (text) =>
    expect(() => parseFeed(text, "u")).toThrow(/feed u/),
  );
});

describe("go-release module", () => {
  const controller = (fetched: string[]): Controller => ({
    fetchText: async (url) => {
      fetched.push(url);
      return JSON.stringify(FEED);
    },
    fetchFile: async () => "",
    memo: (_k, f) => f(),
  });

  it.each([
    [
      "https://mirror.example/dl/",
      { version: "1.22" },
      "https://mirror.example/dl/go1.22.12.linux-arm64.tar.gz",
      "arm64",
    ],
    [
      "https://mirror.example/dl",
      { version: "go1.22.12", arch: "amd64" },
      "https://mirror.example/dl/go1.22.12.linux-amd64.tar.gz",
      "amd64",
    ],
  ])("base_url %s", async (base_url, extra, url, arch) => {
    const fetched: string[] = [];
    const args = await goRelease.resolve!(
      { feed: "https://mirror.example/feed", base_url, ...extra },
      { host: "h", facts: localFacts(), controller: controller(fetched), fleet: localFleet({}) },
    );
    expect(goRelease.probe(args, localFacts())).toBe("");
    const plan = goRelease.plan(goRelease.parse({ stdout: "", stderr: "", code: 0 }, args), args);
    expect(plan.steps).toEqual([]);
    expect(plan.msg).toBe(`go1.22.12 linux/${arch} → go1.22.12.linux-${arch}.tar.gz`);
    expect(plan.data).toMatchObject({
      version: "go1.22.12",
      filename: `go1.22.12.linux-${arch}.tar.gz`,
      url,
      os: "linux",
      arch,
      size: 1009,
    });
    expect(plan.data!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fetched).toEqual(["https://mirror.example/feed"]);
  });
});
