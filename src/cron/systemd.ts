// `armgo cron install --systemd`: a oneshot service and its timer instead of a crontab line.
import { InputError } from "../errors.js";
import type { CronJob } from "./entry.js";
import { commandLine, periodMinutes } from "./entry.js";

/** systemd calendar spec for every `period` minutes (the period divides an hour or a day). */
export function onCalendar(period: number): string {
  if (period < 60) return `*:00/${period}`;
  const hours = period / 60;
  return hours === 1 ? "*:00" : hours === 24 ? "00:00" : `00/${hours}:00`;
}

/** The script the service runs: the same command line cron would, with none of systemd's own quoting rules. */
export function script(j: CronJob): string {
  return `#!/bin/sh\n${commandLine(j)}\n`;
}

export function units(j: CronJob, scriptPath: string): { service: string; timer: string } {
  const period = periodMinutes(j.every);
  // systemd reads $, %, quotes and backslashes in ExecStart itself: the script's path must need none.
  if (!/^[A-Za-z0-9_./@+-]+$/.test(scriptPath))
    throw new InputError(`${scriptPath} cannot be named in a systemd unit as it is`, {
      hint: "set XDG_CONFIG_HOME to a path of letters, digits, '.', '_', '-' and '/'",
    });
  return {
    service: [
      "[Unit]",
      `Description=armgo drift ${j.name}`,
      "",
      "[Service]",
      "Type=oneshot",
      // drift exits 6 when it found drift and fixed it: the unit did its job.
      "SuccessExitStatus=6",
      `ExecStart=/bin/sh ${scriptPath}`,
      "",
    ].join("\n"),
    timer: [
      "[Unit]",
      `Description=armgo drift ${j.name} every ${j.every}`,
      "",
      "[Timer]",
      `OnCalendar=${onCalendar(period)}`,
      // Spread controllers over the whole period, the same delay for this unit every time.
      `RandomizedDelaySec=${period * 60}`,
      "FixedRandomDelay=true",
      "Persistent=true",
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}
