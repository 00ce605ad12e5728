// --tags / --skip-tags as Ansible reads them: `always` runs unless skipped by name, `never` only when asked.
import type { Task } from "../load/model.js";

export function selectTasks(tasks: Task[], playTags: string[], only: string[] = [], skip: string[] = []): Task[] {
  return tasks.filter((t) => {
    const tags = new Set([...playTags, ...t.tags]);
    const has = (list: string[]): boolean => list.some((x) => tags.has(x) || (x === "all" && !tags.has("never")));
    if (skip.length && has(skip)) return false;
    if (tags.has("always")) return true;
    if (only.length) {
      if (has(only)) return true;
      // `never` tasks run only when one of their own tags is asked for by name
      if (tags.has("never")) return false;
      return (only.includes("tagged") && tags.size > 0) || (only.includes("untagged") && tags.size === 0);
    }
    return !tags.has("never");
  });
}
