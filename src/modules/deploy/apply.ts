// Carrying out a deploy plan under the app's lock on the host. The manifest is written before each
// step that can leave the host half-way (a new release is `unfinished` until proven), so a killed
// run leaves a host the next run can read: `current` is always a complete release.
import { TaskError } from "../../errors.js";
import { acquireHostLock } from "../../lock/host-lock.js";
import { sh } from "../../transport/quote.js";
import { parseKv, type ApplyResult, type ModuleContext, type Plan } from "../contract.js";
import { hashInto } from "../shared/hash-probe.js";
import { switchLink } from "../shared/symlink.js";
import { uploadAs } from "../shared/upload.js";
import { writeFileScript } from "../shared/write-file.js";
import { analyseRelease, type AnalysisResult } from "./analysis.js";
import { healthScript, healthTimeoutMs, oneLine, parseHealth, type HealthResult } from "./health.js";
import {
  lastGood,
  manifestPath,
  parseManifest,
  pruneReleases,
  withRelease,
  withStatus,
  writeManifestScript,
  type Manifest,
} from "./manifest.js";
import { afterSuccess, appDir, DEFAULT_KEEP, recordedService, serviceOf } from "./plan.js";
import {
  journalScript,
  releaseDir,
  restartScript,
  runningScript,
  stopScript,
  userCommand,
  type Place,
} from "./service.js";
import type { DeployArgs, DeployData, DeployStep } from "./types.js";
import { envPath, envText, renderSocket, renderUnit, socketName, socketPath, unitName, unitPath } from "./unit.js";

/** The app's lock on the host: two controllers never interleave one app's releases. */
export const lockPath = (dir: string): string => `${dir}/.deploy.lock`;

/** The service and health specs a release is restarted and checked by: the task's, or those recorded. */
type Specs = Pick<Manifest, "service" | "health">;

/** Beside a file this run replaces (unit, env file): the old one, until the new one is proven. */
const OLD = ".armgo-old";

export async function applyDeploy(
  ctx: ModuleContext,
  args: DeployArgs,
  plan: Plan<DeployStep, DeployData>,
): Promise<ApplyResult> {
  const p: Place = { app: args.app, appDir: appDir(args) };
  await ctx.runOk(sh`mkdir -p ${p.appDir}/releases`);
  const notices: string[] = [];
  const lock = await acquireHostLock({ host: ctx.host, exec: (s, o) => ctx.run(s, o) }, lockPath(p.appDir), {
    run: ctx.runId,
    become: ctx.become,
    onNotice: (line) => notices.push(line),
  });
  let deployment: Deployment | undefined;
  let failure: { error: unknown } | undefined;
  try {
    const m = parseManifest((await ctx.runOk(sh`cat ${manifestPath(p.appDir)} 2>/dev/null; exit 0`)).stdout, args.app);
    deployment = new Deployment(ctx, args, p, m);
    const done = await deployment.run(plan.steps, plan.data?.previous ?? null);
    return { ...done, msg: [...notices, done.msg].join("; ") };
  } catch (e) {
    failure = { error: e };
    if (e instanceof TaskError) {
      if (notices.length > 0) e.message = `${notices.join("; ")}; ${e.message}`;
      // whatever failed, the recap can still say which release the host runs
      if (deployment && e.data.deployed === undefined)
        e.data.deployed = { app: args.app, release: deployment.current ?? null };
      // a deploy cut short before it settled its release: the audit log names it unfinished
      const target = plan.data?.deployed.release;
      if (e.data.failed === undefined && target && target !== deployment?.current) e.data.target ??= target;
    }
    throw e;
  } finally {
    // a release failing too (the connection dropped) must not replace the error that ended the deploy
    await lock.release().catch((e: unknown) => {
      if (!failure) throw e;
      if (failure.error instanceof Error && failure.error.cause === undefined) failure.error.cause = e;
      else ctx.progress(`the app's lock on ${ctx.host} was not released: ${(e as Error).message}`);
    });
  }
}

