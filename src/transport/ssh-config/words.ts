// Splitting text into words: an ssh_config line as readconf.c does, an args string as Python's shlex (Ansible).

/**
 * An ssh_config line's arguments, as OpenSSH's argv_split: whitespace separates, "..." and '...'
 * quote, a backslash escapes a quote, a backslash or (unquoted) a space, and a word starting with # ends
 * the line.
 * Returns undefined for an unterminated quote.
 */
export function configWords(text: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[ \t]/.test(text[i]!)) i++;
    if (i >= text.length || text[i] === "#") break;
    let word = "";
    let quote: string | undefined;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (!quote && /[ \t]/.test(c)) break;
      const next = text[i + 1] ?? "";
      if (c === "\\" && (/["'\\]/.test(next) || (!quote && next === " "))) {
        word += text[++i];
      } else if (quote ? c === quote : c === '"' || c === "'") {
        quote = quote ? undefined : c;
      } else {
        word += c;
      }
    }
    if (quote) return undefined;
    words.push(word);
  }
  return words;
}

/**
 * Shell words as Ansible's ssh connection splits ssh args: Python's shlex.split (POSIX mode), each
 * word stripped and empty ones dropped. Undefined for an unterminated quote or trailing backslash.
 */
export function shellWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (s: string): void => void (word = (word ?? "") + s);
  while (i < text.length) {
    const c = text[i++]!;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i);
      if (end < 0) return undefined;
      add(text.slice(i, end));
      i = end + 1;
    } else if (c === '"') {
      let s = "";
      for (;;) {
        if (i >= text.length) return undefined;
        const d = text[i++]!;
        if (d === '"') break;
        // shlex: inside double quotes a backslash escapes only a quote or a backslash.
        if (d === "\\" && /["\\]/.test(text[i] ?? "")) s += text[i++];
        else s += d;
      }
      add(s);
    } else if (c === "\\") {
      if (i >= text.length) return undefined;
      add(text[i++]!);
    } else {
      add(c);
    }
  }
  if (word !== undefined) words.push(word);
  return words.map((w) => w.trim()).filter((w) => w !== "");
}
