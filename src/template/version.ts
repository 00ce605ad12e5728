// Ansible's `version` test (loose, strict, semver/semantic, pep440) and armgo's `go` version type,
// which orders Go release names as Go's own go/version does: go1.22.9 < go1.22.12 < go1.23rc1 < go1.23.0.
import { ExprError } from "../errors.js";
import { str } from "./python.js";

type Key = unknown[];

const cmpList = (a: Key, b: Key): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (Array.isArray(x) && Array.isArray(y)) {
      const c = cmpList(x, y);
      if (c) return c;
    } else if (typeof x !== typeof y) {
      // Python 3 refuses to order an int against a str, and so does Ansible's LooseVersion
      throw new ExprError(
        `'<' not supported between instances of '${typeof x === "number" ? "int" : "str"}' and '${typeof y === "number" ? "int" : "str"}'`,
      );
    } else if (x !== y) {
      return (x as number | string) < (y as number | string) ? -1 : 1;
    }
  }
  return Math.sign(a.length - b.length);
};

/** distutils' LooseVersion: numbers and lowercase words, dots dropped. */
function loose(v: string): Key {
  return v
    .split(/(\d+|[a-z]+|\.)/)
    .filter((p) => p && p !== ".")
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** distutils' StrictVersion: N.N[.N][(a|b)N]; a release sorts after its pre-releases. */
function strict(v: string): Key {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$/.exec(v);
  if (!m) throw new ExprError(`invalid version number '${v}'`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), m[4] ? [0, m[4], Number(m[5])] : [1]];
}

/** Semantic Versioning 2.0.0; build metadata does not order. */
function semver(v: string): Key {
  const id = "(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)";
  const m = new RegExp(
    `^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-(${id}(?:\\.${id})*))?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$`,
  ).exec(v);
  if (!m) throw new ExprError(`invalid semantic version '${v}'`);
  // a release sorts after its pre-releases; numeric identifiers before alphanumeric ones
  const pre = m[4] ? [0, m[4].split(".").map((p) => (/^\d+$/.test(p) ? [0, Number(p)] : [1, p]))] : [1];
  return [Number(m[1]), Number(m[2]), Number(m[3]), pre];
}

/** PEP 440 (Python's packaging.version.Version), local versions aside. */
function pep440(v: string): Key {
  const m =
    /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$/i.exec(
      v,
    );
  if (!m) throw new ExprError(`Invalid version: '${v}'`);
  const release = m[2]!.split(".").map(Number);
  while (release.length > 1 && release.at(-1) === 0) release.pop();
  const PRE: Record<string, string> = {
    a: "a",
    alpha: "a",
    b: "b",
    beta: "b",
    c: "rc",
    rc: "rc",
    pre: "rc",
    preview: "rc",
  };
  const hasPost = m[5] !== undefined || m[6] !== undefined;
  const hasDev = m[8] !== undefined;
  const MIN = -Infinity;
  const MAX = Infinity;
  // packaging's _cmpkey: a dev-only release sorts before its pre-releases, a final one after them
  const pre = m[3] ? [0, PRE[m[3].toLowerCase()]!, Number(m[4] ?? 0)] : !hasPost && hasDev ? [MIN] : [MAX];
  const post = hasPost ? [Number(m[5] ?? m[7] ?? 0)] : [MIN];
  const dev = hasDev ? [Number(m[9] ?? 0)] : [MAX];
  return [Number(m[1] ?? 0), release, pre, post, dev];
}

/** Go's release names (go/version): 1.21 < 1.21rc1 < 1.21.0 < 1.21.1; a bare "1.22.12" is go1.22.12. */
function go(v: string): Key {
  const m = /^(?:go)?(\d+)(?:\.(\d+)(?:(?:\.(\d+))|(alpha|beta|rc)(\d+))?)?$/.exec(v);
  if (!m) throw new ExprError(`invalid Go version '${v}' (expected go1.22.12, go1.23rc1 or 1.22.12)`);
  const KIND = ["", "alpha", "beta", "rc"];
  // a missing patch sorts before .0, and an empty kind before alpha, as go/version orders them
  return [
    Number(m[1]),
    Number(m[2] ?? -1),
    m[3] === undefined ? -1 : Number(m[3]),
    KIND.indexOf(m[4] ?? ""),
    Number(m[5] ?? 0),
  ];
}

const TYPES = new Map<string, (v: string) => Key>([
  ["loose", loose],
  ["strict", strict],
  ["semver", semver],
  ["semantic", semver],
  ["pep440", pep440],
  ["go", go],
]);

const OPS = new Map<string, (c: number) => boolean>();
for (const [names, f] of [
  [["==", "=", "eq"], (c: number) => c === 0],
  [["!=", "<>", "ne"], (c: number) => c !== 0],
  [["<", "lt"], (c: number) => c < 0],
  [["<=", "le"], (c: number) => c <= 0],
  [[">", "gt"], (c: number) => c > 0],
  [[">=", "ge"], (c: number) => c >= 0],
] as const) {
  for (const n of names) OPS.set(n, f);
}

/** `value is version(other, operator, strict=, version_type=)`, as ansible.builtin.version. */
export function versionTest(
  value: unknown,
  other: unknown,
  operator: unknown = "eq",
  strictFlag?: unknown,
  versionType?: unknown,
): boolean {
  if (strictFlag && versionType) throw new ExprError("Cannot specify both 'strict' and 'version_type'");
  if (!value) throw new ExprError("Input version value cannot be empty");
  if (!other) throw new ExprError("Version parameter to compare against cannot be empty");
  const type = strictFlag ? "strict" : versionType ? str(versionType) : "loose";
  const parse = TYPES.get(type);
  if (!parse)
    throw new ExprError(
      `Invalid version type (${type}). Must be one of ${[...TYPES.keys()].map((t) => `'${t}'`).join(", ")}`,
    );
  const op = OPS.get(str(operator));
  if (!op)
    throw new ExprError(`Invalid operator type (${str(operator)}). Must be one of ${[...OPS.keys()].join(", ")}`);
  try {
    return op(cmpList(parse(str(value)), parse(str(other))));
  } catch (e) {
    throw new ExprError(`Version comparison failed: ${(e as Error).message}`);
  }
}
