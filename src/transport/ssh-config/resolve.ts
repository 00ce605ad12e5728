// One host's settings from config lines, as readconf.c applies them: the first value obtained wins.
import { isAbsolute, join, resolve } from "node:path";
import { InputError, type Where } from "../../errors.js";
import { hostLineMatches, patternListMatches } from "./match.js";
import { isOff, refusalHint, support } from "./options.js";
import type { Block, ConfigLine } from "./parse.js";

/** Who runs ssh: what `~` and the %d %u %i tokens stand for. */
export interface LocalUser {
  home: string;
  name: string;
  uid: number;
}

/** One ProxyJump hop as written: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export interface HopSpec {
  user?: string;
  host: string;
  port?: number;
}

export type StrictHostKeyChecking = "yes" | "no" | "accept-new" | "ask";

/** What `ssh -G` would say for a host, in the fields armgo uses; unset fields keep ssh's defaults. */
export interface SshSettings {
  /** The destination as given (%n). */
  original: string;
  /** Lowercased, as ssh connects to it. */
  hostname: string;
  user: string;
  port: number;
  /** Token- and ~-expanded, command line first; empty: none given (ssh's default keys). */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Empty: direct (none, or not set). */
  proxyJump: HopSpec[];
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  connectTimeoutS?: number;
  serverAliveIntervalS?: number;
  serverAliveCountMax?: number;
  connectionAttempts?: number;
}

/** An option armgo does not implement, active for a host: the caller warns once per run per name. */
export interface Unimplemented {
  name: string;
  at: string;
}

export interface ResolveInput {
  /** The destination ssh is given: ansible_host, else the inventory name. */
  destination: string;
  /** Options given before the config (inventory vars as -o, then ssh args), in ssh's order. */
  commandLine: ConfigLine[];
  config: ConfigLine[];
  local: LocalUser;
  /** For `${VAR}` in IdentityFile and UserKnownHostsFile. */
  env: NodeJS.ProcessEnv;
  /** Inventory host, for messages about command-line options. */
  inventoryHost: string;
  onUnimplemented: (u: Unimplemented) => void;
}

/** Where a line came from: file:line, or the inventory var that held it; and for which inventory host. */
export function whereOf(l: ConfigLine, host: string): { where: Where; at: string } {
  return l.line > 0
    ? { where: { file: l.file, line: l.line, host }, at: `${l.file}:${l.line}` }
    : { where: { host }, at: l.file };
}

