// An executable inventory script, as ansible-core's script plugin runs it: `SCRIPT --list` prints
// groups (and `_meta.hostvars`); without `_meta`, `SCRIPT --host H` prints each host's vars. Run
// without a shell (argv only), under a time limit; a failure is one line with the script's stderr.
import { execFileSync } from "node:child_process";
import { InputError, lastLine, type Where } from "../../errors.js";
import type { InventoryData } from "./data.js";

/** How long one run of an inventory script may take. */
export const SCRIPT_TIMEOUT_MS = 30_000;

type Json = Record<string, unknown>;

const isMapping = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

function run(script: string, args: string[], timeoutMs: number): string {
  const where: Where = { file: script };
  try {
    return execFileSync(script, args, {
      encoding: "utf8",
      timeout: timeoutMs,
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 << 20,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { status?: number | null; signal?: string | null; stderr?: string };
    const said = lastLine(err.stderr ?? "");
    const cmd = [script, ...args].join(" ");
    if (err.code === "ETIMEDOUT" || (err.signal && err.status === null && !said)) {
      throw new InputError(
        `inventory script '${cmd}' did not finish within ${timeoutMs / 1000} s${said ? `: ${said}` : ""}`,
        {
          where,
          hint: "make it answer faster (cache its results), or check what it waits for",
          cause: e,
        },
      );
    }
    if (typeof err.status === "number") {
      throw new InputError(`inventory script '${cmd}' exited ${err.status}: ${said || "(no stderr)"}`, {
        where,
        cause: e,
      });
    }
    throw new InputError(`cannot run inventory script '${cmd}': ${err.message}`, {
      where,
      hint: "check that it is executable and its #! line",
      cause: e,
    });
  }
}

function parseJson(script: string, args: string[], out: string): unknown {
  try {
    return JSON.parse(out);
  } catch (e) {
    throw new InputError(
      `inventory script '${[script, ...args].join(" ")}' did not print JSON: ${(e as Error).message.replace(/\s+/g, " ")}`,
      { where: { file: script }, cause: e },
    );
  }
}

export function parseScript(script: string, inv: InventoryData, timeoutMs = SCRIPT_TIMEOUT_MS): void {
  const data = parseJson(script, ["--list"], run(script, ["--list"], timeoutMs));
  const where: Where = { file: script };
  if (!isMapping(data))
    throw new InputError(`inventory script '${script} --list' must print a JSON object of groups`, { where });
  const hosts = new Set<string>();
  let meta: unknown;
  for (const [name, g] of Object.entries(data)) {
    if (name === "_meta") {
      if (isMapping(g) && "hostvars" in g) meta = g.hostvars;
      continue;
    }
    group(inv, name, g, hosts, where);
  }
  for (const h of hosts) {
    let vars: unknown;
    if (meta === undefined) {
      const out = run(script, ["--host", h], timeoutMs);
      vars = out.trim() === "" ? {} : parseJson(script, ["--host", h], out);
    } else {
      if (!isMapping(meta))
        throw new InputError(`inventory script '${script}': _meta.hostvars must be an object of hosts`, { where });
      vars = meta[h] ?? {};
    }
    if (!isMapping(vars))
      throw new InputError(`inventory script '${script}': the vars of host '${h}' must be an object`, {
        where: { ...where, host: h },
      });
    for (const [k, v] of Object.entries(vars)) inv.setHostVar(h, k, v, { ...where, host: h });
  }
}

function group(inv: InventoryData, name: string, raw: unknown, hosts: Set<string>, where: Where): void {
  inv.addGroup(name, where);
  // a list is the group's hosts; a mapping without hosts/vars/children is one host of that name
  let data: Json = isMapping(raw) ? raw : { hosts: raw };
  if (isMapping(raw) && !["hosts", "vars", "children"].some((k) => k in raw)) data = { hosts: [name], vars: raw };
  if ("hosts" in data) {
    if (!Array.isArray(data.hosts))
      throw new InputError(`inventory script: group '${name}' has hosts that are not a list`, { where });
    for (const h of data.hosts) {
      hosts.add(String(h));
      inv.addHost(String(h), where, name);
    }
  }
  if ("vars" in data) {
    if (!isMapping(data.vars))
      throw new InputError(`inventory script: group '${name}' has vars that are not an object`, { where });
    for (const [k, v] of Object.entries(data.vars)) inv.setGroupVar(name, k, v, where);
  }
  if (Array.isArray(data.children) || isMapping(data.children)) {
    for (const child of Array.isArray(data.children) ? data.children : Object.keys(data.children)) {
      inv.addGroup(String(child), where);
      inv.addChild(name, String(child), where);
    }
  }
}