class Deployment {
  /** How this run brought the service up: "started" when no process of it ran before. */
  private restarted: "" | "started" | "restarted" = "";
  /** The files this run replaced (unit, env file), each with whether one was there before (a copy is kept beside it). */
  private readonly replaced = new Map<string, boolean>();
  private readonly settled: Record<string, string> = {};

  /** The release `current` points to, as far as this deploy knows. */
  get current(): string | undefined {
    return this.m.current;
  }

  constructor(
    private readonly ctx: ModuleContext,
    private readonly args: DeployArgs,
    private readonly p: Place,
    private m: Manifest,
  ) {}

  /** Write the manifest, then run `then` in the same exec (each exec is a round trip, slow under emulation). */
  private async write(then = ""): Promise<void> {
    await this.ctx.runOk(writeManifestScript(this.p.appDir, this.m) + (then ? `\n${then}` : ""));
  }

  async run(steps: DeployStep[], previous: string | null): Promise<Required<ApplyResult>> {
    let health: HealthResult | undefined;
    let analysis: AnalysisResult | undefined;
    let pid: number | undefined;
    const target = steps.find((s) => s.action === "verify" || s.action === "switch" || s.action === "restart");
    for (const step of steps) {
      switch (step.action) {
        case "settle": {
          const v = await this.verify(step.sha);
          const status = v.ok ? "good" : "bad";
          const known = this.m.releases.some((r) => r.sha === step.sha);
          this.m = known
            ? withStatus(this.m, step.sha, status)
            : withRelease(this.m, {
                sha: step.sha,
                artifact: "",
                status,
                deployed_at: new Date().toISOString(),
                run: this.ctx.runId,
              });
          this.settled[step.sha] = v.ok ? "good" : "bad";
          await this.write();
          break;
        }
        case "upload":
          await this.upload(step.sha);
          break;
        case "env":
          await this.env();
          break;
        case "unit":
          await this.unit(step.socket);
          break;
        case "switch":
          await this.switchTo(step.sha);
          break;
        case "restart":
          {
            const r = await this.ctx.run(
              this.stopOld(step.sha) + restartScript(serviceOf(this.args), this.p, step.sha),
            );
            this.restarted = step.first ? "started" : "restarted";
            if (r.code !== 0)
              await this.failOver(step.sha, previous, `the restart failed (exit ${r.code}): ${restartOutput(r)}`);
          }
          break;
        case "verify": {
          const v = await this.verify(step.sha);
          health = v.health;
          pid = v.pid;
          if (!v.ok) await this.failOver(step.sha, previous, v.why);
          if (this.args.analysis) {
            analysis = await analyseRelease(this.ctx, this.args.analysis, this.p.appDir);
            if (!analysis.ok) await this.failOver(step.sha, previous, analysis.why);
          }
          this.m = afterSuccess(this.m, this.args, step.sha, this.ctx.runId, new Date().toISOString());
          // pruned in the same exec, when the plan prunes
          if (!steps.some((s) => s.action === "prune")) await this.write();
          break;
        }
        case "record":
          this.m = afterSuccess(this.m, this.args, this.m.current!, this.ctx.runId, new Date().toISOString());
          if (!steps.some((s) => s.action === "prune")) await this.write();
          break;
        case "prune":
          await this.prune();
          break;
      }
    }
    await this.dropOldFiles();
    const release = this.m.current ?? null;
    const what = target
      ? `${this.args.app} ${release} is current and healthy${this.restarted ? `, ${this.restarted}` : ""}${pid ? ` (pid ${pid})` : ""}${analysis ? `; ${analysis.why}` : ""}`
      : `${this.args.app} ${release}: manifest updated`;
    const settled = Object.entries(this.settled).map(([sha, s]) => `current ${sha} checked: ${s}`);
    return {
      msg: [...settled, what].join("; "),
      data: {
        deployed: { app: this.args.app, release },
        previous,
        restarted: this.restarted !== "",
        ...(pid ? { pid } : {}),
        ...(health ? { health: { attempts: health.attempts, output: health.output } } : {}),
        ...(analysis ? { analysis } : {}),
        ...(Object.keys(this.settled).length ? { settled: this.settled } : {}),
      },
    };
  }

