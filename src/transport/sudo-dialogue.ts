// The transport's side of `sudo -S` (become.ts): it reads sudo's prompt and the command's OK line off
// stderr as they arrive, answers a prompt with the password once, and lets the command's stdin go only
// after OK, so a sudo that did not ask (NOPASSWD, a cached timestamp) never passes a password on.
import { hasSudoSections, needsSudo, SUDO_OK, SUDO_PROMPT, type BecomeAuth } from "./become.js";
import type { ExecOptions } from "./transport.js";

/** Why sudo did not run the command: it asked and had no password, or it asked again after one. */
export type SudoRefusal = "missing" | "wrong";

export interface DialogueIo {
  /** Write a line to the exec's stdin (sudo reads it). */
  write(line: string): void;
  /** sudo let the command run: its stdin may follow. */
  proceed(): void;
  /** Nothing more to say: end the exec's stdin, so a sudo still asking reads EOF and exits at once. */
  refuse(): void;
}

const OK_LINE = `${SUDO_OK}\n`;
// What sudo says once it read EOF for a password, and between tries: the refusal line stands for it.
const SUDO_TALK = /^(sudo: |Sorry, try again\.)/;
const talkPrefixes = ["sudo: ", "Sorry, try again."];

export class SudoDialogue {
  /** Set once sudo asked and could not be answered; the connection remembers "wrong" (never sent again). */
  refusal?: SudoRefusal;
  private sent = false;
  private ran = false;
  // stderr not yet passed on: it may end in the first bytes of a prompt or an OK line
  private held = "";
  // One sudo (a become exec): what it printed before OK (a lecture, a prompt) is sudo's, not the command's.
  private beforeOk = "";
  // In a batch, after a refused prompt: sudo's own lines are being replaced by the refusal line
  private swallowing = false;
  private partial = "";

  constructor(
    private readonly auth: BecomeAuth,
    private readonly io: DialogueIo,
    private readonly single: boolean,
    /** The password was refused earlier on this connection: fail at the first prompt. */
    refusedBefore: SudoRefusal | undefined,
    /** The one line a refused sudo section of a batch shows in its stderr (a become exec throws it instead). */
    private readonly say: (r: SudoRefusal) => string,
  ) {
    if (refusedBefore === "wrong") this.sent = true;
  }

  /** Feed decoded stderr; returns what of it belongs to the result (prompts and OK lines taken out). */
  stderr(text: string): string {
    let rest = this.held + text;
    let out = "";
    for (;;) {
      const p = rest.indexOf(SUDO_PROMPT);
      const o = rest.indexOf(OK_LINE);
      if (p < 0 && o < 0) break;
      const isPrompt = p >= 0 && (o < 0 || p < o);
      const at = isPrompt ? p : o;
      out += this.pass(rest.slice(0, at));
      rest = rest.slice(at + (isPrompt ? SUDO_PROMPT.length : OK_LINE.length));
      if (isPrompt) out += this.prompt();
      else this.ok();
    }
    const keep = partialMarker(rest);
    this.held = rest.slice(rest.length - keep);
    return out + this.pass(rest.slice(0, rest.length - keep));
  }

  /** The rest of stderr at the end of the exec. */
  end(): string {
    const tail = this.pass(this.held);
    this.held = "";
    const partial = this.partial;
    this.partial = "";
    const talk = SUDO_TALK.test(partial) || talkPrefixes.some((p) => p.startsWith(partial));
    // sudo set to one try (passwd_tries=1) gives up after a wrong password without asking again
    if (this.single && this.sent && !this.ran && !this.refusal && /incorrect password attempt/.test(this.beforeOk)) {
      this.refusal = "wrong";
    }
    return tail + (talk ? "" : partial) + (this.single && !this.ran ? this.beforeOk : "");
  }

  private pass(text: string): string {
    if (this.swallowing) text = this.swallow(text);
    if (!this.single || this.ran) return text;
    this.beforeOk += text;
    return "";
  }

