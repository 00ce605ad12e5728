// `--shard auto`: the shard a job runner gives this process, read from the runner's own variables
// and normalised to a 0-based index of a count. The table is the one docs/scale.md shows.
import { InputError } from "../errors.js";

interface Runner {
  name: string;
  /** The variable holding this process's index. */
  index: string;
  /** What the runner counts its first process as. */
  first: 0 | 1;
  /** The variable holding the count, where the runner sets one; else --shards gives it. */
  count?: string;
}

export const RUNNERS: readonly Runner[] = [
  { name: "a Kubernetes Indexed Job", index: "JOB_COMPLETION_INDEX", first: 0 },
  { name: "GitLab parallel:", index: "CI_NODE_INDEX", first: 1, count: "CI_NODE_TOTAL" },
  { name: "a Nomad job", index: "NOMAD_ALLOC_INDEX", first: 0 },
];

const whole = (raw: string | undefined): number | undefined =>
  raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;

/** This process's shard from the one runner whose index variable is set; `shards`: --shards N, if given. */
export function runnerShard(env: NodeJS.ProcessEnv, shards: number | undefined): { index: number; count: number } {
  const found = RUNNERS.filter((r) => env[r.index] !== undefined && env[r.index] !== "");
  if (found.length === 0)
    throw new InputError(
      `--shard auto found no job runner's index: it looks for ${RUNNERS.map((r) => `${r.index} (${r.name})`).join(", ")}`,
      { hint: "run it under one of them, or give --shard I/N" },
    );
  if (found.length > 1)
    throw new InputError(`--shard auto found ${found.map((r) => r.index).join(" and ")}: which runner is this?`, {
      hint: "give --shard I/N",
    });
  const r = found[0]!;
  const raw = env[r.index]!;
  const given = r.count === undefined ? undefined : whole(env[r.count]);
  if (r.count !== undefined && given === undefined)
    throw new InputError(
      `${r.index}=${raw} (${r.name}) needs ${r.count}, a whole number (got '${env[r.count] ?? ""}')`,
    );
  if (given !== undefined && shards !== undefined && given !== shards)
    throw new InputError(`--shards ${shards} disagrees with ${r.count}=${given} (${r.name})`, {
      hint: `drop --shards: ${r.count} gives the count`,
    });
  const count = given ?? shards;
  if (count === undefined)
    throw new InputError(`${r.index}=${raw} (${r.name}) gives no count of shards: add --shards N`, {
      hint: "N is the number of parallel processes the job runs (a Kubernetes Job's completions, a Nomad group's count)",
    });
  const index = whole(raw);
  if (index === undefined || index < r.first || index - r.first >= count)
    throw new InputError(
      `${r.index}='${raw}' (${r.name}) must be between ${r.first} and ${count - 1 + r.first} for ${count} shards`,
    );
  return { index: index - r.first, count };
}
