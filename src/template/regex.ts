// Python's `re` as Ansible's regex filters and tests use it, on JavaScript's RegExp: named
// groups, re.match anchoring, and re.sub's backreferences (\1, \g<1>, \g<name>).
import { ExprError } from "../errors.js";

export function pyRegex(
  pattern: string,
  opts: { ignorecase?: unknown; multiline?: unknown; sticky?: boolean } = {},
): RegExp {
  let flags = "g";
  let src = pattern
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?P=(\w+)\)/g, "\\k<$1>")
    .replace(/\\A/g, "^")
    .replace(/\\Z/g, "$(?![\\s\\S])");
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const f of inline[1]!) if ("ims".includes(f)) flags += f;
  }
  if (opts.ignorecase && !flags.includes("i")) flags += "i";
  if (opts.multiline && !flags.includes("m")) flags += "m";
  if (opts.sticky) flags += "y";
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new ExprError(`bad regular expression '${pattern}': ${(e as Error).message}`);
  }
}

/** The first match from the start (re.match) or anywhere (re.search). */
export function firstMatch(re: RegExp, s: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(s);
}

/** One group of a match by number or name, as `\1`, `\g<1>` or `\g<name>` name it. */
function group(m: RegExpExecArray, ref: string): string {
  const v = /^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref];
  if (v === undefined && !(/^\d+$/.test(ref) ? Number(ref) < m.length : m.groups && ref in m.groups)) {
    throw new ExprError(`invalid group reference ${ref}`);
  }
  return v ?? "";
}

/** re.sub(pattern, replacement, s, count). */
export function sub(re: RegExp, replacement: string, s: string, count = 0): string {
  let n = 0;
  return s.replace(re, (...a: unknown[]) => {
    if (count > 0 && n++ >= count) return a[0] as string;
    const groupsAt = typeof a.at(-1) === "object" ? 3 : 2;
    const m = Object.assign(a.slice(0, a.length - groupsAt) as string[], {
      groups: groupsAt === 3 ? (a.at(-1) as Record<string, string>) : undefined,
    }) as unknown as RegExpExecArray;
    return replacement.replace(/\\(?:g<(\w+)>|(\d{1,2})|([\s\S]))/g, (_x, named: string, num: string, c: string) => {
      if (named !== undefined) return group(m, named);
      if (num !== undefined) return group(m, num);
      const esc: Record<string, string> = {
        "\\": "\\",
        n: "\n",
        t: "\t",
        r: "\r",
        f: "\f",
        v: "\v",
        a: "\x07",
        b: "\b",
      };
      if (c in esc) return esc[c]!;
      if (/[A-Za-z]/.test(c)) throw new ExprError(`bad escape \\${c} in the replacement`);
      return `\\${c}`;
    });
  });
}

/** regex_search's extra arguments: `\N` or `\g<name>` pick groups, and the answer becomes a list. */
export function searchGroups(m: RegExpExecArray, refs: unknown[]): string[] {
  return refs.map((r) => {
    const ref = /^\\(?:g<(\w+)>|(\d+))$/.exec(String(r));
    if (!ref) throw new ExprError("Unknown argument");
    return group(m, ref[1] ?? ref[2]!);
  });
}
