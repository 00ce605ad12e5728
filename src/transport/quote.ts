// The one quoting helper: every value that reaches a remote shell passes through here.

/** POSIX single-quote a value so that the shell sees it as one literal word. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shell: the first line of `file` (a shell word: a quoted path, or one built of script variables) into
 * the variable `v`, by the `read` builtin where `$(head -n 1 …)` forks; the file unreadable: `v` unchanged.
 */
export function readFirstLine(v: string, file: string): string {
  return `{ IFS= read -r ${v} || :; } 2>/dev/null <${file}`;
}

/**
 * Tagged template for shell scripts: literal parts are trusted script text,
 * every interpolated value is quoted (arrays become several quoted words).
 *   sh`test -e ${path} && echo yes`
 */
export function sh(strings: TemplateStringsArray, ...values: Array<string | number | Array<string | number>>): string {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += Array.isArray(v) ? v.map(quote).join(" ") : quote(v);
    out += strings[i + 1] ?? "";
  });
  return out;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export NAME=value` lines, one per variable: names must be identifiers (schemas check them first), values stay data. */
export function exportLines(env: Record<string, unknown> = {}): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (!NAME.test(k)) throw new Error(`armgo: environment name '${k}' reached the shell unchecked`);
      return `export ${k}=${quote(String(v))}\n`;
    })
    .join("");
}

/**
 * `NAME="value"` for a file both sh (`. file`) and systemd's EnvironmentFile= read: systemd's own
 * writer's form (double quotes, `\` before `"`, `\`, `` ` `` and `$`); its parser does not join
 * sh's `'\''`, so single quotes would not do.
 */
export function envFileLine(name: string, value: string): string {
  if (!NAME.test(name)) throw new Error(`armgo: environment name '${name}' reached the env file unchecked`);
  return `${name}="${value.replace(/["\\`$]/g, "\\$&")}"\n`;
}