export function resolveHost(input: ResolveInput): SshSettings {
  const { destination, local } = input;
  const first = new Map<string, ConfigLine>();
  const identity: ConfigLine[] = [];
  const ignored: string[] = [];
  const blockResults = new Map<Block, boolean>();
  const fail = (l: ConfigLine, message: string, hint?: string): never => {
    const { where } = whereOf(l, input.inventoryHost);
    throw new InputError(l.line > 0 ? message : `${l.file}: ${message}`, { where, ...(hint ? { hint } : {}) });
  };
  // Match host sees the HostName obtained so far, as readconf.c's match_cfg_line does.
  const hostSoFar = (): string => {
    const h = first.get("hostname");
    return (h ? expandHostName(h, destination, fail) : destination).toLowerCase();
  };
  const active = (l: ConfigLine): boolean =>
    l.blocks.every((b) => {
      let r = blockResults.get(b);
      if (r === undefined) {
        r =
          b.kind === "host"
            ? hostLineMatches(b.patterns, destination)
            : matchApplies(b, destination, hostSoFar(), fail);
        blockResults.set(b, r);
      }
      return r;
    });

  for (const l of [...input.commandLine, ...input.config]) {
    const s = support(l.keyword);
    // ssh refuses an unknown keyword wherever it is, unless IgnoreUnknown named it before.
    if (!s) {
      if (!ignored.some((p) => patternListMatches(p, l.keyword))) unknown(l, fail);
      continue;
    }
    if (!active(l)) continue;
    if (l.args.length === 0) fail(l, `${l.name} needs a value`);
    if (s === "refuse" && !isOff(l.args) && !first.has(l.keyword)) {
      fail(l, `${l.name} is not supported by armgo`, refusalHint(l.keyword));
    }
    if (s === "warn" && !isOff(l.args)) input.onUnimplemented({ name: l.name, at: whereOf(l, input.inventoryHost).at });
    if (l.keyword === "identityfile") identity.push(l);
    if (l.keyword === "ignoreunknown" && !first.has("ignoreunknown")) ignored.push(l.args.join(","));
    if (first.has(l.keyword)) continue;
    first.set(l.keyword, l);
    // ProxyJump stands in for ProxyCommand: a later ProxyCommand is not used (readconf.c's parse_jump).
    if (l.keyword === "proxyjump" && !isOff(l.args) && !first.has("proxycommand"))
      first.set("proxycommand", { ...l, args: ["none"] });
  }

  const proxyCommand = first.get("proxycommand");
  if (proxyCommand && !isOff(proxyCommand.args)) {
    fail(
      proxyCommand,
      `ProxyCommand is not supported by armgo`,
      "reach the host through a jump host with ProxyJump (or -J) instead",
    );
  }
  const arg = (k: string): string | undefined => first.get(k)?.args[0];
  const hostname = hostSoFar();
  const user = arg("user") ?? local.name;
  const port = first.has("port") ? int(first.get("port")!, 1, 65535, fail) : 22;
  const tokens = {
    "%": "%",
    d: local.home,
    h: hostname,
    n: destination,
    p: String(port),
    r: user,
    u: local.name,
    i: String(local.uid),
  };
  const path = (l: ConfigLine, p: string): string =>
    expandPath(expandTokens(l, expandEnv(l, p, input.env, fail), tokens, fail), local.home);
  const known = first.get("userknownhostsfile");
  const jump = first.get("proxyjump");
  const settings: SshSettings = {
    original: destination,
    hostname,
    user,
    port,
    identityFiles: identity.map((l) => path(l, l.args[0]!)),
    identitiesOnly: yesNo(first.get("identitiesonly"), fail) ?? false,
    proxyJump: jump ? parseJump(jump, fail) : [],
  };
  if (known) settings.userKnownHostsFiles = known.args.map((a) => path(known, a));
  const strict = first.get("stricthostkeychecking");
  if (strict) settings.strictHostKeyChecking = strictness(strict, fail);
  const timeout = first.get("connecttimeout");
  if (timeout && !isOff(timeout.args)) settings.connectTimeoutS = seconds(timeout, fail);
  const alive = first.get("serveraliveinterval");
  if (alive) settings.serverAliveIntervalS = seconds(alive, fail);
  const count = first.get("serveralivecountmax");
  if (count) settings.serverAliveCountMax = int(count, 0, 1_000_000, fail);
  const attempts = first.get("connectionattempts");
  if (attempts) settings.connectionAttempts = int(attempts, 1, 1_000_000, fail);
  return settings;
}

type Fail = (l: ConfigLine, message: string, hint?: string) => never;

function unknown(l: ConfigLine, fail: Fail): never {
  return fail(l, `unknown ssh option ${l.name}`, "fix the name, or list it under IgnoreUnknown as ssh wants");
}

function matchApplies(b: Extract<Block, { kind: "match" }>, original: string, host: string, fail: Fail): boolean {
  const l: ConfigLine = { keyword: "match", name: "Match", args: b.args, file: b.file, line: b.line, blocks: [] };
  if (b.args[0]?.toLowerCase() === "all") {
    if (b.args.length > 1) fail(l, "Match all must stand alone");
    return true;
  }
  for (let i = 0; i < b.args.length; i += 2) {
    const raw = b.args[i]!;
    const negated = raw.startsWith("!");
    const criterion = (negated ? raw.slice(1) : raw).toLowerCase();
    if (criterion !== "host" && criterion !== "originalhost") {
      fail(l, `Match ${criterion} is not supported by armgo`, "use Match host, Match originalhost, Match all or Host");
    }
    const value = b.args[i + 1];
    if (value === undefined) fail(l, `Match ${criterion} needs a pattern list`);
    const hit = patternListMatches(value, criterion === "host" ? host : original);
    if (hit === negated) return false;
  }
  return true;
}

