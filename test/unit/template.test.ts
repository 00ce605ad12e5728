import { describe, expect, it, vi } from "vitest";
import { ArmgoError, InputError } from "../../src/errors.js";
import { parsePlaybook } from "../../src/load/playbook.js";
import { YamlFile } from "../../src/load/yaml.js";
import { evaluate, readCondition, test as when, UndefinedError, ExprError } from "../../src/template/expr.js";
import { render } from "../../src/template/render.js";
import { data, lazyVars } from "../../src/engine/vars.js";

const vars = {
  go_version: "1.22.12",
  n: 3,
  list: ["a", "b"],
  facts: { goarch: "arm64", arch: "aarch64", tools: { curl: true } },
  verify: { stdout: "go version go1.22.12 linux/arm64", rc: 0 },
  empty: "",
  nothing: null,
};

describe("when expressions", () => {
  it.each([
    ["facts.goarch == 'arm64'", true],
    ["facts.goarch != 'arm64'", false],
    ["'go1.22.12' in verify.stdout", true],
    ["'go1.23' not in verify.stdout", true],
    ["'a' in list", true],
    ["'c' in list", false],
    ["missing is defined", false],
    ["missing is not defined", true],
    ["facts.goarch is defined", true],
    ["facts.nope is undefined", true],
    ["missing is defined and missing == 1", false],
    ["n > 2 and n <= 3", true],
    ["not (n == 3)", false],
    ["n == 1 or facts.tools.curl", true],
    ["empty", false],
    ["nothing is none", true],
    ["list | length == 2", true],
    ["missing | default('x') == 'x'", true],
    ["go_version | replace('.', '_') == '1_22_12'", true],
    ["facts['goarch'] == 'arm64'", true],
    ["list[1] == 'b'", true],
    ["True and not False", true],
  ])("%s → %s", (expr, expected) => {
    expect(when(expr, vars)).toBe(expected);
  });

  it("a list of conditions means all of them", () => {
    expect(when(["n == 3", "facts.goarch == 'arm64'"], vars)).toBe(true);
    expect(when(["n == 3", "facts.goarch == 'amd64'"], vars)).toBe(false);
  });

  it.each([
    ["missing == 1", "missing"],
    ["facts.nope == 1", "facts.nope"],
    ["verify.stdout.x", "verify.stdout.x"],
  ])("undefined %s names %s", (expr, name) => {
    expect(() => evaluate(expr, vars)).toThrow(UndefinedError);
    try {
      evaluate(expr, vars);
    } catch (e) {
      expect((e as UndefinedError).variable).toBe(name);
    }
  });

  it.each([
    ["n =="],
    ["(n"],
    ["n ;"],
    ["__import__('os')"],
    ["n | nosuchfilter"],
    ["'unterminated"],
    // a template reads data: JavaScript's prototypes and globals stay out of reach
    ["''.constructor.constructor('return process')()"],
    ["list.constructor"],
    ["facts.__proto__"],
    ["facts['__proto__']"],
    ["n | constructor"],
    ["n is constructor"],
    ["'a'.toString()"],
    ["list.map"],
    ["process"],
    ["globalThis"],
    // user mistakes are ExprErrors too, never a JavaScript exception (which would be an internal error)
    ["n is subset([1])"],
    ["n is all"],
    ["'a' * 10**10"],
    ["[1] * 10**9"],
    ["'%1000000000s' % n"],
    ["empty.zfill(10**9)"],
    ["n // 0"],
    ["list.index('z')"],
    ["n | union([1])"],
    ["'a' | regex_search('(a)', '\\\\3')"],
  ])("rejects %s without running anything", (expr) => {
    expect(() => evaluate(expr, vars)).toThrow(ExprError);
  });

  it("a bad expression is an ArmgoError: one line for the user, never an internal error", () => {
    expect(() => evaluate("n < 'a'", vars)).toThrow(ArmgoError);
    expect(() => evaluate("n < 'a'", vars)).toThrow(
      "'<' not supported between instances of 'int' and 'str' in 'n < 'a''",
    );
  });
});

describe("the go version type orders Go's release names as Go does", () => {
  const order = [
    "go1.9",
    "go1.21",
    "go1.21rc1",
    "go1.21.0",
    "1.21.1",
    "go1.22.9",
    "go1.22.12",
    "go1.23beta1",
    "go1.23rc1",
    "go1.23rc2",
    "go1.23.0",
    "1.23.1",
  ];
  it.each(order.slice(1).map((v, i) => [order[i]!, v]))("%s < %s", (a, b) => {
    expect(when(`'${a}' is version('${b}', '<', version_type='go')`, {})).toBe(true);
    expect(when(`'${b}' is version('${a}', 'gt', version_type='go')`, {})).toBe(true);
  });

  it("a bare version is the release with the go prefix", () => {
    expect(when("'1.22.12' is version('go1.22.12', '==', version_type='go')", {})).toBe(true);
  });

  it("refuses a name that is not a Go version", () => {
    expect(() => when("'go1.x' is version('go1.22', '<', version_type='go')", {})).toThrow(
      /invalid Go version 'go1.x'/,
    );
  });
});

