// `armgo --version`: answered by main.ts before the command table loads (scripts and installers ask it
// first, and start-up is paid on every call), and by the table for the same words.

export function asksVersion(argv: readonly string[]): boolean {
  return argv[0] === "--version" || argv[0] === "-V";
}
