// YAML with positions: every later error (schema, template, module) can point at file:line:col.
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node as YNode, type Tags } from "yaml";
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

/** YAML 1.1 as ansible-core's loader reads it: PyYAML's booleans, and timestamps left as strings (they print the same). */
function ansibleTags(tags: Tags): Tags {
  const kept = tags.filter((t) => typeof t === "string" || (t.tag !== BOOL && t.tag !== "tag:yaml.org,2002:timestamp"));
  const bool = (value: boolean, test: RegExp) => ({ tag: BOOL, default: true, test, identify: (v: unknown) => v === value, resolve: () => new Scalar(value) });
  return [bool(true, PY_TRUE), bool(false, PY_FALSE), ...kept];
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
      uniqueKeys: true,
      ...(dialect.ansible ? { version: "1.1" as const, customTags: ansibleTags } : {}),
    });
    // Ansible's own tags (!vault, !unsafe) mean something armgo does not do: never read them as plain text
    const tag = dialect.ansible ? doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED") : undefined;
    if (tag) {
      const { line, col } = lc.linePos(tag.pos[0]);
      const name = /tag: (\S+)/.exec(tag.message)?.[1] ?? "this tag";
      throw new InputError(`YAML tag ${name} is not supported`, {
        where: { file, line, col },
        hint: name === "!vault" ? "armgo does not read ansible-vault: keep secrets in env vars (password_env, become_password_env)" : "write the plain value",
      });
    }
    const err = doc.errors[0];
    if (err) {
      const { line, col } = lc.linePos(err.pos[0]);
      const what = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new InputError(`YAML: ${what}`, { where: { file, line, col }, cause: err });
    }
    return new YamlFile(file, text, doc, lc, doc.toJS({ maxAliasCount: 100 }));
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

  private nodeAt(path: Path, key: boolean): YNode | undefined {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
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
