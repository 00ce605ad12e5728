// An INI inventory as ansible-core 2.14's ini plugin reads it: hosts before any section are
// `ungrouped`, `[g]` hosts (ranges, `name:port`, inline `k=v`), `[g:children]`, `[g:vars]`; every
// value goes through Python's literal_eval, so `n=1` is a number and `s="x y"` a string.
import { InputError, type Where } from "../../errors.js";
import type { InventoryData } from "./data.js";
import { expandHostPattern } from "./hosts.js";
import { literalValue, shlexSplit } from "./python.js";

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: "vars" | "children";
  parents: string[];
}

export function parseIni(file: string, text: string, inv: InventoryData): void {
  const at = (line: number, col = 1): Where => ({ file, line, col });
  const pending = new Map<string, Pending>();
  let group = "ungrouped";
  let state = "hosts";
  const lines = text.split(/\r?\n/);
  for (let n = 1; n <= lines.length; n++) {
    const raw = lines[n - 1]!;
    const line = raw.trim();
    const col = raw.length - raw.trimStart().length + 1;
    if (!line || line[0] === "#" || line[0] === ";") continue;
    const where = at(n, col);
    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      state = section[2] ?? "hosts";
      if (!["hosts", "children", "vars"].includes(state)) {
        throw new InputError(`section [${group}:${state}] has unknown type '${state}'`, {
          where,
          hint: "use [group], [group:children] or [group:vars]",
        });
      }
      if (!inv.groups.has(group)) {
        // [g:vars] may come before [g] declares the group; checked at the end
        if (state === "vars" && !pending.has(group)) pending.set(group, { line: n, state: "vars", parents: [] });
        inv.addGroup(group, where);
      }
      const waiting = pending.get(group);
      if (waiting && state !== "vars") {
        if (waiting.state === "children") addPending(inv, group, pending, where);
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith("[") && line.endsWith("]")) {
      throw new InputError(`invalid section '${line}'`, {
        where,
        hint: "a section is [group], [group:children] or [group:vars], without spaces",
      });
    }
    if (state === "hosts") hostLine(inv, raw, group, n, col, file);
    else if (state === "vars") {
      const eq = line.indexOf("=");
      if (eq < 0)
        throw new InputError(`expected key=value, got '${line}'`, {
          where,
          hint: `a [${group}:vars] line is name=value`,
        });
      const valueCol = col + eq + 1 + (line.slice(eq + 1).length - line.slice(eq + 1).trimStart().length);
      inv.setGroupVar(group, line.slice(0, eq).trim(), literalValue(line.slice(eq + 1).trim()), where, at(n, valueCol));
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m)
        throw new InputError(`expected a group name, got '${line}'`, {
          where,
          hint: `a [${group}:children] line names one group`,
        });
      const child = m[1]!;
      if (inv.groups.has(child)) inv.addChild(group, child, where);
      else {
        const p = pending.get(child);
        if (p) p.parents.push(group);
        else pending.set(child, { line: n, state: "children", parents: [group] });
      }
    }
  }
  for (const [name, p] of pending) {
    const where = at(p.line);
    if (p.state === "vars")
      throw new InputError(`section [${name}:vars] is for a group that is not defined`, {
        where,
        hint: `add [${name}] or [${name}:children]`,
      });
    throw new InputError(`section [${p.parents.at(-1)}:children] includes group '${name}', which is not defined`, {
      where,
      hint: `add a [${name}] section`,
    });
  }
}

/** A group that children sections were waiting for is declared: link it to its parents, and theirs. */
function addPending(inv: InventoryData, group: string, pending: Map<string, Pending>, where: Where): void {
  for (const parent of pending.get(group)!.parents) {
    inv.addChild(parent, group, where);
    if (pending.get(parent)?.state === "children") addPending(inv, parent, pending, where);
  }
  pending.delete(group);
}

function hostLine(inv: InventoryData, raw: string, group: string, n: number, col: number, file: string): void {
  const where = { file, line: n, col };
  let words;
  try {
    words = shlexSplit(raw);
  } catch (e) {
    throw new InputError(`cannot read host line: ${(e as Error).message}`, {
      where,
      hint: "close the quote",
      cause: e,
    });
  }
  const [pattern, ...rest] = words;
  if (!pattern) return;
  if (pattern.text.trim().endsWith(":")) {
    throw new InputError(`host '${pattern.text}' ends in ':', which is reserved for a port`, { where });
  }
  let expanded;
  try {
    expanded = expandHostPattern(pattern.text);
  } catch (e) {
    throw new InputError(`host '${pattern.text}': ${(e as Error).message}`, { where, cause: e });
  }
  if (expanded.names.some((h) => h.trim() === "---")) {
    throw new InputError("'---' is not a host: this looks like a YAML file", { where, hint: "name it .yaml or .yml" });
  }
  const vars: Array<[string, unknown, Where, Where]> = [];
  for (const w of rest) {
    const at = { file, line: n, col: w.at + 1 };
    const eq = w.text.indexOf("=");
    if (eq < 0)
      throw new InputError(`expected key=value after the host, got '${w.text}'`, {
        where: at,
        hint: "write name=value; quote a value with spaces",
      });
    vars.push([w.text.slice(0, eq), literalValue(w.text.slice(eq + 1)), at, { ...at, col: at.col + eq + 1 }]);
  }
  for (const h of expanded.names) {
    inv.addHost(h, where, group, expanded.port);
    for (const [k, v, at, valueAt] of vars) inv.setHostVar(h, k, v, at, valueAt);
  }
}
