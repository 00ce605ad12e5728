// -K: the become password, asked once on the terminal with nothing echoed, before any host is contacted.
import { InputError, InterruptedError } from "../errors.js";

/** What the prompt needs of stdin: a terminal it can put in raw mode (process.stdin, or a test's stand-in). */
export interface TtyInput {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  off(event: "data", listener: (chunk: Buffer) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export async function askBecomePass(
  input: TtyInput = process.stdin,
  output: Pick<NodeJS.WritableStream, "write"> = process.stderr,
): Promise<string> {
  if (!input.isTTY || !input.setRawMode) {
    throw new InputError("-K (--ask-become-pass) asks on a terminal, and stdin is not one", {
      hint: "put the password in an environment variable and name that variable with become_password_env in the inventory",
    });
  }
  // echo off before the prompt shows: what is typed as soon as it shows is never echoed
  input.setRawMode(true);
  output.write("BECOME password: ");
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let typed: string[] = [];
    const finish = (): void => {
      input.off("data", onData);
      input.setRawMode!(false);
      input.pause();
      output.write("\n");
    };
    // raw mode: the terminal neither echoes nor edits, so Enter, Backspace, Ctrl-U, Ctrl-C and Ctrl-D are ours
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          finish();
          resolve(typed.join(""));
          return;
        }
        if (ch === "\u0003" || (ch === "\u0004" && typed.length === 0)) {
          finish();
          reject(new InterruptedError("stopped at the become password prompt: nothing was contacted"));
          return;
        }
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch === "\u0015") typed = [];
        else if (ch >= " ") typed.push(ch);
      }
    };
    input.on("data", onData);
  });
}