  /** Drop sudo's complete lines (and empty ones) until the first line that is not sudo's. */
  private swallow(text: string): string {
    let rest = this.partial + text;
    this.partial = "";
    for (;;) {
      const nl = rest.indexOf("\n");
      const line = nl < 0 ? rest : rest.slice(0, nl);
      const talk = line === "" || SUDO_TALK.test(line) || (nl < 0 && talkPrefixes.some((p) => p.startsWith(line)));
      if (!talk) {
        this.swallowing = false;
        return rest;
      }
      if (nl < 0) {
        this.partial = rest;
        return "";
      }
      rest = rest.slice(nl + 1);
    }
  }

  /** Answers sudo's prompt; returns what stands in stderr for a refused one in a batch. */
  private prompt(): string {
    if (!this.refusal) {
      if (!this.sent && this.auth.password !== undefined) {
        this.sent = true;
        this.io.write(`${this.auth.password}\n`);
        // sudo's "Sorry, try again." before it asks again is its own talk too
        this.swallowing = !this.single;
        return "";
      }
      // a second prompt without an OK between: sudo did not take the password (it would ask 3 times, 2 s apart)
      this.refusal = this.sent ? "wrong" : "missing";
      this.io.refuse();
    }
    if (this.single) return "";
    // each section whose sudo is refused says so in one line of its own, in place of sudo's
    this.swallowing = true;
    return `${this.say(this.refusal)}\n`;
  }

  private ok(): void {
    // in a batch, the next section's sudo may ask again (no cached timestamp): that is a new question
    this.sent = false;
    this.swallowing = false;
    this.partial = "";
    if (this.single && !this.ran) {
      this.ran = true;
      this.beforeOk = "";
      this.io.proceed();
    }
    this.ran = true;
  }
}

/** How many trailing characters of `text` could begin a prompt or an OK line. */
function partialMarker(text: string): number {
  for (let n = Math.min(text.length, Math.max(SUDO_PROMPT.length, OK_LINE.length) - 1); n > 0; n--) {
    const tail = text.slice(text.length - n);
    if (SUDO_PROMPT.startsWith(tail) || OK_LINE.startsWith(tail)) return n;
  }
  return 0;
}

/** Where an exec's stdin goes: an ssh channel or a child process's pipe. */
export interface StdinSink {
  write(data: string): void;
  end(data?: string | Buffer): void;
}

/**
 * Start an exec's stdin: at once for a plain script; for a become exec (one sudo) only after the OK
 * line, the password before it if sudo asks; for a script with sudo sections (a batch, whose sections
 * read /dev/null) kept open while it runs, for each sudo that asks. `keepOpen`: a watched script
 * (watch.ts) reads stdin's EOF as "stop": stdin stays open after the password. Returns the dialogue, if any.
 */
export function converse(
  sink: StdinSink,
  script: string,
  opts: Pick<ExecOptions, "become" | "stdin"> & { keepOpen?: boolean },
  connectedAs: string,
  auth: BecomeAuth,
  refusedBefore: SudoRefusal | undefined,
  say: (r: SudoRefusal) => string,
): SudoDialogue | undefined {
  const single = needsSudo(opts.become, connectedAs);
  if (!single && !hasSudoSections(script)) {
    if (!opts.keepOpen) sink.end(opts.stdin);
    return undefined;
  }
  let ended = false;
  const end = (data?: string | Buffer): void => {
    if (ended) return;
    ended = true;
    sink.end(data);
  };
  const io: DialogueIo = {
    write: (line) => void (ended || sink.write(line)),
    proceed: () => void (single && !opts.keepOpen && end(opts.stdin)),
    refuse: () => end(),
  };
  const dialogue = new SudoDialogue(auth, io, single, refusedBefore, say);
  // a batch with nothing to answer (or with stdin of its own): its sudos read EOF and fail at once
  if (!single && (auth.password === undefined || opts.stdin !== undefined)) end(opts.stdin);
  return dialogue;
}
