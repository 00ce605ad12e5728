// The current user's crontab, edited through the `crontab` command: one marked block per entry,
// so installing again replaces the block instead of adding a second one.
import { spawnSync } from "node:child_process";
import { ArmgoError } from "../errors.js";

export interface InstalledEntry {
  name: string;
  line: string;
}

const begin = (name: string): string => `# BEGIN armgo ${name}`;
const end = (name: string): string => `# END armgo ${name}`;

function crontab(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("crontab", args, { input, encoding: "utf8" });
  if (r.error)
    throw new ArmgoError(`cannot run crontab: ${r.error.message}`, {
      hint: "install cron (apt-get install cron), or use --systemd",
      cause: r.error,
    });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function read(): string[] {
  // No cron installed (a systemd-only host): there are no entries to list or remove.
  if (spawnSync("crontab", ["-l"]).error) return [];
  const r = crontab(["-l"]);
  // `crontab -l` exits 1 with "no crontab for USER" when there is none yet.
  if (r.code !== 0) {
    if (/no crontab for/i.test(r.stderr)) return [];
    throw new ArmgoError(`crontab -l failed: ${r.stderr.trim()}`);
  }
  return r.stdout.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1);
}

function write(lines: string[]): void {
  const r = crontab(["-"], lines.length ? lines.join("\n") + "\n" : "");
  if (r.code !== 0) throw new ArmgoError(`crontab could not be written: ${r.stderr.trim()}`);
}

/** The lines without NAME's block; other people's entries stay as they were. */
function without(lines: string[], name: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const l of lines) {
    if (l === begin(name)) inside = true;
    else if (inside && l === end(name)) inside = false;
    else if (!inside) out.push(l);
  }
  return out;
}

export function listEntries(): InstalledEntry[] {
  const lines = read();
  const out: InstalledEntry[] = [];
  lines.forEach((l, i) => {
    const m = /^# BEGIN armgo (\S+)$/.exec(l);
    if (m && lines[i + 2] === end(m[1]!)) out.push({ name: m[1]!, line: lines[i + 1]! });
  });
  return out;
}

export function installEntry(name: string, line: string): void {
  write([...without(read(), name), begin(name), line, end(name)]);
}

/** Returns false when there was no such entry. */
export function removeEntry(name: string): boolean {
  const lines = read();
  const kept = without(lines, name);
  if (kept.length === lines.length) return false;
  write(kept);
  return true;
}
