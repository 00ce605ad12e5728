// The Go environment block's text; shared/marker-block.ts puts it into a file between its markers.
import { quote } from "../../transport/quote.js";
import { begin, end } from "../shared/marker-block.js";

export interface BlockArgs {
  name: string;
  goroot?: string;
  gopath?: string;
  gobin?: string;
  path?: string[];
  env?: Record<string, string | number | boolean>;
}

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
