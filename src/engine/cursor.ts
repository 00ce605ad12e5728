// Where a host's run stands: a task of its list and an item of that task's loop. A value: moving
// on makes another; it names the unit for what was prepared and probed ahead.
import type { CommandRecord } from "../audit/log.js";
import type { Task } from "../load/model.js";
import type { Unit } from "./prepare.js";

export class Cursor {
  constructor(
    readonly tasks: readonly Task[],
    readonly taskIndex: number,
    readonly itemIndex = 0,
  ) {}

  get task(): Task {
    return this.tasks[this.taskIndex]!;
  }

  /** The unit's key: the preparation and the probe output made ahead for it are kept under it. */
  get key(): string {
    return `${this.taskIndex}:${this.itemIndex}`;
  }

  item(index: number): Cursor {
    return new Cursor(this.tasks, this.taskIndex, index);
  }
}

/** One unit's turn: where it stands, the unit, whether in check mode, and the commands it ran. */
export interface Turn {
  at: Cursor;
  unit: Unit;
  check: boolean;
  log: CommandRecord[];
}
