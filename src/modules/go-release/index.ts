// go-release: controller-only. Resolves `version` against the Go download feed to one archive
// (filename, url, sha256, size) that later tasks use through `register`.
import type { Module, Plan } from "../contract.js";
import { parseFeed, selectArchive, selectRelease } from "./feed.js";

export interface GoReleaseArgs {
  version: string;
  feed: string;
  base_url: string;
  os?: string;
  arch?: string;
  /** Filled in by resolve(). */
  resolved?: GoRelease;
}

export interface GoRelease {
  version: string;
  filename: string;
  url: string;
  sha256: string;
  size: number;
  os: string;
  arch: string;
}

export function joinUrl(base: string, filename: string): string {
  return `${base.replace(/\/+$/, "")}/${filename}`;
}

export const goRelease: Module<GoReleaseArgs, GoRelease, never> = {
  name: "go-release",

  async resolve(args, ctx) {
    const os = args.os ?? ctx.facts.goos;
    const arch = args.arch ?? ctx.facts.goarch;
    // fetchText is memoised per run: every host and task shares one feed download; parsing is cheap.
    const feed = parseFeed(await ctx.controller.fetchText(args.feed), args.feed);
    const release = selectRelease(feed, args.version);
    const file = selectArchive(release, os, arch);
    const resolved: GoRelease = {
      version: release.version,
      filename: file.filename,
      url: joinUrl(args.base_url, file.filename),
      sha256: file.sha256.toLowerCase(),
      size: file.size,
      os,
      arch,
    };
    return { ...args, resolved };
  },

  // Nothing to read on the host: the engine needs no remote call for this task.
  probe: () => "",

  parse(_out, args) {
    if (!args.resolved) throw new Error("armgo: go-release parse() before resolve()");
    return args.resolved;
  },

  plan(release): Plan<never> {
    return {
      steps: [],
      msg: `${release.version} ${release.os}/${release.arch} → ${release.filename}`,
      data: { ...release },
    };
  },

  async apply() {
    return {};
  },
};
