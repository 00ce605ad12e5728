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

/** The keyword's become (task's, else play's) as the host's vars may override it. */
export function becomeWithVars(keyword: boolean | string, vars: Record<string, unknown>): boolean | string {
  const on = vars.ansible_become;
  const become = typeof on === "boolean" ? on && (keyword || true) : keyword;
  if (!become) return false;
  const user = vars.ansible_become_user ?? vars.become_user;
  if (typeof user !== "string" || user === "") return become;
  return user === "root" ? true : user;
}
