// ssh command-line arguments (ansible_ssh_common_args / ansible_ssh_extra_args) as the options they stand for.
import { InputError } from "../../errors.js";
import { type ConfigLine, optionLine, splitLine } from "./parse.js";
import { shellWords } from "./words.js";

export interface SshArgs {
  /** Options in the order given, as `-o` lines: they come before the config file's. */
  lines: ConfigLine[];
  /** The last `-F FILE`, as ssh takes it. */
  configFile?: string;
}

// ssh 9's getopt string: these letters take an argument.
const WITH_ARG = new Set("bcDeEFiIJlLmoOpQRSwWB".split(""));
// Flags that stand for an option line (checked like the same line in a config file): `-i FILE` is `IdentityFile FILE`.
const WITH_ARG_OPTION: Record<string, string> = {
  i: "IdentityFile",
  l: "User",
  p: "Port",
  J: "ProxyJump",
  c: "Ciphers",
  m: "MACs",
  L: "LocalForward",
  R: "RemoteForward",
  D: "DynamicForward",
  S: "ControlPath",
  w: "Tunnel",
  I: "PKCS11Provider",
  b: "BindAddress",
  B: "BindInterface",
};
const FLAG_OPTION: Record<string, [string, string]> = {
  A: ["ForwardAgent", "yes"],
  M: ["ControlMaster", "yes"],
  "4": ["AddressFamily", "inet"],
  "6": ["AddressFamily", "inet6"],
};
// Flags with no bearing on the connection armgo makes (verbosity, compression, tty, X11, backgrounding...).
const QUIET_FLAGS = new Set("12afgknqstvxCKNPTXYy".split(""));
// Not a way to reach a host at all: ssh would do something else than open a session.
const REFUSED: Record<string, string> = {
  W: "-W forwards stdio instead of opening a session",
  O: "-O sends a control command",
  Q: "-Q only queries ssh",
  G: "-G only prints the configuration",
  V: "-V only prints the version",
};

/** `var` names the inventory var the text came from, `host` the inventory host (for messages). */
export function parseSshArgs(text: string, from: { var: string; host: string }): SshArgs {
  const fail = (message: string, hint?: string): never => {
    throw new InputError(`${from.var}: ${message}`, { where: { host: from.host }, ...(hint ? { hint } : {}) });
  };
  const words = shellWords(text) ?? fail("unterminated quote", "close the quote");
  const out: SshArgs = { lines: [] };
  const add = (name: string, args: string[]): void => void out.lines.push(optionLine(name, args, from.var));
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith("-") || word === "-") {
      fail(`"${word}" is not an ssh option`, "only options belong here: armgo gives the destination itself");
    }
    for (let j = 1; j < word.length; j++) {
      const flag = word[j]!;
      if (REFUSED[flag]) fail(`${REFUSED[flag]}, which armgo does not do`, "remove it");
      if (!WITH_ARG.has(flag)) {
        const option = FLAG_OPTION[flag];
        if (option) add(option[0], [option[1]]);
        else if (!QUIET_FLAGS.has(flag)) fail(`unknown ssh option -${flag}`);
        continue;
      }
      const arg = j + 1 < word.length ? word.slice(j + 1) : (words[++i] ?? fail(`-${flag} needs an argument`));
      if (flag === "F") out.configFile = arg;
      else if (flag === "o") {
        const split = splitLine(arg);
        if (!split || !split.args) fail(`-o "${arg}" is not an option line`, "write -o Keyword=value");
        if (/^(host|match|include)$/i.test(split!.name)) fail(`-o ${split!.name} is not allowed on the command line`);
        add(split!.name, split!.args!);
      } else if (WITH_ARG_OPTION[flag]) add(WITH_ARG_OPTION[flag], [arg]);
      break;
    }
  }
  return out;
}
