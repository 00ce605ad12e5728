import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderBlock } from "../../src/modules/env-profile/block.js";
import { editText } from "../../src/modules/shared/marker-block.js";
import { envProfile, parseFiles, planProfile, profileFiles } from "../../src/modules/env-profile/index.js";
import { harness, localFacts, runModule, tempDir, type Harness } from "./modules-helpers.js";

const goArgs = { name: "go", goroot: "/usr/local/go", gopath: "$HOME/go" };
const BLOCK = [
  "# BEGIN armgo go",
  "export GOROOT=/usr/local/go",
  'export GOPATH="$HOME"/go',
  'case ":$PATH:" in *:"$HOME"/go/bin:*) ;; *) PATH="$HOME"/go/bin:$PATH ;; esac',
  'case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) PATH=/usr/local/go/bin:$PATH ;; esac',
  "export PATH",
  "# END armgo go",
  "",
].join("\n");

describe("env-profile block", () => {
  it("renders GOROOT/bin before GOPATH/bin", () => expect(renderBlock(goArgs)).toBe(BLOCK));

  it("GOBIN replaces GOPATH/bin; extra path and env follow", () => {
    const block = renderBlock({
      name: "go",
      goroot: "/opt/go",
      gopath: "~/go",
      gobin: "/opt/bin",
      path: ["/opt/extra"],
      env: { GOPROXY: "off", CGO_ENABLED: 0 },
    });
    expect(block).toContain("export GOBIN=/opt/bin\nexport GOPROXY=off\nexport CGO_ENABLED=0\n");
    expect(block).not.toContain('"$HOME"/go/bin');
  });

  it.each<[string, string, string | undefined, string]>([
    ["append to a file", "alias ll='ls -l'\n", BLOCK, `alias ll='ls -l'\n${BLOCK}`],
    ["append to a file without final newline", "x=1", BLOCK, `x=1\n${BLOCK}`],
    ["create", "", BLOCK, BLOCK],
    ["replace in place", `a\n# BEGIN armgo go\nold\n# END armgo go\nb\n`, BLOCK, `a\n${BLOCK}b\n`],
    ["remove", `a\n${BLOCK}b\n`, undefined, "a\nb\n"],
    ["remove when absent", "a\n", undefined, "a\n"],
    [
      "other blocks untouched",
      `# BEGIN armgo other\nx\n# END armgo other\n`,
      undefined,
      `# BEGIN armgo other\nx\n# END armgo other\n`,
    ],
  ])("%s", (_label, text, block, want) => expect(editText(text, "go", block, "f")).toBe(want));

  it("refuses a BEGIN without END", () =>
    expect(() => editText("# BEGIN armgo go\nx\n", "go", BLOCK, "/f")).toThrow(/has no '# END armgo go' line/));
});

describe("env-profile files and plan", () => {
  it.each<[string, object, object, string[][]]>([
    ["system", {}, {}, [["/etc/profile.d/go.sh"]]],
    [
      "user bash",
      { scope: "user" },
      { shell: "/bin/bash" },
      [["/home/d/.bash_profile", "/home/d/.bash_login", "/home/d/.profile"], ["/home/d/.bashrc"]],
    ],
    ["user zsh", { scope: "user" }, { shell: "/usr/bin/zsh" }, [["/home/d/.zprofile"], ["/home/d/.zshrc"]]],
    ["user sh", { scope: "user" }, { shell: "/bin/dash" }, [["/home/d/.profile"]]],
    ["files override", { files: ["~/.config/go.sh", "/etc/x"] }, {}, [["/home/d/.config/go.sh"], ["/etc/x"]]],
  ])("%s", (_label, args, facts, want) => {
    expect(profileFiles({ name: "go", ...args }, localFacts({ home: "/home/d", ...facts }))).toEqual(want);
  });

  it.each<[string, Array<{ path: string; content?: string }>, object, string, unknown[]]>([
    [
      "new system file",
      [{ path: "/etc/profile.d/go.sh" }],
      {},
      "write block go in /etc/profile.d/go.sh",
      [{ path: "/etc/profile.d/go.sh", content: BLOCK }],
    ],
    [
      "up to date",
      [{ path: "/etc/profile.d/go.sh", content: BLOCK }],
      {},
      "block go up to date in /etc/profile.d/go.sh",
      [],
    ],
    [
      "one of two user files",
      [
        { path: "/h/.profile", content: BLOCK },
        { path: "/h/.bashrc", content: "x\n" },
      ],
      { scope: "user" },
      "write block go in /h/.bashrc",
      [{ path: "/h/.bashrc", content: `x\n${BLOCK}` }],
    ],
    [
      "absent: system file goes",
      [{ path: "/etc/profile.d/go.sh", content: BLOCK }],
      { state: "absent" },
      "remove block go from /etc/profile.d/go.sh",
      [{ path: "/etc/profile.d/go.sh", content: null }],
    ],
    [
      "absent: user file keeps the rest",
      [{ path: "/h/.profile", content: `x\n${BLOCK}` }, { path: "/h/.bashrc" }],
      { state: "absent", scope: "user" },
      "remove block go from /h/.profile",
      [{ path: "/h/.profile", content: "x\n" }],
    ],
    [
      "absent and already gone",
      [{ path: "/etc/profile.d/go.sh" }],
      { state: "absent" },
      "no block go in /etc/profile.d/go.sh",
      [],
    ],
  ])("%s", (_label, files, extra, msg, steps) => {
    const plan = planProfile(files, { ...goArgs, ...extra });
    expect(plan.msg).toBe(msg);
    expect(plan.steps).toEqual(steps);
  });

  it("diff shows the files before and after", () => {
    const plan = planProfile([{ path: "/h/.profile", content: "x\n" }], goArgs);
    expect(plan.diff).toEqual({
      before: "==> /h/.profile <==\nx\n",
      after: `==> /h/.profile <==\nx\n${BLOCK}`,
      beforeHeader: "/h/.profile",
      afterHeader: "/h/.profile",
    });
  });

  it("parses the probe's files", () => {
    const b64 = Buffer.from("é\n").toString("base64");
    expect(parseFiles(`@file /a\n@present\n${b64}\n@end\n@file /b c\n@end\n`)).toEqual([
      { path: "/a", content: "é\n" },
      { path: "/b c" },
    ]);
  });
});

