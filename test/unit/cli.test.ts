import { describe, expect, it } from "vitest";
import { helpText, list, parse, type CommandSpec } from "../../src/cli/args.js";
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
    [["site.yaml", "--limt", "x"], "armgo play: unknown option --limt — did you mean '--limit'? — see armgo play --help"],
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
