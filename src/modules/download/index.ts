// download: put a file at dest whose sha256 is verified before it gets there (host fetch or controller upload).
import { posix } from "node:path";
import type { Module } from "../contract.js";
import { resolveChecksum } from "../checksum-spec.js";
import { applyDownload } from "./apply.js";
import { planDownload } from "./plan.js";
import { parseProbe, probeScript } from "./probe.js";
import type { DownloadArgs, DownloadState, DownloadStep } from "./types.js";

/** The file name a URL ends in (no query or fragment): what checksum files list. */
function urlBasename(url: string): string {
  return posix.basename(url.split(/[?#]/)[0] ?? url);
}

export type { DownloadArgs, DownloadState, DownloadStep } from "./types.js";

export const download: Module<DownloadArgs, DownloadState, DownloadStep> = {
  name: "download",

  async resolve(args, ctx) {
    // A checksum URL is fetched once per run for all hosts (memoised), never once per host.
    const sha256 = await resolveChecksum(
      args.checksum,
      [urlBasename(args.url), posix.basename(args.dest)],
      ctx.controller,
    );
    return { ...args, checksum: `sha256:${sha256}` };
  },

  probe: (args) => probeScript(args),
  parse: (out) => parseProbe(out),
  plan: (state, args) => planDownload(state, args),
  apply: (ctx, args, plan) => applyDownload(ctx, args, plan),
};
