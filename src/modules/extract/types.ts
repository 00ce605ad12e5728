// Arguments, probed state and plan steps of the extract module.

export interface ExtractArgs {
  /** Archive on the host. */
  src: string;
  /** Directory the tree goes into, e.g. /usr/local. */
  dest: string;
  /** Without version: a path whose existence means "already extracted". */
  creates?: string;
  /** Relative to dest, e.g. go/VERSION; its first directory is the managed tree (go). */
  version_file?: string;
  /** First line version_file must hold, e.g. go1.22.12. */
  version?: string;
  /** Keep older versioned trees beside the active one (default true). */
  keep_previous?: boolean;
}

/** A versioned tree beside the target, e.g. go-1.21.6 holding go1.21.6. */
export interface Tree {
  name: string;
  version: string;
}

export interface ExtractState {
  /** What is at dest/<top> now. */
  target: "link" | "dir" | "other" | "absent";
  /** Where the target symlink points (as written). */
  link?: string;
  /** First line of version_file through the target. */
  installed?: string;
  trees: Tree[];
  /** Leftovers of an interrupted run (temp dirs, a half-made link). */
  stale: string[];
  creates: boolean;
  src: boolean;
  /** Only GNU tar keeps every entry inside the directory it unpacks into (safety.ts). */
  tar: "gnu" | "other" | "none";
}

export type ExtractStep =
  | { action: "clean" }
  | { action: "extract"; into: string }
  | { action: "switch"; to: string; migrate?: string }
  | { action: "prune"; names: string[] }
  | { action: "unpack" };
