// The managed block (`# BEGIN armgo NAME` … `# END armgo NAME`) and its insertion into a file's
// text, blockinfile style: the rest of the file is never touched.
import { TaskError } from "../../errors.js";
import { quote } from "../../transport/quote.js";

export interface BlockArgs {
  name: string;
  goroot?: string;
  gopath?: string;
  gobin?: string;
  path?: string[];
  env?: Record<string, string | number | boolean>;
}

export const begin = (name: string) => `# BEGIN armgo ${name}`;
export const end = (name: string) => `# END armgo ${name}`;

/**
 * A value as shell text: literal, except that a leading `$HOME` or `~` expands when sourced,
 * so one profile serves every user (`$HOME/go`). Everything else stays data.
 */
export function shellValue(value: string): string {
  const m = /^(?:\$HOME|\$\{HOME\}|~)(\/.*)?$/.exec(value);
  if (!m) return quote(value);
  return m[1] ? `"$HOME"${quote(m[1])}` : `"$HOME"`;
}

/** PATH entries in order of precedence: GOROOT/bin, then GOBIN (or GOPATH/bin), then `path`. */
function pathDirs(args: BlockArgs): string[] {
  const dirs: string[] = [];
  if (args.goroot) dirs.push(`${args.goroot}/bin`);
  if (args.gobin) dirs.push(args.gobin);
  else if (args.gopath) dirs.push(`${args.gopath}/bin`);
  dirs.push(...(args.path ?? []));
  return [...new Set(dirs)];
}

/** The block's text (with trailing newline). Sourcing it twice leaves PATH as sourcing it once. */
export function renderBlock(args: BlockArgs): string {
  const vars: Array<[string, string]> = [];
  if (args.goroot) vars.push(["GOROOT", args.goroot]);
  if (args.gopath) vars.push(["GOPATH", args.gopath]);
  if (args.gobin) vars.push(["GOBIN", args.gobin]);
  for (const [k, v] of Object.entries(args.env ?? {})) vars.push([k, String(v)]);
  const lines = [begin(args.name), ...vars.map(([k, v]) => `export ${k}=${shellValue(v)}`)];
  // Prepend in reverse so the first dir ends up first; a dir already on PATH stays where it is.
  for (const dir of pathDirs(args).reverse()) {
    const v = shellValue(dir);
    lines.push(`case ":$PATH:" in *:${v}:*) ;; *) PATH=${v}:$PATH ;; esac`);
  }
  if (pathDirs(args).length > 0) lines.push("export PATH");
  lines.push(end(args.name));
  return lines.join("\n") + "\n";
}

/** The file's text with the block put in (replacing an existing one) or removed (block undefined). */
export function editText(text: string, name: string, block: string | undefined, file: string): string {
  const lines = text.split("\n");
  const from = lines.indexOf(begin(name));
  const to = from < 0 ? -1 : lines.indexOf(end(name), from + 1);
  if (from >= 0 && to < 0) {
    throw new TaskError(`${file}: '${begin(name)}' has no '${end(name)}' line`, { hint: "fix the file by hand; armgo will not guess where the block ends" });
  }
  if (from >= 0) {
    const after = lines.slice(to + 1);
    const blockLines = block === undefined ? [] : block.replace(/\n$/, "").split("\n");
    return [...lines.slice(0, from), ...blockLines, ...after].join("\n");
  }
  if (block === undefined) return text;
  if (text === "") return block;
  return text.endsWith("\n") ? text + block : `${text}\n${block}`;
}
