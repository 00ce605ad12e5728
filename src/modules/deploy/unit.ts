// The systemd unit file of a deployed service, rendered as text: ExecStart runs the binary through
// `current`, so a switch plus `systemctl restart` is the whole upgrade and the unit rarely changes.
import type { SystemdService } from "./manifest.js";

/** The unit's name: the spec's, or `<app>.service`. */
export function unitName(spec: SystemdService, app: string): string {
  return spec.unit ?? `${app}.service`;
}

export function unitPath(spec: SystemdService, app: string): string {
  return `/etc/systemd/system/${unitName(spec, app)}`;
}

/** One word for systemd's parser: double-quoted with C escapes; `%` and (in command lines) `$` doubled, so nothing expands. */
export function systemdWord(value: string, command = false): string {
  let s = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/%/g, "%%");
  if (command) s = s.replace(/\$/g, "$$$$");
  return `"${s}"`;
}

/** A value on a line of its own (Description): only specifiers and line breaks matter there. */
function systemdLine(value: string): string {
  return value.replace(/%/g, "%%").replace(/\n/g, " ");
}

export function renderUnit(spec: SystemdService, app: string, appDir: string): string {
  const exec = [`${appDir}/current/${app}`, ...(spec.args ?? [])].map((w) => systemdWord(w, true)).join(" ");
  const env = Object.entries(spec.environment ?? {}).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}`);
  return [
    "# Written by armgo deploy: changes here are replaced on the next deploy.",
    "[Unit]",
    `Description=${systemdLine(spec.description ?? `${app} (armgo deploy)`)}`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    `Type=${spec.notify ? "notify" : "simple"}`,
    ...(spec.notify ? ["NotifyAccess=main"] : []),
    `ExecStart=${exec}`,
    `WorkingDirectory=${systemdLine(`${appDir}/current`)}`,
    ...env,
    ...(spec.user ? [`User=${spec.user}`] : []),
    ...(spec.group ? [`Group=${spec.group}`] : []),
    `Restart=${spec.restart ?? "on-failure"}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
