// Read-only state of dest: existence, hash (via the manifest when it still matches), attributes,
// an interrupted `.part`, and which fetch tools the host has.
import { parseKv, type ProbeOutput } from "../contract.js";
import { sh } from "../../transport/quote.js";
import { hashProbe, parseHashProbe } from "../shared/hash-probe.js";
import type { DownloadArgs, DownloadState } from "./types.js";

export function partPath(dest: string): string {
  return `${dest}.part`;
}

export function probeScript(args: DownloadArgs): string {
  return [
    sh`if [ -f ${args.dest} ]; then echo exists=1`,
    hashProbe(args.dest, args.verify === "full"),
    sh`echo "attrs=$(stat -c '%a %U %G %u %g' ${args.dest})"`,
    sh`elif [ -e ${args.dest} ]; then echo exists=dir; else echo exists=0; fi`,
    sh`if [ -f ${partPath(args.dest)} ]; then echo "part=$(stat -c %s ${partPath(args.dest)})"; fi`,
    `for t in curl wget sha256sum; do command -v "$t" >/dev/null 2>&1 && echo "tool_$t=1"; done`,
    "exit 0",
  ].join("\n");
}

export function parseProbe(out: ProbeOutput): DownloadState {
  const kv = parseKv(out.stdout);
  const [mode, user, group, uid, gid] = (kv.attrs ?? "").split(" ");
  const stat = (kv.stat ?? "").split(" ");
  const state: DownloadState = {
    exists: kv.exists === "1",
    notFile: kv.exists === "dir",
    ...parseHashProbe(kv),
    partSize: Number(kv.part ?? 0),
    tools: { curl: kv.tool_curl === "1", wget: kv.tool_wget === "1", sha256sum: kv.tool_sha256sum === "1" },
  };
  if (stat[0]) state.size = Number(stat[0]);
  if (mode) Object.assign(state, { mode, owner: [user, uid], group: [group, gid] });
  return state;
}
