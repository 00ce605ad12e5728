// Pure: from the probed state of dest to the steps that make it the verified file.
import { TaskError } from "../../errors.js";
import type { Plan } from "../contract.js";
import { resolvedSha256 } from "../checksum-spec.js";
import type { DownloadArgs, DownloadState, DownloadStep } from "./types.js";

const short = (h: string) => h.slice(0, 12);

/** Does dest's mode/owner differ from what args ask for? */
function attributesDiffer(state: DownloadState, args: DownloadArgs): boolean {
  if (args.file_mode !== undefined && parseInt(args.file_mode, 8) !== parseInt(state.mode ?? "", 8)) return true;
  if (args.owner !== undefined) {
    // owner may name the user/group or give numeric ids: either matches.
    const [user, group] = args.owner.split(":");
    if (user && !state.owner?.includes(user)) return true;
    if (group && !state.group?.includes(group)) return true;
  }
  return false;
}

export function planDownload(state: DownloadState, args: DownloadArgs): Plan<DownloadStep> {
  const want = resolvedSha256(args.checksum);
  const data: Record<string, unknown> = { dest: args.dest, url: args.url, sha256: want };
  if (state.notFile) {
    throw new TaskError(`${args.dest} exists and is not a regular file`, {
      hint: "remove it or choose another dest",
      data,
    });
  }
  if (state.exists && state.hashed === "none") {
    throw new TaskError(`cannot verify ${args.dest}: sha256sum is not installed`, {
      hint: "install coreutils on the host",
      data,
    });
  }
  if (state.exists && state.sha256 === want) {
    const how = state.hashed === "manifest" ? "manifest" : "hashed";
    const dataOk = { ...data, size: state.size, verified_by: how };
    if (attributesDiffer(state, args)) {
      return { steps: [{ action: "attributes" }], msg: `set mode/owner of ${args.dest}`, data: dataOk };
    }
    return { steps: [], msg: `${args.dest} already has sha256 ${short(want)}… (${how})`, data: dataOk };
  }
  if (!state.tools.sha256sum) {
    throw new TaskError(`cannot verify a download on this host: sha256sum is not installed`, {
      hint: "install coreutils on the host",
      data,
    });
  }
  const size = args.size === undefined ? "size unknown" : `${args.size} bytes`;
  const diff = { before: state.sha256 ?? "absent", after: want, beforeHeader: args.dest, afterHeader: args.dest };
  if (args.mode === "controller") {
    return {
      steps: [{ action: "upload" }],
      msg: `upload ${args.url} → ${args.dest} (${size}) from the controller`,
      diff,
      data,
    };
  }
  const tool = state.tools.curl ? "curl" : state.tools.wget ? "wget" : undefined;
  if (!tool) {
    throw new TaskError("neither curl nor wget is installed on the host", {
      hint: "install curl or wget, or set mode: controller to upload from here",
      data,
    });
  }
  const resume = state.partSize > 0 ? `, resuming at ${state.partSize} bytes` : "";
  return {
    steps: [{ action: "fetch", tool, resumeFrom: state.partSize }],
    msg: `download ${args.url} → ${args.dest} (${size}${resume})`,
    diff,
    data,
  };
}