  private async upload(sha: string): Promise<void> {
    const art = this.args.resolved!;
    // recorded before the bytes move: a killed run leaves an `unfinished` entry, never an unknown directory
    this.m = withRelease(this.m, {
      sha,
      artifact: art.name,
      status: "unfinished",
      deployed_at: new Date().toISOString(),
      run: this.ctx.runId,
    });
    const dir = releaseDir(this.p, sha);
    const stage = `${this.p.appDir}/releases/.staging-${sha}`;
    // an interrupted upload's staging directory, of any release, goes too: the app's lock keeps other deploys out
    await this.write(sh`rm -rf ${this.p.appDir}/releases/` + `.staging-* && ` + sh`mkdir -p ${stage}`);
    this.ctx.progress(`uploading ${art.name} as ${sha}`);
    await uploadAs(this.ctx, art.path, `${stage}/${this.args.app}`, parseInt(this.args.mode ?? "0755", 8));
    await this.ctx.runOk(
      [
        sh`s=${stage}; d=${dir}; want=${art.sha256}; ` + hashInto(`${stage}/${this.args.app}`) + " || exit 1",
        `[ "$h" = "$want" ] || { echo "the uploaded file's sha256 is $h, not $want" >&2; exit 1; }`,
        ...(this.args.owner ? [sh`chown -R ${this.args.owner} "$s" || exit 1`] : []),
        // a directory of the same name (a corrupt copy) goes aside first: rename needs the name free
        `if [ -e "$d" ]; then rm -rf "$d.old" && mv -T "$d" "$d.old" || exit 1; fi`,
        `mv -T "$s" "$d" && rm -rf "$d.old"`,
      ].join("\n"),
    );
    if (this.args.precheck !== undefined) {
      const r = await this.ctx.run(userCommand(this.p, sha, dir, this.args.precheck));
      if (r.code !== 0) {
        this.m = withStatus(this.m, sha, "bad");
        await this.write();
        throw new TaskError(
          `precheck of release ${sha} failed (exit ${r.code}): ${(r.stdout + r.stderr).trim().slice(-500)}`,
          {
            hint: "current was not touched; fix the artifact or the precheck",
            data: { deployed: { app: this.args.app, release: this.m.current ?? null }, restarted: false, failed: sha },
          },
        );
      }
    }
  }

  private async unit(socket?: "write" | "remove"): Promise<void> {
    const service = serviceOf(this.args);
    if (service.type !== "systemd") return;
    const path = unitPath(service, this.args.app);
    const [name, sock, sockPath] = [
      unitName(service, this.args.app),
      socketName(service, this.args.app),
      socketPath(service, this.args.app),
    ];
    const text = renderSocket(service, this.args.app);
    if (socket)
      await this.replace(
        sockPath,
        text === undefined ? sh`systemctl disable --quiet ${sock}; rm -f ${sockPath}` : writeFileScript(sockPath, text),
      );
    const enable =
      text === undefined ? sh`systemctl enable --quiet ${name}` : sh`systemctl enable --quiet ${name} ${sock}`;
    // a new, moved or removed socket needs its address free: the service and the old socket stop once the
    // reload is through; the restart step starts both
    const free = socket ? sh` && { systemctl stop ${name}; systemctl stop ${sock} 2>/dev/null; true; }` : "";
    await this.replace(
      path,
      writeFileScript(path, renderUnit(service, this.args.app, this.p.appDir)) +
        " && systemctl daemon-reload && " +
        enable +
        free,
    );
  }

