// A managed block (`# BEGIN armgo NAME` … `# END armgo NAME`) in a file's text, blockinfile style:
// the block is put in, replaced or removed, and the rest of the file is never touched.
import { TaskError } from "../../errors.js";

export const begin = (name: string) => `# BEGIN armgo ${name}`;
export const end = (name: string) => `# END armgo ${name}`;

/** The file's text with the block put in (replacing an existing one) or removed (block undefined). */
export function editText(text: string, name: string, block: string | undefined, file: string): string {
  const lines = text.split("\n");
  const from = lines.indexOf(begin(name));
  const to = from < 0 ? -1 : lines.indexOf(end(name), from + 1);
  if (from >= 0 && to < 0) {
    throw new TaskError(`${file}: '${begin(name)}' has no '${end(name)}' line`, {
      hint: "fix the file by hand; armgo will not guess where the block ends",
    });
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
