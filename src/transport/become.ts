// sudo as armgo runs it: `sudo -S` with a prompt of our own and an OK line the command's shell prints
// first, so the transport (sudo-dialogue.ts) writes the become password only when sudo asks for it,
// and the command's own stdin only once sudo has let the command run.
import { quote } from "./quote.js";

/** Where the become password comes from, per host connection: the password never leaves the transport. */
export interface BecomeAuth {
  password?: string;
  /** What the user gave it with, for messages: `-K` or `$NAME` (become_password_env). */
  from?: string;
  /** become_password_env names this variable, and it is not set. */
  unsetEnv?: string;
}

// Fixed, unlike a batch marker: a script recorded by one armgo process is replayed by another
// (bench/sim.ts), and the prompt is in argv for anyone on the host to read anyway. It only has to be
// unlike anything a command prints by chance.
const NONCE = "5f0c2e9a41d7";
/** What sudo prints on stderr when it wants the password (`-p`; no `%` so sudo expands nothing). */
export const SUDO_PROMPT = `[armgo-sudo-${NONCE}] password: `;
/** What the command's shell prints on stderr, as a line, once sudo let it run. */
export const SUDO_OK = `armgo-sudo-ok-${NONCE}`;

/**
 * Every remote script runs under `sh -c` so the user's login shell (zsh, fish...) never parses it.
 * `connectedAs`: the login user; root becoming root needs no sudo (a minimal root-only host may lack it).
 * `nullStdin`: the script reads /dev/null (a batch's sections), while sudo still reads the exec's stdin.
 */
export function wrapScript(script: string, become?: boolean | string, connectedAs?: string, nullStdin = false): string {
  const redirect = nullStdin ? " </dev/null" : "";
  if (!needsSudo(become, connectedAs)) return `sh -c ${quote(script)}${redirect}`;
  const user = typeof become === "string" && become !== "root" ? ` -u ${quote(become)}` : "";
  // -S: the password, when sudo asks, on stdin (never in argv); the OK line says sudo is done reading it.
  const inner = `printf '%s\\n' ${SUDO_OK} >&2${nullStdin ? "; exec </dev/null" : ""}; exec sh -c ${quote(script)}`;
  return `sudo -S -p ${quote(SUDO_PROMPT)}${user} -- sh -c ${quote(inner)}`;
}

/** Does acting as `become` take sudo for a login as `connectedAs`? Root becoming root does not. */
export function needsSudo(
  become: boolean | string | undefined,
  connectedAs: string | undefined,
): become is true | string {
  if (!become) return false;
  return !(connectedAs === "root" && (become === true || become === "root"));
}

/** A script with sudo sections of wrapScript's making inside (a batch of probes): its stderr carries the dialogue. */
export function hasSudoSections(script: string): boolean {
  return script.includes(SUDO_PROMPT);
}

export function sudoWantsPassword(stderr: string): boolean {
  return /sudo: (a password is required|a terminal is required)/.test(stderr);
}
