import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { debianMirror, parseDeb822, parseOneLine, pickDebianMirror, pickMirror } from "../../src/apt/sources.js";
import { InputError } from "../../src/errors.js";

// Mirror hosts here are made-up examples: the lab never names a real one.
const DEB822 = `Types: deb
# a comment inside the paragraph
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe("parseDeb822", () => {
  const table: Array<[string, string, ReturnType<typeof parseDeb822>]> = [
    [
      "two paragraphs with comments",
      DEB822,
      [
        {
          types: ["deb"],
          uris: ["http://mirror.example/debian"],
          suites: ["bookworm", "bookworm-updates"],
          components: ["main"],
          signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
          file: "<deb822>",
        },
        {
          types: ["deb"],
          uris: ["http://mirror.example/debian-security"],
          suites: ["bookworm-security"],
          components: ["main"],
          signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
          file: "<deb822>",
        },
      ],
    ],
    [
      "disabled entries are dropped, inline keys are not a keyring path",
      "Types: deb\nURIs: http://a.example/d\nSuites: bookworm\nComponents: main\nEnabled: no\n\nTypes: deb deb-src\nURIs: http://b.example/d/\nSuites: bookworm\nComponents: main contrib\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n xyz\n",
      [
        {
          types: ["deb", "deb-src"],
          uris: ["http://b.example/d/"],
          suites: ["bookworm"],
          components: ["main", "contrib"],
          signedBy: undefined,
          file: "<deb822>",
        },
      ],
    ],
    ["no URIs field", "Types: deb\nSuites: bookworm\n", []],
  ];
  it.each(table)("%s", (_name, text, want) => {
    expect(parseDeb822(text)).toEqual(want);
  });
});

describe("parseOneLine", () => {
  const table: Array<[string, string, ReturnType<typeof parseOneLine>]> = [
    [
      "plain entry",
      "deb http://m.example/debian bookworm main contrib\n",
      [
        {
          types: ["deb"],
          uris: ["http://m.example/debian"],
          suites: ["bookworm"],
          components: ["main", "contrib"],
          signedBy: undefined,
          file: "<sources.list>",
        },
      ],
    ],
    [
      "options, comments and deb-src",
      "# deb http://old.example/debian buster main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main # trailing\ndeb-src http://m.example/debian bookworm main\n",
      [
        {
          types: ["deb"],
          uris: ["http://m.example/debian"],
          suites: ["bookworm"],
          components: ["main"],
          signedBy: "/k.gpg",
          file: "<sources.list>",
        },
        {
          types: ["deb-src"],
          uris: ["http://m.example/debian"],
          suites: ["bookworm"],
          components: ["main"],
          signedBy: undefined,
          file: "<sources.list>",
        },
      ],
    ],
    ["garbage", "this is not a source\n", []],
  ];
  it.each(table)("%s", (_name, text, want) => {
    expect(parseOneLine(text)).toEqual(want);
  });
});

describe("pickMirror", () => {
  it("takes the binary source for the suite, not security or deb-src, without a trailing slash", () => {
    const sources = [
      ...parseOneLine(
        "deb-src http://src.example/debian bookworm main\ndeb http://sec.example/debian-security bookworm-security main\n",
      ),
      ...parseOneLine("deb [signed-by=/k.gpg] http://m.example/debian/ bookworm main\n"),
    ];
    expect(pickMirror(sources, "bookworm")).toEqual({ uri: "http://m.example/debian", signedBy: "/k.gpg" });
    expect(pickMirror(sources, "trixie")).toBeUndefined();
  });
});

describe("pickDebianMirror", () => {
  const sources = [
    ...parseOneLine("deb http://sec.example/debian-security bookworm-security main\n"),
    ...parseOneLine("deb [signed-by=/k.gpg] http://m.example/debian/ bookworm bookworm-updates main\n"),
    ...parseOneLine("deb http://other.example/apt cloud-sdk main\n"),
  ];
  it.each<{ name: string; release: string }>([
    { name: "the listed release", release: "bookworm" },
    { name: "an older release, from the same archive", release: "bullseye" },
    { name: "a newer release, from the same archive", release: "trixie" },
  ])("$name", ({ release }) => {
    expect(pickDebianMirror(sources, release)).toEqual({ uri: "http://m.example/debian", signedBy: "/k.gpg" });
  });
  it("no Debian archive among the sources: none", () => {
    expect(pickDebianMirror(parseOneLine("deb http://other.example/apt cloud-sdk main\n"), "trixie")).toBeUndefined();
  });
});

describe("debianMirror", () => {
  it("reads sources.list.d/*.sources under a root", async () => {
    const root = await mkdtemp(join(tmpdir(), "armgo-apt-"));
    await mkdir(join(root, "etc/apt/sources.list.d"), { recursive: true });
    await writeFile(join(root, "etc/apt/sources.list.d/debian.sources"), DEB822);
    expect(await debianMirror("bookworm", root)).toEqual({
      uri: "http://mirror.example/debian",
      signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
    });
  });

  it("reads the one-line sources.list under a root", async () => {
    const root = await mkdtemp(join(tmpdir(), "armgo-apt-"));
    await mkdir(join(root, "etc/apt"), { recursive: true });
    await writeFile(join(root, "etc/apt/sources.list"), "deb http://m.example/debian bookworm main\n");
    expect(await debianMirror("bookworm", root)).toEqual({ uri: "http://m.example/debian", signedBy: undefined });
  });

  it("says where it looked when nothing matches", async () => {
    const root = await mkdtemp(join(tmpdir(), "armgo-apt-"));
    await expect(debianMirror("bookworm", root)).rejects.toBeInstanceOf(InputError);
  });
});
