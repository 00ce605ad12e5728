// ansible-core as the oracle: a whole table of conditions, renderings and host patterns answered in two ansible-playbook runs.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What one evaluation gave: a value, or that it was refused. */
export type Answer = { value: unknown } | { error: string };

export interface OracleInput {
  vars: Record<string, unknown>;
  when: string[];
  render: string[];
  inventory: unknown;
  patterns: string[];
}

export interface OracleAnswers {
  when: Answer[];
  render: Answer[];
  patterns: string[][];
}

const ENV = {
  ANSIBLE_STDOUT_CALLBACK: "minimal",
  ANSIBLE_LOCALHOST_WARNING: "false",
  ANSIBLE_NOCOLOR: "1",
  ANSIBLE_RETRY_FILES_ENABLED: "false",
  ANSIBLE_HOST_PATTERN_MISMATCH: "ignore",
};

/** ansible-playbook with quiet, colourless output; rejects only when it can't be started. */
export function ansiblePlaybook(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      "ansible-playbook",
      args,
      { cwd, env: { ...process.env, ...ENV }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") {
          reject(
            new Error(`ansible-playbook could not run (${err.message}): install ansible-core with scripts/setup.sh`),
          );
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Conditions as `when` of a debug task, renderings as its `msg`: the minimal callback prints one block per task, in order. */
async function expressions(dir: string, input: OracleInput): Promise<{ when: Answer[]; render: Answer[] }> {
  const tasks = [
    ...input.when.map((c, i) => ({ name: `w${i}`, debug: { msg: "true" }, when: c, ignore_errors: true })),
    ...input.render.map((t, i) => ({ name: `r${i}`, debug: { msg: t }, ignore_errors: true })),
  ];
  const play = [{ hosts: "localhost", connection: "local", gather_facts: false, vars: input.vars, tasks }];
  const file = join(dir, "expressions.json");
  writeFileSync(file, JSON.stringify(play));
  const r = await ansiblePlaybook(["-i", "localhost,", file], dir);
  const blocks = r.stdout.split(/^localhost \| /m).slice(1);
  if (blocks.length !== tasks.length)
    throw new Error(`expected ${tasks.length} task results from ansible, got ${blocks.length}: ${r.stderr}`);
  const results = blocks.map((b): Record<string, unknown> => {
    if (b.startsWith("SKIPPED")) return { skipped: true };
    const json = JSON.parse(b.slice(b.indexOf("=>") + 2)) as Record<string, unknown>;
    return b.startsWith("FAILED") ? { ...json, failed: true } : json;
  });
  const answer = (h: Record<string, unknown>, read: (h: Record<string, unknown>) => unknown): Answer =>
    h.failed ? { error: String(h.msg) } : { value: read(h) };
  return {
    when: input.when.map((_, i) => answer(results[i]!, (h) => !h.skipped)),
    render: input.render.map((_, i) => answer(results[input.when.length + i]!, (h) => h.msg)),
  };
}

/** Each pattern as one play's `hosts`, read back from `--list-hosts`. */
async function patterns(dir: string, input: OracleInput): Promise<string[][]> {
  const inv = join(dir, "inventory.json");
  writeFileSync(inv, JSON.stringify(input.inventory));
  const file = join(dir, "patterns.json");
  writeFileSync(
    file,
    JSON.stringify(input.patterns.map((p, i) => ({ name: `p${i}`, hosts: p, gather_facts: false, tasks: [] }))),
  );
  const r = await ansiblePlaybook(["-i", inv, file, "--list-hosts"], dir);
  if (r.code !== 0) throw new Error(`ansible-playbook --list-hosts failed: ${r.stderr || r.stdout}`);
  const found: string[][] = [];
  let current: string[] | undefined;
  for (const line of r.stdout.split("\n")) {
    if (/^\s*play #\d+/.test(line)) found.push((current = []));
    else if (current && /^\s{6}\S/.test(line)) current.push(line.trim());
  }
  if (found.length !== input.patterns.length)
    throw new Error(`expected ${input.patterns.length} plays from --list-hosts, got ${found.length}: ${r.stdout}`);
  return found;
}

export async function askAnsible(input: OracleInput): Promise<OracleAnswers> {
  const dir = mkdtempSync(join(tmpdir(), "armgo-oracle-"));
  const [exprs, pats] = await Promise.all([expressions(dir, input), patterns(dir, input)]);
  return { ...exprs, patterns: pats };
}
