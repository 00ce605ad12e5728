// A host and the jump hosts in front of it, from the ssh config as one run reads it.
import { readdirSync, readFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { InputError } from "../../errors.js";
import { type ConfigFs, type ConfigLine, optionLine, parseConfig } from "./parse.js";
import { type HopSpec, type LocalUser, resolveHost, type SshSettings } from "./resolve.js";

/** What one run shares: files read once, and each unimplemented option named once. */
export interface SshConfigContext {
  local: LocalUser;
  env: NodeJS.ProcessEnv;
  fs: ConfigFs;
  /** Read after the user's config when no -F is given, as ssh does; undefined: none. */
  systemConfig?: string;
  onWarning: (line: string) => void;
  readonly parsed: Map<string, ConfigLine[]>;
  readonly warned: Set<string>;
}

export const SYSTEM_CONFIG = "/etc/ssh/ssh_config";

/** Tests pass their own user, files and system config (none); the CLI takes this machine's. */
export function sshConfigContext(
  opts: {
    local?: LocalUser;
    env?: NodeJS.ProcessEnv;
    fs?: ConfigFs;
    systemConfig?: string | null;
    onWarning?: (line: string) => void;
  } = {},
): SshConfigContext {
  const system = opts.systemConfig === undefined ? SYSTEM_CONFIG : (opts.systemConfig ?? undefined);
  return {
    local: opts.local ?? localUser(),
    env: opts.env ?? process.env,
    fs: opts.fs ?? nodeFs,
    ...(system ? { systemConfig: system } : {}),
    onWarning: opts.onWarning ?? (() => undefined),
    parsed: new Map(),
    warned: new Set(),
  };
}

/** Say `line` unless something was already said under `key` in this run. */
export function warnOnce(ctx: SshConfigContext, key: string, line: string): void {
  if (ctx.warned.has(key.toLowerCase())) return;
  ctx.warned.add(key.toLowerCase());
  ctx.onWarning(line);
}

export function localUser(): LocalUser {
  const u = userInfo();
  return { home: homedir(), name: u.username, uid: u.uid };
}

const nodeFs: ConfigFs = {
  readFile: (p) => attempt(() => readFileSync(p, "utf8")),
  readDir: (p) => attempt(() => readdirSync(p)),
};

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export interface RouteRequest {
  inventoryHost: string;
  /** What ssh is given to connect to: ansible_host, else the inventory name. */
  destination: string;
  /** Inventory vars and ssh args as command-line options, in ssh's order. */
  commandLine: ConfigLine[];
  /** `-F FILE`; default ~/.ssh/config (missing is empty). */
  configFile?: string;
}

export interface Route {
  target: SshSettings;
  /** Jump hosts, the one dialled from the controller first; each with its own resolved settings. */
  hops: { spec: HopSpec; settings: SshSettings }[];
}

// ssh's jump hosts start ssh again; a config that jumps in a circle would never end.
const MAX_HOPS = 8;

export function resolveRoute(ctx: SshConfigContext, req: RouteRequest): Route {
  const config = req.configFile ? configOf(ctx, req.configFile, true) : defaultConfig(ctx);
  const settings = (destination: string, commandLine: ConfigLine[]): SshSettings =>
    resolveHost({
      destination,
      commandLine,
      config,
      local: ctx.local,
      env: ctx.env,
      inventoryHost: req.inventoryHost,
      onUnimplemented: (u) =>
        warnOnce(ctx, u.name, `ssh option ${u.name} (${u.at}) is not implemented by armgo: ignored`),
    });
  // As ssh runs `ssh -l user -p port -J earlier-hops lasthop`: only the first hop's own ProxyJump applies.
  const hopsOf = (jumps: HopSpec[], depth: number): Route["hops"] => {
    if (jumps.length === 0) return [];
    if (depth + jumps.length > MAX_HOPS) {
      throw new InputError(`ProxyJump goes through more than ${MAX_HOPS} jump hosts`, {
        where: { host: req.inventoryHost },
        hint: "look for a jump host whose own ProxyJump leads back to it",
      });
    }
    const resolved = jumps.map((spec, i) => ({
      spec,
      settings: settings(spec.host, hopLine(spec, jumps.slice(0, i))),
    }));
    const first = resolved[0]!;
    // ssh's "jumphost loop": a `Host *` ProxyJump that also applies to the jump host itself.
    if (first.settings.proxyJump.at(-1)?.host === first.spec.host) {
      throw new InputError(`the jump host ${first.spec.host} would be reached through itself (ProxyJump loop)`, {
        where: { host: req.inventoryHost },
        hint: `keep ${first.spec.host} out of the block that sets ProxyJump (Host * !${first.spec.host}), or give it ProxyJump none`,
      });
    }
    return [...hopsOf(first.settings.proxyJump, depth + jumps.length), ...resolved];
  };
  const target = settings(req.destination, req.commandLine);
  return { target, hops: hopsOf(target.proxyJump, 0) };
}

function configOf(ctx: SshConfigContext, file: string, explicit: boolean, includeDir = join(ctx.local.home, ".ssh")) {
  let config = ctx.parsed.get(file);
  if (!config) {
    config = parseConfig(file, { home: ctx.local.home, fs: ctx.fs, explicit, includeDir });
    ctx.parsed.set(file, config);
  }
  return config;
}

// Without -F ssh reads ~/.ssh/config, then the system's: the user's values come first, so they win.
function defaultConfig(ctx: SshConfigContext): ConfigLine[] {
  const user = configOf(ctx, join(ctx.local.home, ".ssh", "config"), false);
  if (!ctx.systemConfig) return user;
  return [...user, ...configOf(ctx, ctx.systemConfig, false, dirname(ctx.systemConfig))];
}

// The `-l`, `-p` and `-J earlier-hops` ssh gives a jump host: a later hop's own ProxyJump is not used.
function hopLine(spec: HopSpec, earlier: HopSpec[]): ConfigLine[] {
  const line = (name: string, arg: string): ConfigLine => optionLine(name, [arg], "ProxyJump");
  return [
    ...(spec.user ? [line("User", spec.user)] : []),
    ...(spec.port ? [line("Port", String(spec.port))] : []),
    ...(earlier.length ? [line("ProxyJump", earlier.map(hopText).join(","))] : []),
  ];
}

/** A hop as ProxyJump writes it. */
export function hopText(h: HopSpec): string {
  const host = h.host.includes(":") ? `[${h.host}]` : h.host;
  return `${h.user ? h.user + "@" : ""}${host}${h.port ? ":" + h.port : ""}`;
}
