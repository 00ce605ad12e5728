// The bench's entry points read their argv here: --help prints the usage, a wrong option one line
// and the usage (exit 2), never a stack trace.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** `config` as parseArgs takes it, with -h, --help added; `usage` is what --help prints. */
export function benchArgs<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  const argv = config.args ?? process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage.trim() + "\n");
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (e) {
    return usageError(usage, (e as Error).message);
  }
}

/** One line saying what is wrong, then the usage; exit 2. */
export function usageError(usage: string, line: string): never {
  process.stderr.write(`${line}\n\n${usage.trim()}\n`);
  process.exit(2);
}
