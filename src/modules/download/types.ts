// Arguments, probed state and plan steps of the download module.
import type { HashState } from "../shared/hash-probe.js";

export interface DownloadArgs {
  url: string;
  dest: string;
  /** `sha256:HEX` or `sha256:URL`; resolve() turns a URL into `sha256:HEX`. */
  checksum: string;
  mode?: "remote" | "controller";
  file_mode?: string;
  owner?: string;
  /** Seconds without progress before a transfer is given up. */
  timeout?: number;
  retries?: number;
  verify?: "fast" | "full";
  /** Expected size in bytes (e.g. go.size), shown by check mode. */
  size?: number;
}

export interface DownloadState extends HashState {
  exists: boolean;
  /** dest exists but is not a regular file. */
  notFile: boolean;
  size?: number;
  /** Octal mode (e.g. "644") of dest; owner and group each as [name, numeric id]. */
  mode?: string;
  owner?: string[];
  group?: string[];
  /** Bytes of an earlier, interrupted download at dest.part (0: none). */
  partSize: number;
  tools: { curl: boolean; wget: boolean; sha256sum: boolean };
}

export type DownloadStep =
  { action: "fetch"; tool: "curl" | "wget"; resumeFrom: number } | { action: "upload" } | { action: "attributes" };
