#!/usr/bin/env node
// The CLI entry (`armgo` on PATH links here): the command table runs the command; this reports an
// error as one line and exits with the code exit.ts decides.
import type { ArmgoError } from "../errors.js";
import { version } from "../paths.js";
import { EXIT, exitForError } from "./exit.js";
import { stampLines } from "./timestamps.js";
import { asksVersion } from "./version.js";

if (process.env.ARMGO_LOG_TIMESTAMPS === "1") for (const s of [process.stdout, process.stderr]) stampLines(s);

async function main(argv: string[], print: (text: string) => void): Promise<number> {
  if (asksVersion(argv)) {
    print(version);
    return EXIT.ok;
  }
  // the command table (every command's spec and what it imports) is loaded only for a command
  const { dispatch } = await import("./table.js");
  return dispatch(argv, print);
}

main(process.argv.slice(2), (text) => process.stdout.write(text + "\n")).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const code = exitForError(e);
    const line =
      e instanceof Error && "oneLine" in e ? (e as ArmgoError).oneLine() : ((e as Error)?.stack ?? String(e));
    process.stderr.write(`${code === EXIT.internal ? "armgo: internal error: " : "ERROR: "}${line}\n`);
    // the CLI is a bundle: its .map files give src/ lines when node reads them (it costs every start ~50 ms, so not by default)
    if (code === EXIT.internal && !process.sourceMapsEnabled)
      process.stderr.write("armgo: for src/ file:line in the trace, rerun with NODE_OPTIONS=--enable-source-maps\n");
    process.exit(code);
  },
);
