// Who a task runs as, in Ansible's order: the command line (-b, --become-user) below the play's and the
// task's `become`, and those below the vars (ansible_become, ansible_become_user / become_user).
import type { Play, Task } from "./model.js";

/** -b and --become-user. */
export interface BecomeFlags {
  become?: boolean;
  becomeUser?: string;
}

/**
 * The flags applied to a loaded play: -b where the play says nothing about become (a play's own
 * `become: false` wins, as in Ansible), --become-user wherever a play or task becomes without naming a user.
 */
export function applyBecomeFlags(play: Play, playSetsBecome: boolean, flags: BecomeFlags): Play {
  if (!flags.become && !flags.becomeUser) return play;
  const named = (b: boolean | string): boolean | string => (b === true && flags.becomeUser ? flags.becomeUser : b);
  const task = (t: Task): Task => (t.become === true && flags.becomeUser ? { ...t, become: flags.becomeUser } : t);
  return {
    ...play,
    become: named(playSetsBecome ? play.become : Boolean(flags.become) || play.become),
    tasks: play.tasks.map(task),
    handlers: play.handlers.map(task),
  };
}

// Ansible's boolean words, as an INI inventory gives ansible_become (a string)
const TRUE = new Set(["yes", "true", "on", "1", "y", "t"]);
const FALSE = new Set(["no", "false", "off", "0", "n", "f"]);

function truth(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  const word = typeof v === "number" || typeof v === "string" ? String(v).toLowerCase() : undefined;
  return word === undefined ? undefined : TRUE.has(word) ? true : FALSE.has(word) ? false : undefined;
}

/**
 * The keyword's become (task's, else play's) as the host's vars may override it: ansible_become, or
 * armgo's inventory `become` (true, false or a user, as the keyword), then whom: ansible_become_user
 * or become_user.
 */
export function becomeWithVars(keyword: boolean | string, vars: Record<string, unknown>): boolean | string {
  const raw = vars.ansible_become ?? vars.become;
  const on = truth(raw);
  const named = on === undefined && typeof raw === "string" && raw !== "" ? raw : undefined;
  const become = named ?? (on === undefined ? keyword : on && (keyword || true));
  if (!become) return false;
  const user = vars.ansible_become_user ?? vars.become_user;
  if (typeof user !== "string" || user === "") return become === "root" ? true : become;
  return user === "root" ? true : user;
}
