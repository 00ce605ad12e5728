// checksum: read-only verification of a file on the host against a sha256. Never changes the host:
// a mismatch or a missing file fails the task from plan(), with path, expected and actual hash.
import { posix } from "node:path";
import { TaskError } from "../../errors.js";
import { parseKv, type Module } from "../contract.js";
import { resolveChecksum, resolvedSha256 } from "../checksum-spec.js";
import { hashProbe, parseHashProbe, type HashState } from "../shared/hash-probe.js";
import { sh } from "../../transport/quote.js";

export interface ChecksumArgs {
  path: string;
  /** `sha256:HEX` or `sha256:URL` (bare, GNU or BSD checksum file). */
  checksum: string;
  /** fast: trust the manifest download wrote while the file's stat matches it; full: always hash. */
  verify?: "fast" | "full";
}

export interface ChecksumState extends HashState {
  exists: boolean;
}

export const checksum: Module<ChecksumArgs, ChecksumState, never> = {
  name: "checksum",

  async resolve(args, ctx) {
    const sha256 = await resolveChecksum(args.checksum, [posix.basename(args.path)], ctx.controller);
    return { ...args, checksum: `sha256:${sha256}` };
  },

  probe: (args) =>
    [
      sh`if [ -f ${args.path} ]; then echo exists=1`,
      hashProbe(args.path, args.verify === "full"),
      "else echo exists=0; fi",
      "exit 0",
    ].join("\n"),

  parse(out) {
    const kv = parseKv(out.stdout);
    return { exists: kv.exists === "1", ...parseHashProbe(kv) };
  },

  plan(state, args) {
    const expected = resolvedSha256(args.checksum);
    const data = { path: args.path, expected, actual: state.sha256 ?? null };
    if (!state.exists) {
      throw new TaskError(`${args.path}: no such file (expected sha256 ${expected})`, {
        hint: "download it first",
        data,
      });
    }
    if (state.hashed === "none") {
      throw new TaskError(`${args.path}: cannot hash, sha256sum is not installed`, {
        hint: "install coreutils on the host",
        data,
      });
    }
    if (state.sha256 !== expected) {
      throw new TaskError(`${args.path}: sha256 mismatch: expected ${expected}, actual ${state.sha256 ?? "unknown"}`, {
        hint: "the file is corrupt or not the one wanted: remove it and download again",
        data,
      });
    }
    return {
      steps: [],
      msg: `${args.path} has sha256 ${expected.slice(0, 12)}… (${state.hashed})`,
      data: { ...data, verified_by: state.hashed },
    };
  },

  async apply() {
    return {};
  },
};