  private async env(): Promise<void> {
    const service = serviceOf(this.args);
    if (service.environment === undefined) return;
    const path = envPath(this.p.appDir);
    const tmp = path + ".armgo-tmp";
    // the values come on stdin, never in the script (which the audit log records); umask: 0600 from the first byte
    await this.replace(
      path,
      sh`rm -f ${tmp} && (umask 077 && cat > ${tmp}) && chmod 600 ${tmp} && mv -f ${tmp} ${path}`,
      envText(service.environment),
    );
  }

  /**
   * Run `write`, which replaces the file at `path`; the old file is copied beside it first (never read
   * back over the wire: it may hold secrets), so a failing change is put back (restoreFiles).
   */
  private async replace(path: string, write: string, stdin?: string): Promise<void> {
    const r = await this.ctx.run(
      [
        sh`if [ -e ${path} ]; then cp -p ${path} ${path + OLD} && echo had=1 || exit 1; else rm -f ${path + OLD}; fi`,
        write,
      ].join("\n"),
      stdin === undefined ? {} : { stdin },
    );
    this.replaced.set(path, parseKv(r.stdout).had === "1");
    if (r.code !== 0) {
      // nothing restarted yet: the running units still have the old files' settings
      const note = await this.restoreFiles({ restarted: false });
      throw new TaskError(`writing ${path} failed: ${oneLine(r.stderr).slice(-300)}; the old file is restored${note}`, {
        hint: "check the service spec and the host",
      });
    }
  }

  /**
   * Put back the files this run replaced (or remove the ones it created; a created unit is disabled first),
   * then daemon-reload. Returns a note when that reload fails (systemd then still runs the old units).
   */
  private async restoreFiles(opts: { restarted: boolean }): Promise<string> {
    const service = serviceOf(this.args);
    if (this.replaced.size === 0) return "";
    const sys = service.type === "systemd" ? service : undefined;
    const units = sys
      ? new Map([
          [unitPath(sys, this.args.app), unitName(sys, this.args.app)],
          [socketPath(sys, this.args.app), socketName(sys, this.args.app)],
        ])
      : new Map<string, string>();
    const back = [...this.replaced].map(([path, had]) => {
      const name = units.get(path);
      // after a restart a socket stops first (its service with it), so the next restart binds the old address
      const stop = opts.restarted && name?.endsWith(".socket") ? sh`systemctl stop ${name} 2>/dev/null; ` : "";
      if (had) return stop + sh`mv -f ${path + OLD} ${path}`;
      return stop + (name ? sh`systemctl disable --quiet ${name}; ` : "") + sh`rm -f ${path}`;
    });
    const restored = [...this.replaced]
      .filter(([path, had]) => had && units.has(path))
      .map(([path]) => units.get(path)!);
    const reload = sys
      ? ` && { systemctl daemon-reload || exit 3; }` +
        (restored.length ? sh` && systemctl enable --quiet ${restored}` : "")
      : "";
    const r = await this.ctx.run(back.join(" && ") + reload);
    this.replaced.clear();
    if (r.code === 3)
      return `; daemon-reload after the restore failed too (${oneLine(r.stderr).slice(-200)}): systemd still runs the units it had loaded`;
    if (r.code !== 0)
      throw new TaskError(`putting back the files of ${this.args.app} failed: ${oneLine(r.stderr).slice(-300)}`, {
        hint: "check the host's unit and env files",
      });
    return "";
  }

  /** The new files proved themselves: the copies of the old ones go. */
  private async dropOldFiles(): Promise<void> {
    if (this.replaced.size === 0) return;
    await this.ctx.runOk([...this.replaced.keys()].map((path) => sh`rm -f ${path + OLD}`).join("\n"));
    this.replaced.clear();
  }

