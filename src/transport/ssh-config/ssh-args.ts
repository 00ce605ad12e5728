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
// Flags that stand for an option: checked like the same line in a config file.
const AS_OPTION: Record<string, (arg: string) => [string, string]> = {
  i: (a) => ["IdentityFile", a],
  l: (a) => ["User", a],
  p: (a) => ["Port", a],
  J: (a) => ["ProxyJump", a],
  c: (a) => ["Ciphers", a],
  m: (a) => ["MACs", a],
  L: (a) => ["LocalForward", a],
  R: (a) => ["RemoteForward", a],
  D: (a) => ["DynamicForward", a],
  S: (a) => ["ControlPath", a],
  w: (a) => ["Tunnel", a],
  I: (a) => ["PKCS11Provider", a],
  b: (a) => ["BindAddress", a],
  B: (a) => ["BindInterface", a],
  A: () => ["ForwardAgent", "yes"],
  M: () => ["ControlMaster", "yes"],
  "4": () => ["AddressFamily", "inet"],
  "6": () => ["AddressFamily", "inet6"],
};
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
        if (AS_OPTION[flag]) add(...oneArg(AS_OPTION[flag]!("")));
        else if (!/[12CefgknNqstTvxXyYaKP]/.test(flag)) fail(`unknown ssh option -${flag}`);
        continue;
      }
      const arg = j + 1 < word.length ? word.slice(j + 1) : (words[++i] ?? fail(`-${flag} needs an argument`));
      if (flag === "F") out.configFile = arg;
      else if (flag === "o") {
        const split = splitLine(arg);
        if (!split || !split.args) fail(`-o "${arg}" is not an option line`, "write -o Keyword=value");
        if (/^(host|match|include)$/i.test(split!.name)) fail(`-o ${split!.name} is not allowed on the command line`);
        add(split!.name, split!.args!);
      } else if (AS_OPTION[flag]) add(...oneArg(AS_OPTION[flag]!(arg)));
      break;
    }
  }
  return out;
}

function oneArg([name, arg]: [string, string]): [string, string[]] {
  return [name, [arg]];
}