function expandHostName(l: ConfigLine, original: string, fail: Fail): string {
  return expandTokens(l, l.args[0]!, { "%": "%", h: original }, fail);
}

function expandTokens(l: ConfigLine, s: string, tokens: Record<string, string>, fail: Fail): string {
  return s.replace(
    /%(.?)/g,
    (_, t: string) =>
      tokens[t] ??
      fail(
        l,
        `${l.name}: token %${t} is not supported by armgo`,
        `use one of ${Object.keys(tokens)
          .map((k) => "%" + k)
          .join(" ")}`,
      ),
  );
}

// misc.c's dollar_expand: ${VAR} from the environment; an unset one is an error.
function expandEnv(l: ConfigLine, s: string, env: NodeJS.ProcessEnv, fail: Fail): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (_, name: string) => env[name] ?? fail(l, `${l.name}: environment variable ${name} is not set`),
  );
}

/** `~` is the home; a relative path is relative to the working directory, as for ssh. */
export function expandPath(p: string, home: string): string {
  if (p === "~" || p.startsWith("~/")) return join(home, p.slice(1));
  return isAbsolute(p) ? p : resolve(p);
}

function yesNo(l: ConfigLine | undefined, fail: Fail): boolean | undefined {
  if (!l) return undefined;
  const v = l.args[0]!.toLowerCase();
  if (v === "yes" || v === "true") return true;
  if (v === "no" || v === "false") return false;
  return fail(l, `${l.name} takes yes or no, not ${l.args[0]}`);
}

function strictness(l: ConfigLine, fail: Fail): StrictHostKeyChecking {
  const v = l.args[0]!.toLowerCase();
  if (v === "yes" || v === "true") return "yes";
  if (v === "no" || v === "false" || v === "off") return "no";
  if (v === "ask" || v === "accept-new") return v;
  return fail(l, `StrictHostKeyChecking takes yes, no, ask or accept-new, not ${l.args[0]}`);
}

function int(l: ConfigLine, min: number, max: number, fail: Fail): number {
  const n = /^\d+$/.test(l.args[0]!) ? Number(l.args[0]) : NaN;
  return n >= min && n <= max ? n : fail(l, `${l.name} takes a number from ${min} to ${max}, not ${l.args[0]}`);
}

// misc.c's convtime: 90, 90s, 1m30s, 2h...
function seconds(l: ConfigLine, fail: Fail): number {
  const units: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  const text = l.args[0]!.toLowerCase();
  if (!/^(\d+[smhdw]?)+$/.test(text)) return fail(l, `${l.name} takes a time (30, 30s, 1m), not ${l.args[0]}`);
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+)([smhdw]?)/g)) total += Number(n) * units[u!]!;
  return total;
}

/** A ProxyJump value: `none`, or hops separated by commas. */
function parseJump(l: ConfigLine, fail: Fail): HopSpec[] {
  const value = l.args[0]!;
  if (value.toLowerCase() === "none") return [];
  return value
    .split(",")
    .map((hop) => parseHop(hop) ?? fail(l, `ProxyJump: cannot read the hop "${hop}"`, "write [user@]host[:port]"));
}

export function parseHop(text: string): HopSpec | undefined {
  const m = /^(?:ssh:\/\/)?(?:([^@/]+)@)?(\[[^\]]+\]|[^:@/[\]]+)(?::(\d+))?\/?$/.exec(text);
  if (!m) return undefined;
  const host = m[2]!.replace(/^\[(.*)\]$/, "$1");
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { ...(m[1] ? { user: m[1] } : {}), host, ...(port !== undefined ? { port } : {}) };
}
