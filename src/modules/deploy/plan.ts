// Pure: from what the host has (manifest, `current`, release dirs, what runs) and the args to the
// deploy's steps. --check prints exactly this, so it says which release becomes current and whether
// a restart follows.
import { TaskError } from "../../errors.js";
import type { Plan } from "../contract.js";
import {
  findRelease,
  lastGood,
  pruneReleases,
  withRelease,
  withStatus,
  type Manifest,
  type ServiceSpec,
} from "./manifest.js";
import type { DeployArgs, DeployData, DeployState, DeployStep } from "./types.js";
import { envPath, envSha256, renderSocket, renderUnit, sha256, socketPath, unitPath } from "./unit.js";

export const DEFAULT_KEEP = 5;

export const appDir = (args: DeployArgs): string => args.app_dir ?? `/opt/${args.app}`;

export const sha12 = (sha256: string): string => sha256.slice(0, 12);

/** The service spec in force: the task's, else (rollback) the one the manifest recorded. */
export function serviceOf(args: DeployArgs): ServiceSpec {
  if (!args.service)
    throw new TaskError(`no service spec for ${args.app}: the task names none and the host's releases.json has none`, {
      hint: "add service: to the task",
    });
  return args.service;
}

export function unitSha256(args: DeployArgs): string | undefined {
  const s = serviceOf(args);
  return s.type === "systemd" ? sha256(renderUnit(s, args.app, appDir(args))) : undefined;
}

/** The .socket unit's sha256, undefined when the spec has none. */
export function socketSha256(args: DeployArgs): string | undefined {
  const s = serviceOf(args);
  const text = s.type === "systemd" ? renderSocket(s, args.app) : undefined;
  return text === undefined ? undefined : sha256(text);
}

/** The service spec as releases.json records it: the environment as its hash, never its values. */
export function recordedService(s: ServiceSpec): ServiceSpec {
  if (s.environment === undefined) return s;
  const { environment: _values, ...rest } = s;
  return { ...rest, environment_sha256: envSha256(s)! };
}

/** The release the task wants current: the artifact's, or the rollback's target. */
export function targetOf(state: DeployState, args: DeployArgs): string {
  const m = state.manifest;
  if (args.rollback === undefined) return sha12(args.resolved!.sha256);
  const rel = args.rollback === true ? lastGood(m, state.current) : findRelease(m, args.rollback);
  const known = m.releases.map((r) => `${r.sha} (${r.status})`).join(", ") || "none";
  if (!rel) {
    const what =
      args.rollback === true
        ? `no good release of ${args.app} other than current ${state.current ?? "(none)"}`
        : `no single release of ${args.app} matches '${args.rollback}'`;
    // how to name one is the caller's to say (armgo rollback: --to)
    throw new TaskError(`${what}; releases on the host: ${known}`, {
      data: { rollback_candidates: m.releases.map((r) => r.sha) },
    });
  }
  if (!state.dirs.includes(rel.sha))
    throw new TaskError(`release ${rel.sha} of ${args.app} is in releases.json but its directory is gone`, {
      hint: "deploy it again from its artifact",
    });
  return rel.sha;
}

/** The manifest once the deploy succeeded: target good and current, specs recorded. */
export function afterSuccess(m: Manifest, args: DeployArgs, target: string, run: string, now: string): Manifest {
  const old = m.releases.find((r) => r.sha === target);
  const specs = {
    current: target,
    service: recordedService(serviceOf(args)),
    ...(args.health ? { health: args.health } : {}),
  };
  // a release already listed keeps its place: the list stays in deploy order, a rollback reorders nothing
  if (old) return { ...withStatus(m, target, "good"), ...specs };
  return {
    ...withRelease(m, { sha: target, artifact: args.resolved?.name ?? "", status: "good", deployed_at: now, run }),
    ...specs,
  };
}

