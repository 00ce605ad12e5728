// extract: unpack an archive on the host safely (entries checked as it is unpacked) into versioned trees behind
// an atomically swapped symlink, or (without version) into dest guarded by `creates`.
import type { Module } from "../contract.js";
import { applyExtract } from "./apply.js";
import { planExtract } from "./plan.js";
import { parseProbe, probeScript } from "./probe.js";
import type { ExtractArgs, ExtractState, ExtractStep } from "./types.js";

export type { ExtractArgs, ExtractState, ExtractStep } from "./types.js";

export const extract: Module<ExtractArgs, ExtractState, ExtractStep> = {
  name: "extract",
  probe: (args) => probeScript(args),
  parse: (out) => parseProbe(out),
  plan: (state, args) => planExtract(state, args),
  apply: (ctx, args, plan) => applyExtract(ctx, args, plan),
};