  private async switchTo(sha: string): Promise<void> {
    const rel = this.m.releases.find((r) => r.sha === sha);
    // a release not yet proven here is unfinished until its health check passes
    const before =
      !rel || rel.status === "bad"
        ? withRelease(this.m, {
            sha,
            artifact: rel?.artifact ?? this.args.resolved?.name ?? "",
            status: "unfinished",
            deployed_at: new Date().toISOString(),
            run: this.ctx.runId,
          })
        : this.m;
    const after = { ...before, current: sha };
    // one exec: the release recorded, the link switched, the new current recorded
    await this.ctx.runOk(
      [
        ...(before === this.m ? [] : [writeManifestScript(this.p.appDir, before)]),
        switchLink(`${this.p.appDir}/current`, `releases/${sha}`),
        writeManifestScript(this.p.appDir, after),
      ].join("\n"),
    );
    this.m = after;
  }

  /** Health check, then proof that the service's process runs release `sha`'s binary. */
  private async verify(
    sha: string,
    specs: Specs = { service: serviceOf(this.args), health: this.args.health },
  ): Promise<{ ok: boolean; why: string; health?: HealthResult; pid?: number }> {
    const h = specs.health;
    const running = runningScript(specs.service, this.p);
    // the unit's last journal lines ride along: a failure line carries them without another round trip
    const journal = journalScript(specs.service, this.args.app);
    let health: HealthResult | undefined;
    let out: string;
    if (h) {
      this.ctx.progress(`health check of ${sha}`);
      // the proof rides in the health check's exec: read once the service answers
      const r = await this.ctx.run(`( ${healthScript(h, this.p, sha)}\n)\n${running}\n${journal}`, {
        timeoutMs: healthTimeoutMs(h),
      });
      health = r.timedOut
        ? { ok: false, attempts: 0, output: `no healthy answer within ${healthTimeoutMs(h) / 1000} s` }
        : parseHealth(r.stdout);
      if (!health.ok)
        return {
          ok: false,
          why: `health check failed after ${health.attempts} attempt(s): ${health.output || "(no output)"}${journalOf(r.stdout)}`,
          health,
        };
      out = r.stdout;
    } else out = (await this.ctx.run(`${running}\n${journal}`)).stdout;
    const kv = parseKv(out);
    const pid = kv.pid ? Number(kv.pid) : undefined;
    if (kv.running !== sha) {
      const runs =
        pid === undefined ? "no process runs" : `pid ${pid} runs ${kv.running || "a binary outside releases/"}`;
      return { ok: false, why: `${runs}, not release ${sha}${journalOf(out)}`, health, pid };
    }
    return { ok: true, why: "", health, pid };
  }

