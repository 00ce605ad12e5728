// The problems of one loading pass, gathered so that `armgo validate` reports every one, not the first.
import { InputError } from "../errors.js";

export class Problems {
  private readonly found: InputError[] = [];

  add(e: InputError): void {
    this.found.push(e, ...e.more.splice(0));
  }

  /** f's value; an InputError it throws is kept and `fallback` stands in, so loading goes on past it. */
  try<T>(f: () => T, fallback: T): T {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      this.add(e);
      return fallback;
    }
  }

  /** Every problem kept, as one InputError of a line each; nothing when there was none. */
  throwAny(): void {
    if (this.found.length > 0) throw InputError.many(this.found.splice(0));
  }
}
