// deploy: a Go service binary onto the host as a release (releases/<sha256 prefix>/<app>), switched in
// by an atomic `current` rename, restarted, health-checked and proven running, with an automatic
// switch back to the last good release. The manifest (releases.json) says which release is what.
import { basename, resolve as resolvePath } from "node:path";
import { TaskError } from "../../errors.js";
import { sha256File } from "../../hash.js";
import { sh } from "../../transport/quote.js";
import { parseKv, type Module } from "../contract.js";
import { hashInto } from "../shared/hash-probe.js";
import { checkAnalysis, describeAnalysis } from "./analysis.js";
import { applyDeploy } from "./apply.js";
import { withSysroot } from "./sysroot-env.js";
import { artifactFit, fitProbe, parseFit, refuseMisfit } from "./artifact-check.js";
import { buildKey, goBuild, notShipped } from "./build.js";
import { manifestPath, parseManifest } from "./manifest.js";
import { appDir, planDeploy, sha12 } from "./plan.js";
import { releaseDir, runningScript } from "./service.js";
import type { DeployArgs, DeployData, DeployState, DeployStep } from "./types.js";
import { envPath, socketPath, unitPath } from "./unit.js";

// what other parts of armgo (armgo releases) read of a host's deployments
export { manifestPath, parseManifest, type Release } from "./manifest.js";
export { appDir } from "./plan.js";

const SHA12 = /^[0-9a-f]{12}$/;

export const deploy: Module<DeployArgs, DeployState, DeployStep, DeployData> = {
  name: "deploy",

  async resolve(args, ctx) {
    if (args.analysis) checkAnalysis(args.analysis);
    if (args.rollback !== undefined) {
      if (args.service && args.health) return args;
      // a rollback needs no playbook: the service and health last deployed are in the host's manifest
      const r = await ctx.fleet.exec(ctx.host, sh`cat ${manifestPath(appDir(args))} 2>/dev/null; exit 0`);
      const m = parseManifest(r.stdout, args.app);
      const known = m.releases.length > 0;
      return { ...args, service: args.service ?? (known ? m.service : undefined), health: args.health ?? m.health };
    }
    if (args.artifact !== undefined) {
      const path = resolvePath(args.artifact);
      const { sha256 } = await ctx.controller.memo(`deploy-artifact:${path}`, () =>
        sha256File(path).catch((e: unknown) => {
          throw new TaskError(`artifact ${path} cannot be read: ${(e as Error).message}`, {
            cause: e,
            hint: "build it first, or give build: instead",
            data: { deployed: notShipped(args.app, "the artifact cannot be read") },
          });
        }),
      );
      const resolved = { path, sha256, name: basename(path) };
      return { ...args, resolved, ...(await artifactFit(resolved, ctx)) };
    }
    const { build: b, version } = await withSysroot(args.build!, ctx.controller, ctx.check === true);
    const target = { goos: b.goos ?? ctx.facts.goos, goarch: b.goarch ?? ctx.facts.goarch };
    if (!target.goarch)
      throw new TaskError(`no goarch for ${ctx.host}: facts were not gathered`, {
        hint: "set build.goarch, or gather_facts: true",
      });
    const built = await ctx.controller.memo(`${buildKey(b, target)}:${version}`, () => goBuild(b, target, args.app));
    return { ...args, resolved: built, ...(await artifactFit(built, ctx)) };
  },

  probe(args) {
    const p = { app: args.app, appDir: appDir(args) };
    const service = args.service;
    const wanted = args.resolved ? `${releaseDir(p, sha12(args.resolved.sha256))}/${args.app}` : "";
    return [
      sh`d=${p.appDir}`,
      `if [ -r "$d/releases.json" ]; then echo "manifest=$(base64 < "$d/releases.json" | tr -d '\\n')"; fi`,
      `if [ -L "$d/current" ]; then echo "current=$(readlink "$d/current")"; elif [ -e "$d/current" ]; then echo current_other=1; fi`,
      `echo "dirs=$(ls -1 "$d/releases" 2>/dev/null | tr '\\n' ' ')"`,
      ...(args.resolved ? [sh`if [ -f ${wanted} ]; then ` + hashInto(wanted) + ` && echo "wanted_sha256=$h"; fi`] : []),
      ...fitProbe(args.elf),
      ...(service ? [runningScript(service, p)] : []),
      ...(service?.type === "systemd"
        ? [
            sh`if [ -r ${unitPath(service, args.app)} ]; then ` +
              hashInto(unitPath(service, args.app)) +
              ` && echo "unit_sha256=$h"; fi`,
          ]
        : []),
      ...(service?.type === "systemd"
        ? [
            sh`if [ -r ${socketPath(service, args.app)} ]; then ` +
              hashInto(socketPath(service, args.app)) +
              ` && echo "socket_sha256=$h"; fi`,
          ]
        : []),
      ...(service?.environment
        ? [sh`if [ -r ${envPath(p.appDir)} ]; then ` + hashInto(envPath(p.appDir)) + ` && echo "env_sha256=$h"; fi`]
        : []),
      "exit 0",
    ].join("\n");
  },

  parse(out, args) {
    const kv = parseKv(out.stdout);
    const dir = appDir(args);
    if (kv.current_other)
      throw new TaskError(`${dir}/current exists and is not a symlink armgo made`, {
        hint: "move it away: armgo switches releases by renaming a symlink over it",
      });
    const current = kv.current ? basename(kv.current) : undefined;
    if (current !== undefined && !SHA12.test(current))
      throw new TaskError(`${dir}/current points to ${kv.current}, not to a release under releases/`, {
        hint: "move it away, or point it at one of releases/<sha>",
      });
    const state: DeployState = {
      manifest: parseManifest(Buffer.from(kv.manifest ?? "", "base64").toString("utf8"), args.app),
      current,
      dirs: (kv.dirs ?? "").split(" ").filter((d) => SHA12.test(d)),
    };
    if (kv.wanted_sha256) state.wantedSha256 = kv.wanted_sha256;
    if (kv.pid) state.pid = Number(kv.pid);
    if (kv.running) state.running = kv.running;
    if (kv.unit_sha256) state.unitSha256 = kv.unit_sha256;
    if (kv.socket_sha256) state.socketSha256 = kv.socket_sha256;
    if (kv.env_sha256) state.envSha256 = kv.env_sha256;
    const fit = parseFit(kv, args.elf);
    if (fit) state.fit = fit;
    return state;
  },

  plan(state, args) {
    // the binary must suit the host before any step is planned: a refusal uploads nothing
    refuseMisfit(state, args);
    const plan = planDeploy(state, args);
    // under --check the analysis is what would be evaluated once the release is healthy
    const verifies = plan.steps.some((s) => s.action === "verify");
    return args.analysis && verifies ? { ...plan, msg: `${plan.msg}; ${describeAnalysis(args.analysis)}` } : plan;
  },

  apply: applyDeploy,
};
