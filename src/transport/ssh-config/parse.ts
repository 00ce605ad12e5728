// Reading an OpenSSH client config into lines, each with the Host/Match blocks it sits in (Include followed).
import { isAbsolute, join, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { patternMatches } from "./match.js";
import { configWords } from "./words.js";

/** What the parser reads files through (tests and the CLI pass their own). */
export interface ConfigFs {
  /** A file's text, or undefined when there is none. */
  readFile(path: string): string | undefined;
  /** A directory's entry names, or undefined when it is not one. */
  readDir(path: string): string[] | undefined;
}

/** A `Host` or `Match` line: the condition for the lines after it. */
export type Block =
  | { kind: "host"; patterns: string[]; file: string; line: number }
  | { kind: "match"; args: string[]; file: string; line: number };

export interface ConfigLine {
  /** Lowercased, as readconf.c matches keywords. */
  keyword: string;
  /** As written, for messages. */
  name: string;
  args: string[];
  file: string;
  line: number;
  /** Blocks that must all apply: the one of an Include's line first, then the file's own. */
  blocks: Block[];
}

/** An option given on the command line (or as an inventory var): before every config line, in no block. */
export function optionLine(name: string, args: string[], from: string): ConfigLine {
  return { keyword: name.toLowerCase(), name, args, file: from, line: 0, blocks: [] };
}

// readconf.c's limit on nested Includes.
const MAX_INCLUDE_DEPTH = 16;

export interface ParseOptions {
  home: string;
  fs: ConfigFs;
  /** `-F FILE`: a missing file is an error, where a missing default config is an empty one (as in ssh). */
  explicit: boolean;
  /** Where a relative Include points: ~/.ssh for a user config, /etc/ssh for the system's. */
  includeDir: string;
}

/** The lines of `path`, Includes followed. */
export function parseConfig(path: string, opts: ParseOptions): ConfigLine[] {
  const text = opts.fs.readFile(path);
  if (text === undefined) {
    if (!opts.explicit) return [];
    throw new InputError(`cannot read the ssh config ${path}`, { hint: "check the -F / ssh_config path" });
  }
  const out: ConfigLine[] = [];
  readInto(out, path, text, [], 0, opts);
  return out;
}

function readInto(
  out: ConfigLine[],
  file: string,
  text: string,
  outer: Block[],
  depth: number,
  opts: ParseOptions,
): void {
  let blocks = outer;
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const split = splitLine(raw);
    if (!split) return;
    const { name, args } = split;
    const keyword = name.toLowerCase();
    const where = { file, line };
    if (!args) throw new InputError(`${name}: unterminated quote`, { where, hint: "close the quote" });
    if (keyword === "host") {
      if (args.length === 0) throw new InputError("Host needs at least one pattern", { where });
      blocks = [...outer, { kind: "host", patterns: args, file, line }];
    } else if (keyword === "match") {
      if (args.length === 0) throw new InputError("Match needs a criterion", { where });
      blocks = [...outer, { kind: "match", args, file, line }];
    } else if (keyword === "include") {
      if (depth >= MAX_INCLUDE_DEPTH)
        throw new InputError("Include nested too deeply", { where, hint: "look for an Include loop" });
      if (args.length === 0) throw new InputError("Include needs a file", { where });
      for (const pattern of args) {
        for (const path of expandGlob(includePath(pattern, opts), opts.fs)) {
          const inner = opts.fs.readFile(path);
          if (inner !== undefined) readInto(out, path, inner, blocks, depth + 1, opts);
        }
      }
    } else {
      out.push({ keyword, name, args, file, line, blocks });
    }
  });
}

/**
 * `Keyword args`, `Keyword=args` or `Keyword = args`: undefined for a blank or comment line, args
 * undefined for an unterminated quote.
 */
export function splitLine(raw: string): { name: string; args: string[] | undefined } | undefined {
  const m = /^[ \t]*([^ \t=]+)[ \t]*(?:=[ \t]*)?(.*)$/.exec(raw.replace(/\r$/, ""));
  if (!m || m[1]!.startsWith("#")) return undefined;
  return { name: m[1]!, args: configWords(m[2]!) };
}

// readconf.c: ~ is the home, and a relative path is relative to ~/.ssh (or /etc/ssh for the system config).
function includePath(p: string, opts: ParseOptions): string {
  if (p === "~" || p.startsWith("~/")) return join(opts.home, p.slice(1));
  return isAbsolute(p) ? p : resolve(opts.includeDir, p);
}

/** glob(3) as Include uses it: `*` and `?` in any component, sorted, no match is no file. */
function expandGlob(path: string, fs: ConfigFs): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  let found = ["/"];
  for (const part of parts) {
    if (!/[*?]/.test(part)) {
      found = found.map((dir) => join(dir, part));
      continue;
    }
    found = found.flatMap((dir) =>
      (fs.readDir(dir) ?? [])
        // glob(3) leaves dot files to patterns that start with a dot.
        .filter((name) => (part.startsWith(".") || !name.startsWith(".")) && patternMatches(part, name))
        .sort()
        .map((name) => join(dir, name)),
    );
  }
  return found;
}
