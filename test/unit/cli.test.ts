import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helpText, list, parse, type CommandSpec } from "../../src/cli/args.js";
import { commands, dispatch, topHelp } from "../../src/cli/table.js";
import { InputError } from "../../src/errors.js";

const spec: CommandSpec = {
  name: "play",
  usage: "armgo play PLAYBOOK -i INVENTORY",
  summary: "Converge.",
  positionals: [1, 1],
  options: {
    inventory: { type: "string", short: "i", arg: "FILE", help: "inventory" },
    check: { type: "boolean", short: "C", help: "check" },
    "extra-vars": { type: "string", short: "e", multiple: true, help: "vars" },
    limit: { type: "string", short: "l", help: "limit" },
  },
};

describe("argv", () => {
  it.each<[string[], Record<string, unknown>, string[]]>([
    [["site.yaml", "-i", "hosts.yaml"], { inventory: "hosts.yaml" }, ["site.yaml"]],
    [["site.yaml", "--inventory=h.yaml", "--check"], { inventory: "h.yaml", check: true }, ["site.yaml"]],
    [["-e", "a=1", "site.yaml", "-e", "@v.yaml"], { "extra-vars": ["a=1", "@v.yaml"] }, ["site.yaml"]],
  ])("%j", (argv, values, positionals) => {
    const p = parse(spec, argv);
    expect(p.values).toMatchObject(values);
    expect(p.positionals).toEqual(positionals);
  });

  it.each([
    [["site.yaml", "--chek"], "armgo play: unknown option --chek — did you mean '--check'? — see armgo play --help"],
    [
      ["site.yaml", "--limt", "x"],
      "armgo play: unknown option --limt — did you mean '--limit'? — see armgo play --help",
    ],
    [["a.yaml", "b.yaml"], "armgo play: expected 1 argument(s), got 2 — usage: armgo play PLAYBOOK -i INVENTORY"],
  ])("%j → %s", (argv, line) => {
    try {
      parse(spec, argv);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).oneLine()).toBe(line);
    }
  });

  it("help lists every option with its short form", () => {
    const h = helpText(spec);
    expect(h).toContain("-i, --inventory FILE");
    expect(h).toContain("    --check".replace("    --check", "-C, --check"));
  });

  it("comma lists and repeats both work for --tags", () => {
    expect(list(["a,b", "c"])).toEqual(["a", "b", "c"]);
    expect(list(undefined)).toEqual([]);
  });
});

describe("the command table", () => {
  const printed: string[] = [];
  const print = (text: string) => void printed.push(text);

  it("names exactly the commands of src/commands/", () => {
    expect(commands.map((c) => c.spec.name)).toEqual([
      "play",
      "drift",
      "validate",
      "inventory",
      "facts",
      "releases",
      "rollback",
      "audit",
      "report",
      "cron",
      "lab",
    ]);
  });

  it.each(commands.map((c) => [c.spec.name, c] as const))(
    "%s --help shows its usage and every option of its spec, and -h",
    async (name, c) => {
      printed.length = 0;
      expect(await dispatch([name, "--help"], print)).toBe(0);
      const help = printed.join("\n");
      expect(help).toContain(`Usage: ${c.spec.usage}`);
      for (const [option, o] of Object.entries(c.spec.options))
        expect(help).toContain(`${o.short ? `-${o.short}, ` : "    "}--${option}`);
      expect(help).toMatch(/-h, --help\s+show this help/);
      expect(topHelp()).toMatch(
        new RegExp(`^  ${name}\\s+${c.spec.summary.slice(0, 20).replace(/[()]/g, "\\$&")}`, "m"),
      );
    },
  );

  it.each([["--version"], ["-V"]])("%s prints the version from package.json", async (flag) => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    printed.length = 0;
    expect(await dispatch([flag], print)).toBe(0);
    expect(printed).toEqual([pkg.version]);
  });

  it.each([
    [["plya"], "unknown command 'plya' — did you mean 'play'? — see armgo --help"],
    [["facts"], "armgo facts: -i INVENTORY is required — usage: armgo facts -i INVENTORY [--limit PATTERN]"],
    [
      ["lab", "dwon"],
      "unknown lab command 'dwon' — did you mean 'down'? — usage: armgo lab up|status|down|build [options]",
    ],
    [["lab", "up", "--arch", "riscv"], "--arch must be arm64, amd64 or mixed, not 'riscv'"],
    [["lab", "up", "--hosts", "0"], "--hosts must be 1 to 64, not '0'"],
    [["lab", "up", "--init", "openrc"], "--init must be none or systemd, not 'openrc'"],
    [["lab", "up", "--release", "buster"], "--release must be bullseye, bookworm, trixie or mixed, not 'buster'"],
    [
      ["releases", "-i", "hosts.yaml"],
      "armgo releases: --app NAME is required — usage: armgo releases -i INVENTORY --app NAME [--app-dir DIR] [--limit PATTERN] [--json]",
    ],
    [
      ["rollback", "--app", "hello"],
      "armgo rollback: -i INVENTORY is required — usage: armgo rollback -i INVENTORY --app NAME [--to SHA] [--limit PATTERN] [--check]",
    ],
  ])("%j is an InputError: %s", async (argv, line) => {
    const err = await dispatch(argv, print).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).oneLine()).toBe(line);
  });
});

describe("--shard on the command line", () => {
  it("play --list-hosts --shard 1/3 .. 3/3 over 50 hosts lists every host exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armgo-shard-"));
    const hosts = Array.from({ length: 50 }, (_, i) => `web-${i + 1}`);
    writeFileSync(
      join(dir, "hosts.yaml"),
      `all:\n  hosts:\n${hosts.map((h) => `    ${h}: { connection: local }\n`).join("")}`,
    );
    writeFileSync(join(dir, "site.yaml"), "- hosts: all\n  tasks:\n    - command: 'true'\n");
    const shards: string[][] = [];
    for (const i of [1, 2, 3]) {
      const out: string[] = [];
      expect(
        await dispatch(
          ["play", join(dir, "site.yaml"), "-i", join(dir, "hosts.yaml"), "--list-hosts", "--shard", `${i}/3`],
          (t) => out.push(t),
        ),
      ).toBe(0);
      shards.push(out.filter((l) => l.startsWith("  ")).map((l) => l.trim()));
    }
    expect(shards.flat().sort()).toEqual([...hosts].sort());
    expect(shards.every((s) => s.length > 0)).toBe(true);
    await expect(
      dispatch(
        ["play", join(dir, "site.yaml"), "-i", join(dir, "hosts.yaml"), "--list-hosts", "--shard", "4/3"],
        () => undefined,
      ),
    ).rejects.toThrow(InputError);
  });
});