describe("conditions are read by one function, at load time and at run time", () => {
  it("a condition written as a template is evaluated, and says so to whoever asks; a bare one does not", () => {
    const told: string[] = [];
    const cond = readCondition("{{ n == 3 }}", (p) => told.push(p));
    readCondition("n == 3", (p) => told.push(p));
    expect(cond(vars)).toBe(true);
    expect(told).toEqual([
      "condition '{{ n == 3 }}' is written as a template; Ansible and armgo accept it, but write it bare, without {{ }}",
    ]);
  });

  it.each([
    ["{{ n > 5 }}", false],
    ["{{ facts.goarch == 'arm64' }}", true],
    ["{{ empty }}", false],
    ["{{ go_version is version('1.22', '>=') }}", true],
  ])("%s → %s", (cond, expected) => {
    expect(when(cond, vars)).toBe(expected);
  });

  it("a syntax error in a templated condition is found without vars", () => {
    expect(() => readCondition("{{ n == }}")).toThrow(ExprError);
  });

  const load = (text: string): unknown => parsePlaybook(YamlFile.parse("play.yaml", text));
  const task = (when: string): string => `- hosts: a\n  tasks:\n    - command: ls\n      when: ${when}\n`;

  it('validate accepts `when: "{{ x == 1 }}"` with one warning at its file:line:col, writing nothing itself', () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(load(task(`"{{ x == 1 }}"`))).toMatchObject({
        warnings: [
          "play.yaml:4:13: condition '{{ x == 1 }}' is written as a template; Ansible and armgo accept it, but write it bare, without {{ }}",
        ],
      });
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it.each([
    [task(`"{{ x == }}"`), /^play\.yaml:4:13: bad expression: /],
    [task(`["x == 1", "{{ y ( }}"]`), /^play\.yaml:4:24: bad expression: /],
    [task(`"{{ x == 1"`), /^play\.yaml:4:13: bad expression: '\{\{' at column 1 is never closed/],
  ])("a bad condition is an input error at its place: %j", (text, msg) => {
    expect(() => load(text)).toThrow(InputError);
    try {
      load(text);
    } catch (e) {
      expect((e as InputError).oneLine()).toMatch(msg);
    }
  });
});

describe("{{ }} rendering", () => {
  it.each<[unknown, unknown]>([
    ["plain", "plain"],
    ["{{ go_version }}", "1.22.12"],
    ["{{ n }}", 3],
    ["{{ list }}", ["a", "b"]],
    ["go{{ go_version }}.linux-{{ facts.goarch }}.tar.gz", "go1.22.12.linux-arm64.tar.gz"],
    ["n={{ n }}", "n=3"],
    [{ a: ["{{ n }}", "x{{ n }}"] }, { a: [3, "x3"] }],
    ["{{ missing | default('fallback') }}", "fallback"],
    ["$(touch /tmp/x) {{ go_version }}", "$(touch /tmp/x) 1.22.12"],
  ])("%j → %j", (input, expected) => {
    expect(render(input, vars)).toEqual(expected);
  });

  it("renders vars that are templates themselves, when read", () => {
    const v = lazyVars([{ go_mirror: "http://127.0.0.1:8080" }, { go_feed: "{{ go_mirror }}/feed.json" }]);
    expect(render("{{ go_feed }}", v)).toBe("http://127.0.0.1:8080/feed.json");
  });

  it("refuses a var that refers to itself", () => {
    const v = lazyVars([{ a: "{{ b }}", b: "{{ a }}" }]);
    expect(() => render("{{ a }}", v)).toThrow(/refers to itself/);
  });

  it("later layers win", () => {
    const v = lazyVars([{ x: 1, y: 1 }, { x: 2 }, { x: 3 }]);
    expect([v.x, v.y]).toEqual([3, 1]);
  });

  it("what a host printed is data: a registered result is never rendered, a later user var is", () => {
    const registered = { out: { stdout: "{{ .Name }} {{ secret }}" }, y: "{{ secret }}" };
    const v = lazyVars([{ secret: "s3cr3t", x: "{{ secret }}" }, data(registered), { y: "user {{ secret }}" }]);
    expect(render("{{ out.stdout }}", v)).toBe("{{ .Name }} {{ secret }}");
    expect([v.x, v.y]).toEqual(["s3cr3t", "user s3cr3t"]);
    expect(lazyVars([{ z: "{{ secret }}", secret: 1 }, data({ z: "{{ secret }}" })]).z).toBe("{{ secret }}");
  });
});