describe("env-profile on a real host (sh)", () => {
  let h: Harness;
  let home: string;
  beforeEach(() => {
    home = tempDir("armgo-home-");
    h = harness(localFacts({ home, shell: "/bin/bash" }));
  });
  afterEach(() => {
    h.cleanup();
    rmSync(home, { recursive: true, force: true });
  });
  const source = (file: string, times: number, extra = "") =>
    execFileSync("sh", ["-c", `${`. "$F"; `.repeat(times)}${extra}`], {
      env: { PATH: "/usr/bin:/bin", HOME: home, F: file },
      encoding: "utf8",
    });

  it("creates, is idempotent, keeps the rest and mode, and removes", async () => {
    const profile = join(home, ".profile");
    writeFileSync(profile, "# mine\nexport EDITOR=vi\n");
    chmodSync(profile, 0o600);
    const args = { ...goArgs, scope: "user" as const };
    const first = await runModule(h, envProfile, args);
    expect(first.status).toBe("changed");
    expect(readFileSync(profile, "utf8")).toBe(`# mine\nexport EDITOR=vi\n${BLOCK}`);
    expect(readFileSync(join(home, ".bashrc"), "utf8")).toBe(BLOCK);
    expect(statSync(profile).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, ".bashrc")).mode & 0o777).toBe(0o644);
    expect((await runModule(h, envProfile, args)).status).toBe("ok");

    const gone = await runModule(h, envProfile, { ...args, state: "absent" });
    expect(gone.status).toBe("changed");
    expect(readFileSync(profile, "utf8")).toBe("# mine\nexport EDITOR=vi\n");
    expect(readFileSync(join(home, ".bashrc"), "utf8")).toBe("");
    expect((await runModule(h, envProfile, { ...args, state: "absent" })).status).toBe("ok");
  });

  it("sourcing twice does not duplicate PATH entries, and the order is GOROOT, GOBIN, extra", async () => {
    const file = join(home, "go.sh");
    await runModule(h, envProfile, {
      name: "go",
      files: [file],
      goroot: "/usr/local/go",
      gopath: "$HOME/go",
      gobin: "$HOME/bin",
      path: ["/opt/x"],
    });
    expect(source(file, 2, 'echo "$PATH"').trim()).toBe(`/usr/local/go/bin:${home}/bin:/opt/x:/usr/bin:/bin`);
    expect(source(file, 1, 'echo "$GOPATH"').trim()).toBe(`${home}/go`);
  });

  it("a hostile value stays data when sourced", async () => {
    const file = join(home, "go.sh");
    const hostile = `-x $(touch ${home}/pwned1) \`touch ${home}/pwned2\` '; touch ${home}/pwned3; '\n"$HOME"`;
    await runModule(h, envProfile, {
      name: "go",
      files: [file],
      goroot: "/usr/local/go",
      env: { GOFLAGS: hostile },
      path: ["/opt/$(touch pwned4)"],
    });
    expect(source(file, 2, 'printf %s "$GOFLAGS"')).toBe(hostile);
    expect(source(file, 1, 'echo "$PATH"').trim()).toBe("/usr/local/go/bin:/opt/$(touch pwned4):/usr/bin:/bin");
    for (const n of [1, 2, 3]) expect(existsSync(join(home, `pwned${n}`))).toBe(false);
  });

  it("bash: writes ~/.bash_profile instead of ~/.profile when it exists (bash reads only the first)", async () => {
    writeFileSync(join(home, ".bash_profile"), ". ~/.bashrc\n");
    const r = await runModule(h, envProfile, { ...goArgs, scope: "user" });
    expect(r.data.changed_files).toEqual([join(home, ".bash_profile"), join(home, ".bashrc")]);
    expect(readFileSync(join(home, ".bash_profile"), "utf8")).toBe(`. ~/.bashrc\n${BLOCK}`);
    expect(existsSync(join(home, ".profile"))).toBe(false);
  });

  it("writes through a symlinked rc file, keeping the link", async () => {
    mkdirSync(join(home, "dotfiles"));
    writeFileSync(join(home, "dotfiles", "profile"), "x=1\n");
    symlinkSync(join(home, "dotfiles", "profile"), join(home, ".profile"));
    await runModule(h, envProfile, { ...goArgs, files: ["~/.profile"] });
    expect(readFileSync(join(home, "dotfiles", "profile"), "utf8")).toBe(`x=1\n${BLOCK}`);
    expect(existsSync(join(home, ".profile.armgo-tmp"))).toBe(false);
  });
});
