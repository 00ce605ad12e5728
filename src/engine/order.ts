// A play's tasks in the order its hosts report them, so output can group results by task.
import type { Play, Task } from "../load/model.js";
import { selectTasks } from "./tags.js";
import type { RunOptions } from "./types.js";

export const GATHERING_FACTS = "Gathering Facts";
/** The module name Gathering Facts' result carries: no module of the registry has it. */
export const FACTS_MODULE = "facts";

export interface PlayOrder {
  /** The tasks each host runs (after --tags / --skip-tags). */
  tasks: Task[];
  /** What a host may report, in order: Gathering Facts, the tasks, then the handlers. */
  names: string[];
  /** A task's (or handler's) position in `names`. */
  index: ReadonlyMap<Task, number>;
}

export function playOrder(play: Play, opts: Pick<RunOptions, "tags" | "skipTags">): PlayOrder {
  const tasks = selectTasks(play.tasks, play.tags, opts.tags, opts.skipTags);
  const first = play.gather_facts ? 1 : 0;
  const shown = [...tasks, ...play.handlers];
  return {
    tasks,
    names: [...(first ? [GATHERING_FACTS] : []), ...shown.map((t) => t.name)],
    index: new Map(shown.map((t, i) => [t, first + i])),
  };
}
