// Carry out a download plan: fetch (or upload) to dest.part, verify, set attributes, rename, record
// the manifest. A file failing verification never reaches dest, and its .part is removed.
import { posix } from "node:path";
import { TaskError, lastLine } from "../../errors.js";
import { sh } from "../../transport/quote.js";
import { parseKv, type ApplyResult, type ModuleContext, type Plan } from "../contract.js";
import { resolvedSha256 } from "../checksum-spec.js";
import { writeManifest } from "../shared/hash-probe.js";
import { HTML_PAGE_SAID, HTML_SNIFF_BYTES, HTML_START } from "../shared/html-page.js";
import { uploadAs } from "../shared/upload.js";
import { partPath } from "./probe.js";
import type { DownloadArgs, DownloadStep } from "./types.js";

const EXIT_MISMATCH = 3;
const EXIT_FETCH = 4;
// the fetch tools' exit for an HTTP error answer (curl -f, wget's "server issued an error response")
const HTTP_ERROR_EXIT = { curl: 22, wget: 8 } as const;

/** Shared prelude: paths, expected hash, and `h` printing the .part's sha256. */
function prelude(args: DownloadArgs): string {
  return [
    "set -u",
    sh`dest=${args.dest}; part=${partPath(args.dest)}; want=${resolvedSha256(args.checksum)}`,
    `h() { x=$(sha256sum < "$part") && printf '%s' "\${x%% *}"; }`,
    `mkdir -p "$(dirname -- "$dest")" || exit 1`,
  ].join("\n");
}

/** The fetch command; `resume` continues an existing .part. */
function fetchCommand(args: DownloadArgs, tool: "curl" | "wget", resume: boolean): string {
  const timeout = args.timeout ?? 30;
  const retries = args.retries ?? 3;
  if (tool === "curl") {
    // --speed-time: `timeout` is "no progress for N s", so a slow but moving transfer is not killed.
    const cont = resume ? " -C -" : "";
    return (
      `curl -fsSL${cont} ` +
      sh`--connect-timeout ${timeout} --speed-limit 1 --speed-time ${timeout} --retry ${retries} --retry-delay 1 -o "$part" ${args.url}`
    );
  }
  const cont = resume ? " -c" : "";
  return `wget -q${cont} ` + sh`-T ${timeout} -t ${retries + 1} -O "$part" ${args.url}`;
}

// After a failed fetch: what the .part holds and what its filesystem has left, to tell a full disk
const spaceReport = `echo "part_size=$(stat -c %s "$part" 2>/dev/null || echo 0)"; echo "avail_kb=$(df -Pk "$(dirname -- "$part")" | awk 'NR==2 {print $4}')"`;
// Below this a filesystem is full for a download: curl and wget stop at their first failed write
const FULL_KB = 1024;

/** Prefix of the lines the watcher prints while the host fetches. */
const PART_BYTES = "part_bytes=";

/**
 * Remote mode: reuse a finished .part, else resume it, else (or when the resumed file is bad) start
 * clean. Meanwhile a watcher prints the .part's size each second, for the live progress line; its
 * sleep holds no output pipe, so killing the watcher ends the command's output at once.
 */
function fetchScript(args: DownloadArgs, tool: "curl" | "wget"): string {
  return [
    `( while sleep 1 </dev/null >/dev/null 2>&1; do s=$(stat -c %s "$part" 2>/dev/null) && echo "${PART_BYTES}$s"; done ) & watcher=$!`,
    `trap 'kill $watcher 2>/dev/null' EXIT`,
    `got=; if [ -s "$part" ]; then got=$(h); fi`,
    `if [ -n "$got" ] && [ "$got" != "$want" ]; then ${fetchCommand(args, tool, true)} && got=$(h); fi`,
    `if [ "$got" != "$want" ]; then rm -f "$part"; ${fetchCommand(args, tool, false)} || { rc=$?; echo "fetch_exit=$rc"; ${spaceReport}; exit ${EXIT_FETCH}; }; got=$(h); fi`,
    `kill $watcher 2>/dev/null; trap - EXIT`,
  ].join("\n");
}

/** The watcher's lines as progress (`download N/TOTAL bytes`); a chunk may end mid-line. */
function partProgress(ctx: ModuleContext, total: number | undefined): (chunk: string) => void {
  let rest = "";
  return (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const l of lines)
      if (l.startsWith(PART_BYTES))
        ctx.progress(`download ${l.slice(PART_BYTES.length)}${total ? `/${total}` : ""} bytes`);
  };
}

