// `armgo validate`: schema-check a playbook (and an inventory), contacting nothing.
import { validateFiles, type ValidateSummary } from "../load/index.js";
import type { InventorySources } from "../load/inventory.js";

/** Throws InputError with every problem at file:line:col, or says what was checked. */
export async function validate(opts: { playbook: string; inventory?: InventorySources }): Promise<ValidateSummary> {
  return validateFiles(opts.playbook, opts.inventory);
}
