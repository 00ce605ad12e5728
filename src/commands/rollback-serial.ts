// Rollback's batches, on their own: the CLI's help shows them without loading the engine.

/**
 * One canary host first, then all the others: the release rolled back to may no longer be healthy
 * (its config or data moved on), and a failed canary leaves the rest of the fleet as it is.
 */
export const ROLLBACK_SERIAL = [1, "100%"];
