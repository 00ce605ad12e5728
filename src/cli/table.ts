// The one command table: every command, in the order help lists them; each command's argv spec, help
// (made from the spec) and handler live in its own file beside this one. A handler turns parsed argv
// into the command's options, calls the exported command in src/commands/, prints the outcome and
// returns the exit code exit.ts decides. Handlers import their command when they run: a start loads
// only the command it runs (start-up is paid on every run).
import { InputError } from "../errors.js";
import { didYouMean } from "../load/suggest.js";
import { version } from "../paths.js";
import { helpText, parse, type CommandSpec, type OptionSpec } from "./args.js";
import { auditCommand } from "./audit.js";
import type { Command, Print } from "./command.js";
import { cronCommand } from "./cron.js";
import { releasesCommand, rollbackCommand } from "./deploy.js";
import { driftCommand } from "./drift.js";
import { EXIT } from "./exit.js";
import { factsCommand } from "./facts.js";
import { inventoryCommand } from "./inventory.js";
import { labCommand } from "./lab.js";
import { playCommand } from "./play.js";
import { reportCommand } from "./report.js";
import { validateCommand } from "./validate.js";
import { asksVersion } from "./version.js";

export const commands: readonly Command[] = [
  playCommand,
  driftCommand,
  validateCommand,
  inventoryCommand,
  factsCommand,
  releasesCommand,
  rollbackCommand,
  auditCommand,
  reportCommand,
  cronCommand,
  labCommand,
];

const HELP: OptionSpec = { type: "boolean", short: "h", help: "show this help" };

/** A command's spec as parsed and shown: every command takes -h, --help. */
function withHelp(spec: CommandSpec): CommandSpec {
  return { ...spec, options: { ...spec.options, help: HELP } };
}

export function topHelp(): string {
  const w = Math.max(...commands.map((c) => c.spec.name.length));
  return [
    "Usage: armgo COMMAND [options]",
    "",
    "Idempotent playbooks that put Go toolchains and Go services onto Linux ARM64 fleets over SSH.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.spec.name.padEnd(w)}  ${c.spec.summary.split(". ")[0]!.replace(/\.$/, "")}`),
    "",
    "Run 'armgo COMMAND --help' for a command's options; 'armgo --version' for the version.",
    "Exit codes: 0 fine, 2 a host failed, 3 drift found, 4 a host unreachable, 5 invalid input,",
    "6 drift fixed, 7 run lock held (--no-wait), 99 interrupted.",
    "",
  ].join("\n");
}

/** argv (without node and the script) → the exit code. Input errors throw InputError. */
export async function dispatch(argv: string[], print: Print): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    print(topHelp());
    return EXIT.ok;
  }
  if (asksVersion(argv)) {
    print(version);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (!command) {
    throw new InputError(
      `unknown command '${name}'${didYouMean(
        name,
        commands.map((c) => c.spec.name),
      )}`,
      { hint: "see armgo --help" },
    );
  }
  const spec = withHelp(command.spec);
  const parsed = parse(spec, rest);
  if (parsed.values.help) {
    print(helpText(spec));
    return EXIT.ok;
  }
  return command.run(parsed, print);
}