  /** Release `failed` is bad: back to the last good release (restarted, health-checked), and the host fails. */
  private async failOver(failed: string, previous: string | null, reason: string): Promise<never> {
    // a health body or a command's stderr may hold line breaks: the failure is one line
    const why = oneLine(reason);
    // only the spec changed under a good release (unit or env file, or a command service's commands):
    // the spec failed, not the binary
    const specChanged = JSON.stringify(this.m.service) !== JSON.stringify(recordedService(serviceOf(this.args)));
    const unitOnly =
      (this.replaced.size > 0 || specChanged) &&
      failed === previous &&
      this.m.releases.some((r) => r.sha === failed && r.status === "good");
    const files = this.replaced.size > 0;
    const note = await this.restoreFiles({ restarted: true });
    const service = serviceOf(this.args);
    const data = (release: string | null, extra: Record<string, unknown> = {}) => ({
      deployed: { app: this.args.app, release },
      previous,
      restarted: true,
      failed,
      ...extra,
    });
    if (unitOnly) {
      // the recorded spec and health check are the old ones: the release restarts as it ran before this run
      const back = await this.restartAndVerify(failed, { service: this.m.service, health: this.m.health });
      throw new TaskError(
        `the new ${files ? "unit or environment" : "service commands"} of ${this.args.app} failed: ${why}; the old ${files ? "files are" : "spec is"} restored${note} and release ${failed} restarted, ${back.ok ? "which is healthy" : `which is unhealthy too (${oneLine(back.why)})`}`,
        {
          hint: `release ${failed} stays good; fix the service spec and deploy again`,
          data: data(failed, { rollback_healthy: back.ok, unit_restored: true }),
        },
      );
    }
    this.m = withStatus(this.m, failed, "bad", why);
    // back to what was serving before this run when it is known good, else the newest good release
    const serving = this.m.releases.find((r) => r.sha === previous && r.sha !== failed && r.status === "good");
    const good = serving ?? lastGood(this.m, failed);
    if (!good) {
      await this.ctx.run(stopScript(service, this.p, failed));
      this.m = { ...this.m, current: undefined };
      await this.write(sh`rm -f ${this.p.appDir}/current`);
      throw new TaskError(
        `release ${failed} of ${this.args.app} is bad: ${why}; no good release to go back to, the service is stopped`,
        { data: data(null) },
      );
    }
    const marked = this.m;
    this.m = { ...marked, current: good.sha };
    // the bad mark and the switch back in one exec, the mark first: a kill between leaves it bad, not unfinished
    await this.ctx.runOk(
      [
        writeManifestScript(this.p.appDir, marked),
        switchLink(`${this.p.appDir}/current`, `releases/${good.sha}`),
        writeManifestScript(this.p.appDir, this.m),
      ].join("\n"),
    );
    const back = await this.restartAndVerify(good.sha);
    const state = back.ok ? "which is healthy" : `which is unhealthy too (${oneLine(back.why)})`;
    const which = serving
      ? "it served before this run"
      : `the newest good release (${previous === null ? "none served before this run" : `${previous}, which served before this run, is not known good`})`;
    throw new TaskError(
      `release ${failed} of ${this.args.app} is bad: ${why}; rolled back to ${good.sha}, ${state}; ${which}`,
      {
        hint: "releases.json marks it bad; fix the release and deploy again",
        data: data(good.sha, { rollback_healthy: back.ok }),
      },
    );
  }

  /** Shell: stop by the recorded command spec when the task's differs (another pidfile or stop command), then go on. */
  private stopOld(sha: string): string {
    const old = this.m.service;
    if (old.type !== "command" || !old.pidfile || JSON.stringify(old) === JSON.stringify(serviceOf(this.args)))
      return "";
    return `( ${stopScript(old, this.p, sha)}\n )\n`;
  }

  /**
   * Restart on release `sha` (current already), then health check and proof; with `old`, by the recorded
   * spec, after a stop by the task's (what the failed start left running).
   */
  private async restartAndVerify(sha: string, old?: Specs): Promise<{ ok: boolean; why: string }> {
    const stopNew = old ? `( ${stopScript(serviceOf(this.args), this.p, sha)}\n )\n` : "";
    const restart = await this.ctx.run(stopNew + restartScript(old?.service ?? serviceOf(this.args), this.p, sha));
    return restart.code === 0
      ? await this.verify(sha, old)
      : { ok: false, why: `its restart failed: ${restartOutput(restart)}` };
  }

  private async prune(): Promise<void> {
    const gone = pruneReleases(this.m, this.args.keep_releases ?? DEFAULT_KEEP);
    this.m = { ...this.m, releases: this.m.releases.filter((r) => !gone.includes(r.sha)) };
    // the manifest first: a release it no longer names is never a rollback target, even half-removed
    await this.write(gone.map((sha) => sh`rm -rf ${releaseDir(this.p, sha)}`).join(" && "));
  }
}

/** A failed restart on one line: what it printed (without the journal= line), then the unit's journal. */
function restartOutput(r: { stdout: string; stderr: string }): string {
  const printed = oneLine([r.stderr, r.stdout.replace(/^journal=.*$/m, "")].join("\n")).slice(-600);
  return (printed || "(no output)") + journalOf(r.stdout);
}

/** `; journal: ...` from a `journal=` line (base64), or "" when there is none. */
function journalOf(stdout: string): string {
  const text = Buffer.from(parseKv(stdout).journal ?? "", "base64")
    .toString("utf8")
    .trim();
  return text
    ? `; journal: ${text
        .split("\n")
        .map((l) => l.trim())
        .join(" | ")}`
    : "";
}
