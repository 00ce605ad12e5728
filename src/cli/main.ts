#!/usr/bin/env node
// The CLI entry (`armgo` on PATH links here): the command table runs the command; this reports an
// error as one line and exits with the code exit.ts decides.
import type { ArmgoError } from "../errors.js";
import { EXIT, exitForError } from "./exit.js";
import { dispatch } from "./table.js";
import { stampLines } from "./timestamps.js";

if (process.env.ARMGO_LOG_TIMESTAMPS === "1") for (const s of [process.stdout, process.stderr]) stampLines(s);

dispatch(process.argv.slice(2), (text) => process.stdout.write(text + "\n")).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const code = exitForError(e);
    const line =
      e instanceof Error && "oneLine" in e ? (e as ArmgoError).oneLine() : ((e as Error)?.stack ?? String(e));
    process.stderr.write(`${code === EXIT.internal ? "armgo: internal error: " : "ERROR: "}${line}\n`);
    process.exit(code);
  },
);
