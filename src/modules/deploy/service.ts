// Shell for a deployed service: its PID, the release its process runs, restart and stop, for both
// service types. Every value goes through the quoting helper; user commands run as `sh -c` words.
import { exportLines, sh } from "../../transport/quote.js";
import type { ServiceSpec } from "./manifest.js";
import { envPath, envSha256, socketName, socketPath, unitName } from "./unit.js";

export interface Place {
  app: string;
  appDir: string;
}

export const releaseDir = (p: Place, sha: string): string => `${p.appDir}/releases/${sha}`;

/** What every user command (start, stop, restart, precheck, health command) sees of the release. */
export function releaseEnv(p: Place, sha: string): string {
  return exportLines({
    ARMGO_APP: p.app,
    ARMGO_APP_DIR: p.appDir,
    ARMGO_RELEASE: sha,
    ARMGO_RELEASE_DIR: releaseDir(p, sha),
  });
}

/** Shell: alive PID (a zombie, left for a PID 1 that does not reap, counts as gone). */
const ALIVE = `alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }`;

/** Shell: sets $pid to the service's PID, "" when it does not run. */
export function pidScript(service: ServiceSpec, app: string): string {
  const read =
    service.type === "command"
      ? sh`pid=$(head -n 1 ${service.pidfile} 2>/dev/null | tr -cd 0-9)`
      : sh`pid=$(systemctl show -p MainPID --value ${unitName(service, app)} 2>/dev/null | tr -cd 0-9)`;
  return `${ALIVE}\n${read}\nalive "$pid" || pid=`;
}

/**
 * Shell: prints `pid=` and `running=` (the release whose binary the process runs). /proc/PID/exe names
 * it; under an emulator (qemu-user via binfmt) exe is the emulator, and /proc/PID/maps names the binary.
 */
export function runningScript(service: ServiceSpec, p: Place): string {
  return [pidScript(service, p.app), releaseOfPid(p), `echo "pid=$pid"; echo "running=$run"`].join("\n");
}

/** Shell: sets $run to the release whose binary $pid runs, "" when none under app_dir/releases/. */
function releaseOfPid(p: Place): string {
  return [
    sh`rd=$(cd -P ${p.appDir}/releases 2>/dev/null && pwd) || rd=`,
    `run=`,
    `if [ -n "$pid" ] && [ -n "$rd" ]; then`,
    `  exe=$(readlink "/proc/$pid/exe" 2>/dev/null)`,
    `  case "$exe" in "$rd"/*) ;; *) while read -r _ _ _ _ _ f; do case "$f" in "$rd"/*) exe=$f; break ;; esac; done < "/proc/$pid/maps" 2>/dev/null ;; esac`,
    `  case "$exe" in "$rd"/*/*) run=\${exe#"$rd"/}; run=\${run%%/*} ;; esac`,
    `fi`,
  ].join("\n");
}

/** Shell: run a user's command in `dir` with the release's env; its output is kept in a file, so a
 * process it leaves in the background can't hold the channel open. Exits with the command's code. */
export function userCommand(p: Place, sha: string, dir: string, command: string): string {
  return [
    releaseEnv(p, sha) + sh`cd ${dir} || exit 1`,
    `o=$(mktemp) || exit 1`,
    sh`sh -c ${command} >"$o" 2>&1 </dev/null` + `; rc=$?`,
    `tail -c 2000 "$o"; rm -f "$o"; exit $rc`,
  ].join("\n");
}

/** Shell: stop the service (the default for command services: SIGTERM, then SIGKILL after 10 s, to a process running a release). */
export function stopScript(service: ServiceSpec, p: Place, sha: string): string {
  if (service.type === "systemd") return sh`systemctl stop ${unitName(service, p.app)}`;
  if (service.stop) return userCommand(p, sha, p.appDir, service.stop);
  return [
    pidScript(service, p.app),
    releaseOfPid(p),
    // a stale pidfile (after a reboot) may name a reused PID: only a process running one of our releases is killed
    `[ -n "$run" ] || exit 0`,
    `kill "$pid" 2>/dev/null`,
    `i=0; while alive "$pid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`,
    `if alive "$pid"; then kill -9 "$pid"; fi`,
    `exit 0`,
  ].join("\n");
}

/** Shell: restart the service on release `sha` (`current` already points to it). */
export function restartScript(service: ServiceSpec, p: Place, sha: string): string {
  if (service.type === "systemd") {
    const [name, sock] = [unitName(service, p.app), socketName(service, p.app)];
    // the socket unit, when there is one on disk (even one a restore put back), listens before the service
    // starts; on failure the unit's last journal lines are printed (journal=), read in the same exec
    return [
      // a unit that hit its start limit (a crashing release) would refuse the restart a deploy asks for
      sh`systemctl reset-failed ${name} ${sock} 2>/dev/null`,
      sh`if [ -e ${socketPath(service, p.app)} ]; then systemctl start ${sock} || { rc=$?; ` +
        journalEcho(sock) +
        `; exit $rc; }; fi`,
      sh`systemctl restart ${name} || { rc=$?; ` + journalEcho(name) + `; exit $rc; }`,
    ].join("\n");
  }
  // the service's environment, exported to the commands that start it
  const env = envSha256(service) === undefined ? "" : sh`set -a; . ${envPath(p.appDir)} || exit 1; set +a` + "\n";
  if (service.restart) return env + userCommand(p, sha, p.appDir, service.restart);
  return `( ${stopScript(service, p, sha)}\n ) || exit 1\n${env}${userCommand(p, sha, p.appDir, service.start)}`;
}

/** Lines of the unit's journal that a failure line carries. */
const JOURNAL_LINES = 20;

/** Shell: prints `journal=`, base64 of the unit's last lines without timestamps (the service's log has its own). */
function journalEcho(unit: string): string {
  const read = sh`journalctl -u ${unit} -n ${JOURNAL_LINES} --no-pager -o cat 2>&1`;
  return `echo "journal=$(${read} | tail -c 2500 | base64 | tr -d '\\n')"`;
}

/** Shell: prints `journal=` for a systemd service, nothing for a command one. */
export function journalScript(service: ServiceSpec, app: string): string {
  return service.type === "systemd" ? journalEcho(unitName(service, app)) : "";
}
