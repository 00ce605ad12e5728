// The archive listing (`tar -tv`) and the safety rules checked on it before anything is written:
// no absolute paths, no `..`, no devices, no links that resolve outside the extraction root.
import { posix } from "node:path";

export interface Entry {
  /** tar's type letter: - d l h b c p */
  type: string;
  name: string;
  /** Symlink or hardlink target. */
  target?: string;
  /** The listing line, for messages. */
  line: string;
}

const LINE = /^(\S)\S*\s+\S+\s+\S+\s+\d{4}-\d\d-\d\d\s+\d\d:\d\d(?::\d\d)?\s(.*)$/;

/** Parse GNU or BusyBox `tar -tv` lines. Returns undefined for a line it cannot read. */
export function parseEntry(line: string): Entry | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const type = m[1] === "-" ? "-" : m[1]!;
  const rest = m[2]!;
  const sep = type === "l" ? " -> " : type === "h" ? " link to " : undefined;
  if (sep === undefined) return { type, name: rest, line };
  const parts = rest.split(sep);
  // A name that itself contains the separator is ambiguous: keep it whole so the check refuses it.
  if (parts.length !== 2) return { type, name: rest, target: "/", line };
  return { type, name: parts[0]!, target: parts[1]!, line };
}

function components(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

/**
 * Does `path` (relative to the root) leave the root once the archive's own symlinks are followed?
 * Resolution is physical, like the kernel's, so `a -> .` then `b -> a/../..` is caught.
 */
export function escapesRoot(path: string, links: Map<string, string>, followLast: boolean): boolean {
  const stack: string[] = [];
  let queue = components(path);
  let hops = 0;
  while (queue.length > 0) {
    const part = queue.shift()!;
    if (part === "..") {
      if (stack.length === 0) return true;
      stack.pop();
      continue;
    }
    stack.push(part);
    const link = links.get(stack.join("/"));
    if (link === undefined || (queue.length === 0 && !followLast)) continue;
    if (link.startsWith("/") || ++hops > 40) return true;
    stack.pop();
    queue = [...components(link), ...queue];
  }
  return false;
}

/**
 * The first entry that must not be extracted, with why. `root`: the directory every entry must
 * stay inside (e.g. `go`, for a tree that will be moved as a whole); "" for the archive root.
 */
export function unsafeEntry(entries: Entry[], root: string): { entry: Entry; reason: string } | undefined {
  const inRoot = (p: string): string | undefined => {
    const c = components(p);
    if (root === "") return c.join("/");
    if (c[0] !== root) return undefined;
    return c.slice(1).join("/");
  };
  const links = new Map<string, string>();
  for (const e of entries) {
    const rel = inRoot(e.name);
    if (e.type === "l" && rel !== undefined && e.target !== undefined) links.set(rel, e.target);
  }
  for (const entry of entries) {
    const { name, type, target } = entry;
    if (type === "?") return { entry, reason: "listing line not understood" };
    if (name.startsWith("/")) return { entry, reason: "absolute path" };
    if (components(name).includes("..")) return { entry, reason: "'..' in path" };
    if ("bcp".includes(type)) return { entry, reason: "device or fifo" };
    const rel = inRoot(name);
    if (rel === undefined) return { entry, reason: `outside ${root}/` };
    if (escapesRoot(posix.dirname(rel), links, true)) return { entry, reason: "written through a link that points outside" };
    if (type === "l") {
      if (target === undefined || target.startsWith("/")) return { entry, reason: "symlink to an absolute path" };
      if (escapesRoot(`${posix.dirname(rel)}/${target}`, links, true)) return { entry, reason: "symlink pointing outside" };
    }
    if (type === "h") {
      const linkRel = target === undefined || target.startsWith("/") ? undefined : inRoot(target);
      if (linkRel === undefined || components(target!).includes("..") || escapesRoot(linkRel, links, true)) {
        return { entry, reason: "hardlink to outside" };
      }
    }
  }
  return undefined;
}
