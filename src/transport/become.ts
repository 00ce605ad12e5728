import { quote } from "./quote.js";

// Every remote script runs under `sh -c` so the user's login shell (zsh, fish...) never parses it.
// `connectedAs`: the login user; root becoming root needs no sudo (a minimal root-only host may lack it).
export function wrapScript(script: string, become?: boolean | string, connectedAs?: string): string {
  const body = `sh -c ${quote(script)}`;
  if (!needsSudo(become, connectedAs)) return body;
  const user = typeof become === "string" && become !== "root" ? ` -u ${quote(become)}` : "";
  // -n: never prompt; a sudo that wants a password fails at once with a message we recognise.
  return `sudo -n${user} -- ${body}`;
}

/** Does acting as `become` take sudo for a login as `connectedAs`? Root becoming root does not. */
export function needsSudo(become: boolean | string | undefined, connectedAs: string | undefined): become is true | string {
  if (!become) return false;
  return !(connectedAs === "root" && (become === true || become === "root"));
}

export function sudoWantsPassword(stderr: string): boolean {
  return /sudo: (a password is required|a terminal is required)/.test(stderr);
}
