// The systemd unit file of a deployed service, rendered as text: ExecStart runs the binary through
// `current`, so a switch plus `systemctl restart` is the whole upgrade and the unit rarely changes.
import { createHash } from "node:crypto";
import { envFileLine } from "../../transport/quote.js";
import type { ServiceSpec, SystemdService } from "./manifest.js";

/** The unit's name: the spec's, or `<app>.service`. */
export function unitName(spec: SystemdService, app: string): string {
  return spec.unit ?? `${app}.service`;
}

export function unitPath(spec: SystemdService, app: string): string {
  return `/etc/systemd/system/${unitName(spec, app)}`;
}

/** The socket unit beside the service (same name, `.socket`): systemd hands its socket to the service. */
export function socketName(spec: SystemdService, app: string): string {
  return unitName(spec, app).replace(/\.service$/, ".socket");
}

export function socketPath(spec: SystemdService, app: string): string {
  return `/etc/systemd/system/${socketName(spec, app)}`;
}

/** The service's environment, mode 0600: values never sit in the world-readable unit or releases.json. */
export const envPath = (appDir: string): string => `${appDir}/service.env`;

/** The env file, read alike by systemd's EnvironmentFile= parser and by sh. */
export function envText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => envFileLine(k, v))
    .join("");
}

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** What releases.json and the plan compare: the env file's sha256, or undefined without an environment. */
export function envSha256(spec: ServiceSpec): string | undefined {
  if (spec.environment === undefined) return spec.environment_sha256;
  return sha256(envText(spec.environment));
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

const WRITTEN = "# Written by armgo deploy: changes here are replaced on the next deploy.";

export function renderUnit(spec: SystemdService, app: string, appDir: string): string {
  const exec = [`${appDir}/current/${app}`, ...(spec.args ?? [])].map((w) => systemdWord(w, true)).join(" ");
  // the service needs its socket started first; a restart of the service leaves the socket listening
  const socket = spec.socket ? [`Requires=${socketName(spec, app)}`, `After=${socketName(spec, app)}`] : [];
  return [
    WRITTEN,
    "[Unit]",
    `Description=${systemdLine(spec.description ?? `${app} (armgo deploy)`)}`,
    "Wants=network-online.target",
    "After=network-online.target",
    ...socket,
    "",
    "[Service]",
    `Type=${spec.notify ? "notify" : "simple"}`,
    ...(spec.notify ? ["NotifyAccess=main"] : []),
    `ExecStart=${exec}`,
    `WorkingDirectory=${systemdLine(`${appDir}/current`)}`,
    ...(envSha256(spec) !== undefined ? [`EnvironmentFile=${systemdLine(envPath(appDir))}`] : []),
    ...(spec.user ? [`User=${spec.user}`] : []),
    ...(spec.group ? [`Group=${spec.group}`] : []),
    `Restart=${spec.restart ?? "on-failure"}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The .socket unit of a service with `socket:`; undefined without one. */
export function renderSocket(spec: SystemdService, app: string): string | undefined {
  if (!spec.socket) return undefined;
  const listen = Array.isArray(spec.socket.listen) ? spec.socket.listen : [spec.socket.listen];
  return [
    WRITTEN,
    "[Unit]",
    // not the service's description: only a new address restarts the socket
    `Description=${systemdLine(`socket of ${unitName(spec, app)} (armgo deploy)`)}`,
    "",
    "[Socket]",
    ...listen.map((l) => `ListenStream=${systemdLine(l)}`),
    "",
    "[Install]",
    "WantedBy=sockets.target",
    "",
  ].join("\n");
}
