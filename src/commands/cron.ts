// `armgo cron install | list | remove`: keep a fleet converged from cron (or a systemd timer).
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { installEntry, listEntries, removeEntry, type InstalledEntry } from "../cron/crontab.js";
import { checkName, crontabLine, type CronJob, defaultName } from "../cron/entry.js";
import { script, units } from "../cron/systemd.js";
import { ArmgoError } from "../errors.js";
import { loadInventory, sourceList, type InventorySources } from "../load/inventory.js";
import { loadPlaybook } from "../load/playbook.js";
import { cacheDir, packageRoot } from "../paths.js";
import { auditDir } from "../audit/log.js";

export interface CronInstallOptions {
  playbook: string;
  inventory: InventorySources;
  every: string;
  fix?: boolean;
  name?: string;
  metrics?: string;
  /** The HTML fleet report each drift run rewrites. */
  report?: string;
  auditDir?: string;
  log?: string;
  systemd?: boolean;
}

export interface CronInstalled {
  name: string;
  log: string;
  /** The crontab line, or the systemd unit files written. */
  line?: string;
  files?: string[];
  /** What loading the playbook accepted but Ansible warns about. */
  warnings?: string[];
}

const configDir = (): string => join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "armgo");
const unitDir = (): string =>
  process.getuid?.() === 0 ? "/etc/systemd/system" : join(homedir(), ".config/systemd/user");

export async function cronInstall(opts: CronInstallOptions): Promise<CronInstalled> {
  // A cron entry that points at a broken playbook would fail unseen every half hour: refuse it now.
  const { warnings } = loadPlaybook(opts.playbook);
  loadInventory(opts.inventory, { playbookDir: dirname(resolve(opts.playbook)) });
  const inventory = sourceList(opts.inventory).map((s) => resolve(s));
  const name = checkName(opts.name ?? defaultName(opts.playbook, inventory));
  const job: CronJob = {
    name,
    playbook: resolve(opts.playbook),
    inventory,
    every: opts.every,
    fix: Boolean(opts.fix),
    metrics: opts.metrics === undefined ? undefined : resolve(opts.metrics),
    report: opts.report === undefined ? undefined : resolve(opts.report),
    auditDir: auditDir(opts.auditDir),
    log: resolve(opts.log ?? join(cacheDir(), "cron", `${name}.log`)),
    node: process.execPath,
    main: join(packageRoot, "dist/src/cli/main.js"),
    cwd: process.cwd(),
    cache: cacheDir(),
  };
  mkdirSync(resolve(job.log, ".."), { recursive: true });
  if (!opts.systemd) {
    const line = crontabLine(job);
    installEntry(name, line);
    return { name, log: job.log, line, warnings };
  }
  const scriptPath = join(configDir(), "cron", `${name}.sh`);
  const { service, timer } = units(job, scriptPath);
  mkdirSync(join(configDir(), "cron"), { recursive: true });
  writeFileSync(scriptPath, script(job), { mode: 0o755 });
  const dir = unitDir();
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, `armgo-${name}.service`), join(dir, `armgo-${name}.timer`)];
  writeFileSync(files[0]!, service);
  writeFileSync(files[1]!, timer);
  systemctl("daemon-reload");
  systemctl("enable", "--now", `armgo-${name}.timer`);
  return { name, log: job.log, files: [scriptPath, ...files], warnings };
}

export async function cronList(): Promise<InstalledEntry[]> {
  return listEntries();
}

/** Removes NAME's crontab entry and its systemd units, whichever exist; false when neither did. */
export async function cronRemove(name: string): Promise<boolean> {
  checkName(name);
  let removed = removeEntry(name);
  const timer = join(unitDir(), `armgo-${name}.timer`);
  if (existsSync(timer)) {
    systemctl("disable", "--now", `armgo-${name}.timer`);
    for (const f of [timer, join(unitDir(), `armgo-${name}.service`), join(configDir(), "cron", `${name}.sh`)])
      rmSync(f, { force: true });
    systemctl("daemon-reload");
    removed = true;
  }
  return removed;
}

function systemctl(...args: string[]): void {
  const user = process.getuid?.() === 0 ? [] : ["--user"];
  const r = spawnSync("systemctl", [...user, ...args], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new ArmgoError(`systemctl ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`, {
      hint: "a systemd timer needs a running systemd (systemctl is-system-running); without one, install for cron (leave out --systemd)",
    });
  }
}
