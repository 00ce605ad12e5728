// OpenSSH's pattern matching (match.c): `*` and `?` wildcards, comma lists with `!` negation.

/** match_pattern: the whole of `s` against `pattern`, case-sensitive. */
export function patternMatches(pattern: string, s: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s").test(s);
}

/**
 * match_pattern_list with dolower: a comma list, patterns lowercased; a matching `!pattern` makes
 * the whole list fail, whatever else matched.
 */
export function patternListMatches(list: string, s: string): boolean {
  let matched = false;
  for (const item of list.split(",")) {
    const negated = item.startsWith("!");
    if (!patternMatches((negated ? item.slice(1) : item).toLowerCase(), s)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** A `Host` line: one of its patterns matches and none of its `!` patterns does. */
export function hostLineMatches(patterns: string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (!patternMatches(negated ? p.slice(1) : p, host)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}
