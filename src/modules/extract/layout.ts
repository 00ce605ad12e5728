// Where things live: dest/<top> is the symlink users see, dest/<top>-<version> the trees behind it.
import { posix } from "node:path";
import type { ExtractArgs } from "./types.js";

export interface Layout {
  /** e.g. go */
  top: string;
  /** version_file below top, e.g. VERSION */
  rel: string;
  /** e.g. /usr/local/go */
  target: string;
  /** Name of the wanted version's tree, e.g. go-1.22.12 */
  tree: string;
}

export const TEMP_PREFIX = ".armgo-extract-";

export function layout(args: ExtractArgs): Layout | undefined {
  if (!args.version_file || !args.version) return undefined;
  const [top, ...rest] = args.version_file.split("/").filter((p) => p !== "" && p !== ".");
  return {
    top: top!,
    rel: rest.join("/"),
    target: posix.join(args.dest, top!),
    tree: `${top}-${args.version.replace(/^go/, "")}`,
  };
}

/** tar's decompression flag from the archive name; GNU tar also detects it by itself. */
export function tarFlag(src: string): string {
  if (/\.(tar\.gz|tgz)$/.test(src)) return "z";
  if (/\.(tar\.xz|txz)$/.test(src)) return "J";
  if (/\.(tar\.bz2|tbz2?)$/.test(src)) return "j";
  return "";
}
