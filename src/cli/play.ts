// `armgo play` in the command table: converge, or (--syntax-check, --list-*) only load and list.
import {
  type Command,
  becomePassword,
  finishRun,
  interruptible,
  lockOptions,
  printWarnings,
  renderer,
  runOptions,
  runOptionsOf,
} from "./command.js";
import { EXIT } from "./exit.js";

export const playCommand: Command = {
  spec: {
    name: "play",
    usage: "armgo play PLAYBOOK -i INVENTORY [options]",
    summary:
      "Converge hosts to what the playbook describes. Each task checks the host first, so a second run changes nothing.",
    positionals: [1, 1],
    options: {
      check: { type: "boolean", short: "C", help: "probe and plan only: print what would change, change nothing" },
      diff: { type: "boolean", short: "D", help: "show before/after of what changes" },
      "syntax-check": { type: "boolean", help: "validate the playbook and inventory, contact nothing" },
      "list-hosts": { type: "boolean", help: "print the hosts each play would run on" },
      "list-tasks": { type: "boolean", help: "print the tasks each play would run (after --tags)" },
      ...runOptions,
    },
  },
  async run(args, print) {
    const v = args.values;
    const opts = runOptionsOf(args, playCommand.spec);
    const [{ loadRun }, { listPlay, play }] = await Promise.all([
      import("../load/run.js"),
      import("../commands/play.js"),
    ]);
    const loaded = loadRun(opts);
    printWarnings(loaded.inventory.warnings);
    // a run shows the playbook's warnings as its first events; a check or a listing, here
    const warn = (): void => printWarnings(loaded.playbook.warnings);
    if (v["syntax-check"]) {
      warn();
      print(`playbook: ${opts.playbook} — syntax ok`);
      return EXIT.ok;
    }
    if (v["list-hosts"] || v["list-tasks"]) {
      warn();
      for (const p of await listPlay(
        opts,
        { hosts: Boolean(v["list-hosts"]), tasks: Boolean(v["list-tasks"]) },
        loaded,
      )) {
        print(`play: ${p.play}`);
        for (const h of p.hosts ?? []) print(`  ${h}`);
        for (const t of p.tasks ?? [])
          print(`  ${t.name}  [${t.module}]${t.tags.length ? `  TAGS: [${t.tags.join(", ")}]` : ""}`);
      }
      return EXIT.ok;
    }
    const result = await play(
      {
        ...opts,
        ...(await becomePassword(v)),
        signal: interruptible(),
        onEvent: renderer(v, opts),
        lock: lockOptions(v),
      },
      loaded,
    );
    return finishRun(result, Boolean(v.json), print);
  },
};
