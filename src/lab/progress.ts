// Lab builds take minutes: say what is happening on stderr, never on stdout (kept for --json).

export function progress(message: string): void {
  process.stderr.write(`[lab] ${message}\n`);
}

/** Run a step and print how long it took. */
export async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now();
  progress(`${label} ...`);
  const result = await step();
  progress(`${label} done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}
