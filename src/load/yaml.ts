// YAML with positions: every later error (schema, template, module) can point at file:line:col.
import { readFileSync } from "node:fs";
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Pair,
  parseDocument,
  Scalar,
  visit,
  type Document,
  type Node as YNode,
  type Tags,
  type YAMLMap,
} from "yaml";
import { InputError, type Where } from "../errors.js";

export type Path = ReadonlyArray<string | number>;

/** How a file is read: armgo's own files as YAML 1.2; files Ansible reads (inventories, group_vars) as PyYAML does. */
export interface YamlDialect {
  ansible?: boolean;
}

// PyYAML's YAML 1.1 booleans (not y/n, which the yaml package's 1.1 schema also takes)
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const BOOL = "tag:yaml.org,2002:bool";

const FLOAT = "tag:yaml.org,2002:float";
// PyYAML's floats: a dot is required, an exponent needs its sign ("1.5e3" is a string, "1.5e+3" a number)
const PY_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/;
const TIMESTAMP = "tag:yaml.org,2002:timestamp";
const PY_TIMESTAMP =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/;

/** A YAML timestamp as Ansible prints it: Python's date/datetime isoformat(). */
function pyIsoformat(text: string): string {
  const m = PY_TIMESTAMP.exec(text)!;
  const two = (s: string | undefined): string => (s ?? "0").padStart(2, "0");
  const date = `${m[1]}-${two(m[2])}-${two(m[3])}`;
  if (m[4] === undefined) return date;
  const fraction = m[7] ? `.${m[7].slice(0, 6).padEnd(6, "0")}` : "";
  const frac = fraction === ".000000" ? "" : fraction;
  let tz = "";
  if (m[8] === "Z") tz = "+00:00";
  else if (m[8]) {
    const [h, min] = m[8].slice(1).split(":");
    tz = `${m[8][0]}${two(h)}:${two(min)}`;
  }
  return `${date}T${two(m[4])}:${m[5]}:${m[6]}${frac}${tz}`;
}

/** YAML 1.1 as ansible-core's loader (PyYAML) reads it: its booleans, floats and timestamps. */
function ansibleTags(tags: Tags): Tags {
  const kept = tags.filter(
    (t) =>
      typeof t === "string" || (t.tag !== BOOL && t.tag !== TIMESTAMP && !(t.tag === FLOAT && !t.test?.test(".inf"))),
  );
  const scalar = (tag: string, test: RegExp, resolve: (s: string) => unknown) => ({
    tag,
    default: true,
    test,
    resolve: (s: string) => new Scalar(resolve(s)),
  });
  return [
    scalar(BOOL, PY_TRUE, () => true),
    scalar(BOOL, PY_FALSE, () => false),
    scalar(FLOAT, PY_FLOAT, (s) => Number(s.replace(/_/g, ""))),
    scalar(TIMESTAMP, PY_TIMESTAMP, pyIsoformat),
    ...kept,
  ];
}

/**
 * What the yaml package would not catch or would choke on: a repeated key (its own check compares each
 * key with every earlier one, quadratic in a map's size, so it is off and done here with one set per
 * map) and an alias inside the node its anchor names (as data it is endless: toJS would recurse).
 */
function structureError(doc: Document.Parsed): { at: YNode; message: string; hint?: string } | undefined {
  let found: { at: YNode; message: string; hint?: string } | undefined;
  visit(doc, {
    Map(_key, node) {
      const seen = new Set<unknown>();
      for (const { key } of node.items) {
        if (!isScalar(key)) continue;
        if (seen.has(key.value)) {
          found = { at: key, message: "YAML: Map keys must be unique" };
          return visit.BREAK;
        }
        seen.add(key.value);
      }
      return undefined;
    },
    Alias(_key, node, path) {
      if (!path.includes(node.resolve(doc) as YNode)) return undefined;
      found = {
        at: node,
        message: `YAML: alias *${node.source} is inside the node its anchor names, a loop`,
        hint: "write the value out, or point the alias at a node outside itself",
      };
      return visit.BREAK;
    },
  });
  return found;
}

export class YamlFile {
  private constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lc: LineCounter,
    readonly data: unknown,
  ) {}

  static read(file: string, dialect: YamlDialect = {}): YamlFile {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(code === "ENOENT" ? "file not found" : `cannot read: ${(e as Error).message}`, {
        where: { file },
        hint: code === "ENOENT" ? "check the path" : undefined,
        cause: e,
      });
    }
    return YamlFile.parse(file, text, dialect);
  }

  static parse(file: string, text: string, dialect: YamlDialect = {}): YamlFile {
    const lc = new LineCounter();
    const doc = parseDocument(text, {
      lineCounter: lc,
      prettyErrors: false,
      uniqueKeys: false,
      ...(dialect.ansible ? { version: "1.1" as const, customTags: ansibleTags } : {}),
    });
    // Ansible's own tags (!vault, !unsafe) mean something armgo does not do: never read them as plain text
    const tag = dialect.ansible ? doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED") : undefined;
    if (tag) {
      const { line, col } = lc.linePos(tag.pos[0]);
      const name = /tag: (\S+)/.exec(tag.message)?.[1] ?? "this tag";
      throw new InputError(`YAML tag ${name} is not supported`, {
        where: { file, line, col },
        hint:
          name === "!vault"
            ? "armgo does not read ansible-vault: keep secrets in env vars (password_env, become_password_env)"
            : "write the plain value",
      });
    }
    const err = doc.errors[0];
    if (err) {
      const { line, col } = lc.linePos(err.pos[0]);
      const what = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new InputError(`YAML: ${what}`, { where: { file, line, col }, cause: err });
    }
    const bad = structureError(doc);
    if (bad) {
      const { line, col } = lc.linePos(bad.at.range![0]);
      throw new InputError(bad.message, { where: { file, line, col }, ...(bad.hint ? { hint: bad.hint } : {}) });
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // the yaml package's own refusals while building data (a bad `<<` merge, too many aliases)
      throw new InputError(`YAML: ${(e as Error).message}`, { where: { file, line: 1, col: 1 }, cause: e });
    }
    return new YamlFile(file, text, doc, lc, data);
  }

  /** Position of the value at `path`; `key: true` points at the map key instead. Falls back to the nearest parent. */
  where(path: Path, key = false): Where {
    for (let n = path.length; n >= 0; n--) {
      const node = this.nodeAt(path.slice(0, n), key && n === path.length);
      if (node?.range) {
        const { line, col } = this.lc.linePos(node.range[0]);
        return { file: this.file, line, col };
      }
    }
    return { file: this.file, line: 1, col: 1 };
  }

  // a map's pairs by key, made on first use: a where() per entry of a 10,000-host map must not scan it each time
  private readonly index = new WeakMap<YAMLMap, Map<string, Pair>>();

  private pairs(map: YAMLMap): Map<string, Pair> {
    let byKey = this.index.get(map);
    if (!byKey) {
      byKey = new Map();
      for (const p of map.items) {
        const k = isPair(p) && isScalar(p.key) ? String(p.key.value) : undefined;
        if (k !== undefined && !byKey.has(k)) byKey.set(k, p);
      }
      this.index.set(map, byKey);
    }
    return byKey;
  }

  private nodeAt(path: Path, key: boolean): YNode | undefined {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isMap(node)) {
        const pair = this.pairs(node).get(String(seg));
        if (!pair) return undefined;
        node = key && i === path.length - 1 ? pair.key : pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(seg)];
      } else {
        return undefined;
      }
    }
    return node as YNode | undefined;
  }
}
