// A host's vars for a task, layered as Ansible layers them, and the results its tasks registered.
import { ansibleFacts } from "../facts/ansible.js";
import type { Task } from "../load/model.js";
import type { HostInputs } from "./host-env.js";
import type { Unit } from "./prepare.js";
import { data, lazyVars } from "./vars.js";

/** The var that holds the host's facts as armgo names them. */
const FACTS_VAR = "facts";

export class HostVars {
  private readonly registered: Record<string, unknown> = {};
  // results a task in check mode only guessed at (a command that would run): a real run may differ
  private readonly guessed = new Set<string>();

  constructor(private readonly inputs: Pick<HostInputs, "host" | "play" | "facts" | "hostVars" | "extraVars">) {}

  /** `reads` collects the names of the vars looked up. */
  of(task?: Task, unit?: Unit, extra?: Record<string, unknown>, reads?: Set<string>): Record<string, unknown> {
    const { play, facts } = this.inputs;
    const item = unit?.hasItem ? { item: unit.item } : undefined;
    // Ansible's precedence (docs/roles.md): facts over inventory vars, role params over registered vars
    return lazyVars(
      [
        play.defaults,
        this.inputs.hostVars,
        data(ansibleFacts(facts)),
        play.vars,
        play.roleVars,
        task?.vars,
        data({ [FACTS_VAR]: facts, inventory_hostname: this.inputs.host }),
        data(this.registered),
        task?.params,
        this.inputs.extraVars,
        data(item),
        data(extra),
      ],
      reads,
    );
  }

  /** `guessed`: the result is check mode's guess, not what the host would say. */
  register(name: string, value: Record<string, unknown>, guessed = false): void {
    this.registered[name] = value;
    if (guessed) this.guessed.add(name);
    else this.guessed.delete(name);
  }

  /** Of `names`, the registered results that are only check mode's guess. */
  guessedOf(names: Set<string>): string[] {
    return [...names].filter((n) => this.guessed.has(n));
  }

  /** The vars whose values come from the facts or a registered result: known only once the host answered. */
  fromHost(): Set<string> {
    return new Set([FACTS_VAR, ...Object.keys(ansibleFacts(this.inputs.facts)), ...Object.keys(this.registered)]);
  }
}
