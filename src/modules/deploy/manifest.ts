// The per-host releases manifest (app_dir/releases.json): which releases a host keeps, which is
// current, which were proven good, and the service and health specs last deployed, so that
// `armgo rollback` works without the playbook. Written by temp + rename: a reader sees old or new.
import { ManifestError } from "../../errors.js";
import { writeFileScript } from "../shared/write-file.js";

export type ReleaseStatus = "good" | "bad" | "unfinished";

export interface Release {
  /** 12-hex prefix of the artifact's sha256 = the directory name under releases/. */
  sha: string;
  /** Where the binary came from: the artifact's file name, or `build:<package dir>`. */
  artifact: string;
  status: ReleaseStatus;
  /** ISO time. */
  deployed_at: string;
  /** The run id that deployed it. */
  run: string;
  /** Why a bad release is bad: the failed check's line (an analysis': its query, value and threshold). */
  why?: string;
}

/** A service started by commands: for hosts without systemd (the lab's containers). */
export interface CommandService {
  type: "command";
  /** Starts the service in the background (detached); it must write `pidfile`. */
  start: string;
  /** Default: SIGTERM to the pidfile's process if it runs a release's binary (never a reused PID), then wait for it to exit (SIGKILL after 10 s). */
  stop?: string;
  /** Default: stop, then start. */
  restart?: string;
  /** The service's PID file: how armgo proves the running process is the new release. */
  pidfile: string;
  /** Exported to start and restart from app_dir/service.env (mode 0600). */
  environment?: Record<string, string>;
  /** In releases.json instead of `environment`: the env file's sha256 (the values stay in the 0600 file). */
  environment_sha256?: string;
}

/** A systemd service whose unit file armgo renders from these fields. */
export interface SystemdService {
  type: "systemd";
  /** Default `<app>.service`. */
  unit?: string;
  description?: string;
  /** Arguments after the binary in ExecStart. */
  args?: string[];
  environment?: Record<string, string>;
  /** In releases.json instead of `environment`: the env file's sha256 (the values stay in the 0600 file). */
  environment_sha256?: string;
  user?: string;
  group?: string;
  /** Type=notify: the service says READY=1 (sd_notify) and `systemctl restart` waits for it. */
  notify?: boolean;
  /** Restart= policy, default on-failure. */
  restart?: "no" | "on-failure" | "always";
  /**
   * A .socket unit beside the service (ListenStream= per address): systemd holds the listening socket and
   * passes it to each new process (LISTEN_FDS, fd 3), so connections queue across a restart.
   */
  socket?: { listen: string | string[] };
}

export type ServiceSpec = CommandService | SystemdService;

export interface HealthSpec {
  /** GET this URL on the host (curl or wget there). */
  http?: string;
  /** Expected HTTP status, default 200. */
  status?: number;
  /** A string the response body must contain. */
  body?: string;
  /** Or: a shell command on the host; exit 0 = healthy. */
  command?: string;
  /** Attempts, default 10. */
  retries?: number;
  /** Seconds between attempts, default 1. */
  interval?: number;
  /** Seconds for all attempts together, default 30. */
  timeout?: number;
}

export interface Manifest {
  app: string;
  /** sha of the release `current` points to. */
  current?: string;
  service: ServiceSpec;
  health?: HealthSpec;
  /** Oldest first. */
  releases: Release[];
}

export const MANIFEST_FORMAT = 1;

export function manifestPath(appDir: string): string {
  return `${appDir}/releases.json`;
}

/** The manifest of a host with nothing deployed yet. */
export function emptyManifest(app: string): Manifest {
  return { app, service: { type: "command", start: "", pidfile: "" }, releases: [] };
}

const STATUSES = new Set<ReleaseStatus>(["good", "bad", "unfinished"]);
const SHA = /^[0-9a-f]{12}$/;

function isRelease(r: unknown): r is Release {
  const o = r as Record<string, unknown>;
  return (
    typeof o === "object" &&
    o !== null &&
    typeof o.sha === "string" &&
    SHA.test(o.sha) &&
    typeof o.artifact === "string" &&
    STATUSES.has(o.status as ReleaseStatus) &&
    typeof o.deployed_at === "string" &&
    typeof o.run === "string" &&
    (o.why === undefined || typeof o.why === "string")
  );
}

