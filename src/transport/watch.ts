// A remote script tied to its channel: sshd signals nothing to a command without a pty when the
// controller goes (Ctrl-C, SIGKILL, a dropped link), so the script would run on and change the host
// after armgo said it stopped. The wrapper runs the script in a process group of its own (setsid) and
// reads the channel's stdin, which armgo keeps open: at EOF (armgo ended it on interrupt, or the
// connection is gone) it stops the whole group, TERM then KILL after 10 s, and exits once it is gone.
// It runs as the user the script runs as (inside sudo), through any jump host: EOF is in-band.
import { hasSudoSections } from "./become.js";
import { sh } from "./quote.js";
import type { ExecOptions } from "./transport.js";

/** Shell: a trap line that makes the rest of a script finish when the controller goes (its point of no return). */
export const PAST_NO_RETURN = "trap '' TERM INT HUP";

/** A command fed stdin, or a batch whose sudos read it, is not watched: its stdin is not ours to hold. */
export function watchable(script: string, opts: ExecOptions): boolean {
  return opts.stdin === undefined && !hasSudoSections(script);
}

// At EOF the watcher stops the script's whole tree, not its group alone: a command may make a group
// (timeout) or a session (setsid) of its own. It freezes (STOP) each process found from /proc, by the
// session or group the script leads or a ppid link to one already found, until a pass finds none new
// (a frozen process cannot fork, and one found before its parent dies is not lost to reparenting);
// then TERM and CONT to all, KILL at 10 s. Builtins and /proc only; nothing of it runs unless cut.
// A daemon that has already double-forked out (new session, parent gone) is no longer in the tree.
const STOP_TREE = [
  't=" $p "; kill -STOP $p; f=1',
  'while [ -n "$f" ]; do f=; for d in /proc/[0-9]*; do q=${d#/proc/}; case $t in *" $q "*) continue;; esac',
  "read -r l <$d/stat || continue; set -- ${l##*) }",
  'case $t in *" $2 "*) ;; *) [ "$4" = $p ] || [ "$3" = $p ] || continue;; esac',
  'kill -STOP $q; t="$t$q "; f=1; done; done',
  "kill -TERM $t; kill -CONT $t; n=0",
  // gone: no /proc entry, or a zombie (the script's own is reaped by the wrapper once this ends)
  'while a=; for q in $t; do read -r l </proc/$q/stat && set -- ${l##*) } && [ "$1" != Z ] && a=1; done; [ -n "$a" ]; do',
  "n=$((n+1)); [ $n -eq 100 ] && kill -KILL $t; sleep 0.1; done",
].join("\n");

/** The wrapper around `script`; its stdin must stay open while the script runs, and carry nothing. */
export function watched(script: string): string {
  return [
    // fd 3: the channel's stdin, for the watcher only; the script and what it starts read /dev/null
    "exec 3<&0 </dev/null",
    "cut=; trap 'cut=1' USR1",
    sh`s=${script}`,
    `if command -v setsid >/dev/null 2>&1; then setsid sh -c "$s" 3<&- & else sh -c "$s" 3<&- & fi`,
    "p=$!",
    // EOF on the channel: tell us, then stop the script's tree; we wait for the watcher to be done
    `{ while read -r _ <&3; do :; done; kill -USR1 $$\n${STOP_TREE}\n} >/dev/null 2>&1 &`,
    "w=$!; exec 3<&-",
    "wait $p; c=$?",
    `if [ -n "$cut" ]; then wait $w; wait $p 2>/dev/null && c=0 || { r=$?; [ $r -eq 127 ] || c=$r; }; fi`,
    "kill $w 2>/dev/null",
    "exit $c",
  ].join("\n");
}

/** A transport's watched commands in flight: what `interrupt` stops and waits for. */
export class InFlight {
  private readonly commands = new Set<{ stop(): void; done: Promise<unknown> }>();

  /** `stop` ends the command's stdin; `done` settles when it is over. */
  add(stop: () => void, done: Promise<unknown>): void {
    const c = { stop, done: done.catch(() => undefined) };
    this.commands.add(c);
    void c.done.then(() => this.commands.delete(c));
  }

  async stop(): Promise<void> {
    const now = [...this.commands];
    for (const c of now) c.stop();
    await Promise.all(now.map((c) => c.done));
  }
}