/** Verify $got, then attributes, rename and manifest. */
function finishScript(args: DownloadArgs): string {
  return [
    // a page (a login, a 404 sent as 200) instead of the file: said so, not only as a hash
    `if [ "$got" != "$want" ]; then head -c ${HTML_SNIFF_BYTES} "$part" | grep -qiE ${sh`${HTML_START}`} && echo html=1; rm -f "$part"; echo "actual=$got"; exit ${EXIT_MISMATCH}; fi`,
    attributesScript(args, `"$part"`),
    `mv -f "$part" "$dest" || exit 1`,
    writeManifest(args.dest),
    `echo "sha256=$got"; echo "size=$(stat -c %s "$dest")"`,
  ].join("\n");
}

/** chmod/chown of `target` (already shell text) as args ask; a failure stops the script. */
function attributesScript(args: DownloadArgs, target: string): string {
  const lines: string[] = [];
  if (args.file_mode !== undefined) lines.push(sh`chmod ${args.file_mode} ` + `${target} || exit 1`);
  if (args.owner !== undefined) lines.push(sh`chown ${args.owner} ` + `${target} || exit 1`);
  return lines.join("\n");
}

function scriptFor(args: DownloadArgs, step: DownloadStep): string {
  switch (step.action) {
    case "fetch":
      return [prelude(args), fetchScript(args, step.tool), finishScript(args)].join("\n");
    case "upload":
      // The upload landed at .part (owned by the become user): verified here like a fetch.
      return [prelude(args), `got=$(h)`, finishScript(args)].join("\n");
    case "attributes":
      // The attributes change ctime, so the manifest is rewritten to keep later probes hash-free.
      return [prelude(args), `got=$want`, attributesScript(args, `"$dest"`), writeManifest(args.dest)].join("\n");
  }
}

export async function applyDownload(
  ctx: ModuleContext,
  args: DownloadArgs,
  plan: Plan<DownloadStep>,
): Promise<ApplyResult> {
  const want = resolvedSha256(args.checksum);
  const data: Record<string, unknown> = { dest: args.dest, url: args.url, sha256: want };
  for (const step of plan.steps) {
    if (step.action === "upload") await upload(ctx, args, want);
    const res = await ctx.run(
      scriptFor(args, step),
      step.action === "fetch" ? { onStdout: partProgress(ctx, args.size) } : {},
    );
    const out = parseKv(res.stdout);
    if (res.code === EXIT_MISMATCH) {
      const page = out.html ? `: ${HTML_PAGE_SAID}` : "";
      throw new TaskError(
        `sha256 mismatch for ${args.url}: expected ${want}, got ${out.actual || "(no file)"}${page}`,
        {
          hint: `${args.dest} was left as it was and the bad .part removed; check the URL and the checksum`,
          data: { ...data, actual: out.actual },
        },
      );
    }
    if (res.code === EXIT_FETCH && Number(out.avail_kb ?? FULL_KB) < FULL_KB) {
      // a part that filled the disk cannot be finished there: it only keeps the disk full
      await ctx.run(sh`rm -f ${partPath(args.dest)}`);
      const need = args.size ? `${args.size} bytes` : `more than ${out.part_size} bytes`;
      throw new TaskError(
        `the disk is full on the host: ${args.dest} needs ${need} in ${posix.dirname(args.dest)}, ${Number(out.avail_kb) * 1024} bytes are free`,
        { hint: "free space there or choose another dest; the partial .part was removed", data },
      );
    }
    if (res.code === EXIT_FETCH) {
      const httpError = step.action === "fetch" && HTTP_ERROR_EXIT[step.tool] === Number(out.fetch_exit);
      // a 404 or 403 is not resumed: whatever the tool wrote is not part of the file
      if (httpError) await ctx.run(sh`rm -f ${partPath(args.dest)}`);
      throw new TaskError(
        `download of ${args.url} failed on the host (exit ${out.fetch_exit}): ${lastLine(res.stderr) || "no output"}`,
        {
          hint: httpError
            ? `the server answered with an HTTP error: check the URL; ${args.dest} was left as it was and nothing was kept`
            : "check that the host reaches the URL, or set mode: controller; a partial .part is kept and resumed next run",
          data,
        },
      );
    }
    if (res.code !== 0) {
      throw new TaskError(
        `download to ${args.dest} failed (exit ${res.code}): ${lastLine(res.stderr) || "no output"}`,
        { data },
      );
    }
    if (out.size) data.size = Number(out.size);
  }
  const action =
    plan.steps.some((s) => s.action === "attributes") && plan.steps.length === 1 ? "set mode/owner of" : "downloaded";
  return { msg: `${action} ${args.dest} (sha256 ${want.slice(0, 12)}…)`, data };
}

/** Controller mode: fetch once per run (verified, cached), then upload to .part as the task's user. */
async function upload(ctx: ModuleContext, args: DownloadArgs, want: string): Promise<void> {
  const local = await ctx.controller.fetchFile(args.url, want, {
    onProgress: (done, total) => ctx.progress(`fetch ${done}/${total} bytes`),
    ...(args.timeout !== undefined ? { stallSeconds: args.timeout } : {}),
  });
  await uploadAs(ctx, local, partPath(args.dest));
}