/** The manifest in `text` ("" = none yet); ManifestError when it is not one armgo wrote for `app`. */
export function parseManifest(text: string, app: string): Manifest {
  if (text.trim() === "") return emptyManifest(app);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`releases.json of ${app} is not JSON: ${(e as Error).message}`, {
      cause: e,
      hint: "restore it from the audit log or move it away; armgo will not guess the releases",
    });
  }
  const o = raw as Record<string, unknown>;
  const bad = (what: string) =>
    new ManifestError(`releases.json of ${app}: ${what}`, {
      hint: "restore it from the audit log or move it away; armgo will not guess the releases",
    });
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw bad("not an object");
  if (o.app !== app) throw bad(`it belongs to app '${String(o.app)}'`);
  if (!Array.isArray(o.releases) || !o.releases.every(isRelease))
    throw bad("a release entry lacks sha, artifact, status, deployed_at or run");
  if (o.current !== undefined && (typeof o.current !== "string" || !o.releases.some((r) => r.sha === o.current)))
    throw bad(
      `current '${typeof o.current === "string" ? o.current : JSON.stringify(o.current)}' is not among its releases`,
    );
  const service = o.service as ServiceSpec | undefined;
  if (typeof service !== "object" || service === null || (service.type !== "command" && service.type !== "systemd"))
    throw bad("no service spec");
  return {
    app,
    current: o.current,
    service,
    health: o.health as HealthSpec | undefined,
    releases: o.releases,
  };
}

/** The text armgo writes: stable key order, one release per line for a readable diff. */
export function manifestText(m: Manifest): string {
  const head = {
    format: MANIFEST_FORMAT,
    app: m.app,
    ...(m.current ? { current: m.current } : {}),
    service: m.service,
    ...(m.health ? { health: m.health } : {}),
  };
  const body = JSON.stringify(head, null, 2).replace(/\n}$/, "");
  const releases = m.releases
    .map(
      (r) =>
        "    " +
        JSON.stringify({
          sha: r.sha,
          artifact: r.artifact,
          status: r.status,
          deployed_at: r.deployed_at,
          run: r.run,
          ...(r.why !== undefined ? { why: r.why } : {}),
        }),
    )
    .join(",\n");
  return `${body},\n  "releases": [${releases ? `\n${releases}\n  ` : ""}]\n}\n`;
}

/** Shell: write the manifest atomically (temp + rename); a failure exits 1. */
export function writeManifestScript(appDir: string, m: Manifest): string {
  return `${writeFileScript(manifestPath(appDir), manifestText(m))} || exit 1`;
}

/** The release named by a sha or a unique prefix of one; undefined when none or several match. */
export function findRelease(m: Manifest, prefix: string): Release | undefined {
  const hits = m.releases.filter((r) => r.sha.startsWith(prefix.toLowerCase()));
  return hits.length === 1 ? hits[0] : undefined;
}

/** The newest release proven good, other than `except`: where a rollback goes. */
export function lastGood(m: Manifest, except?: string): Release | undefined {
  return [...m.releases].reverse().find((r) => r.status === "good" && r.sha !== except);
}

/** The manifest with release `sha` set to `status` (and, when bad, why). */
export function withStatus(m: Manifest, sha: string, status: ReleaseStatus, why?: string): Manifest {
  // a release proven good again forgets why it was bad
  const mark = ({ why: _old, ...r }: Release): Release => ({ ...r, status, ...(why !== undefined ? { why } : {}) });
  return { ...m, releases: m.releases.map((r) => (r.sha === sha ? mark(r) : r)) };
}

/** The manifest with `r` as the newest release (replacing an older entry of the same sha). */
export function withRelease(m: Manifest, r: Release): Manifest {
  return { ...m, releases: [...m.releases.filter((x) => x.sha !== r.sha), r] };
}

/**
 * Which releases go when only `keep` are kept: the oldest beyond `keep`, but never `current` nor the
 * last good release (Deployer's cleanup may delete the only release that worked).
 */
export function pruneReleases(m: Manifest, keep: number): string[] {
  const protectedShas = new Set([m.current, lastGood(m)?.sha].filter((s): s is string => s !== undefined));
  const excess = m.releases.length - Math.max(1, keep);
  const out: string[] = [];
  for (const r of m.releases) {
    if (out.length >= excess) break;
    if (!protectedShas.has(r.sha)) out.push(r.sha);
  }
  return out;
}