export function planDeploy(state: DeployState, args: DeployArgs): Plan<DeployStep, DeployData> {
  const m = state.manifest;
  const cur = state.current;
  const target = targetOf(state, args);
  const rel = m.releases.find((r) => r.sha === target);
  const steps: DeployStep[] = [];
  const what: string[] = [];
  const curRel = cur === undefined ? undefined : m.releases.find((r) => r.sha === cur);
  // a current release not proven good (left unfinished, or unknown: releases.json lost) is checked before
  // the switch, so a failing new release can go back to it instead of stopping a working service
  if (cur !== undefined && cur !== target && curRel?.status !== "good") {
    steps.push({ action: "settle", sha: cur });
    what.push(
      `health-check ${cur}, ${curRel ? `left ${curRel.status} by an earlier run` : "unknown to releases.json"}`,
    );
  }
  const upload =
    args.rollback === undefined && (!state.dirs.includes(target) || state.wantedSha256 !== args.resolved!.sha256);
  if (upload) {
    steps.push({ action: "upload", sha: target });
    what.push(`upload ${args.resolved!.name} as release ${target}`);
  }
  const service = serviceOf(args);
  // a rollback's spec comes from releases.json, values absent: the env file on the host stays
  const envChanged = service.environment !== undefined && state.envSha256 !== envSha256(service);
  if (envChanged) {
    steps.push({ action: "env" });
    what.push(`write ${envPath(appDir(args))}`);
  }
  // a socket unit the spec no longer names is a change too: it is removed
  const socketChanged = service.type === "systemd" && state.socketSha256 !== socketSha256(args);
  const unitChanged = service.type === "systemd" && (state.unitSha256 !== unitSha256(args) || socketChanged);
  if (unitChanged && service.type === "systemd") {
    steps.push({ action: "unit", ...(socketChanged ? { socket: service.socket ? "write" : "remove" } : {}) });
    const sock = !socketChanged
      ? []
      : service.socket
        ? [`write ${socketPath(service, args.app)}`]
        : [`remove ${socketPath(service, args.app)}`];
    what.push([`write ${unitPath(service, args.app)}`, ...sock].join("; "));
  }
  if (cur !== target) {
    steps.push({ action: "switch", sha: target, ...(cur ? { from: cur } : {}) });
    what.push(`switch current ${cur ?? "(none)"} -> ${target}`);
  }
  // a release directory uploaded again (a corrupt copy) under a running process: it runs the old file
  // a command service's start, stop or pidfile changed: restarted, as systemd services are on a unit change
  const specChanged =
    service.type === "command" && JSON.stringify(m.service) !== JSON.stringify(recordedService(service));
  const restart = cur !== target || unitChanged || envChanged || specChanged || state.running !== target || upload;
  if (restart) {
    steps.push({ action: "restart", sha: target, ...(state.pid === undefined ? { first: true as const } : {}) });
    const why =
      specChanged && cur === target && state.running === target
        ? "its spec changed"
        : `pid ${state.pid} runs ${state.running ?? "another binary"}`;
    what.push(state.pid === undefined ? "start the service" : `restart the service (${why})`);
  }
  if (restart || rel?.status !== "good") {
    steps.push({ action: "verify", sha: target });
    what.push(
      `health-check ${target}${rel?.status === "unfinished" && !restart ? " (left unfinished by an interrupted run)" : ""}`,
    );
  } else if (
    JSON.stringify(m.service) !== JSON.stringify(recordedService(service)) ||
    (args.health !== undefined && JSON.stringify(m.health) !== JSON.stringify(args.health))
  ) {
    steps.push({ action: "record" });
    what.push("record the new service and health specs in releases.json");
  }
  const after = afterSuccess(m, args, target, "", "");
  const prune = pruneReleases(after, args.keep_releases ?? DEFAULT_KEEP);
  if (prune.length > 0) {
    steps.push({ action: "prune", shas: prune });
    what.push(`prune ${prune.join(", ")}`);
  }
  const data: DeployData = {
    deployed: { app: args.app, release: target },
    previous: cur ?? null,
    restarted: restart,
    app_dir: appDir(args),
    ...(state.pid !== undefined ? { pid: state.pid } : {}),
  };
  if (steps.length === 0)
    return { steps, msg: `${args.app} ${target} is current and good, pid ${state.pid} runs it`, data };
  return { steps, msg: `${what.join("; ")} (${args.app})`, data };
}
