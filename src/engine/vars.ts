// Vars as templates see them: a var whose value is itself a template is rendered when read.
import { ArmgoError } from "../errors.js";
import { hasTemplate, render } from "../template/render.js";

const MAX_DEPTH = 20;
const DATA = Symbol("data");

/** A layer of values a host or a command produced (facts, registered results, loop items): never templates. */
export interface DataLayer {
  [DATA]: Record<string, unknown>;
}

// What a host printed is data, as Ansible marks module results unsafe: `{{ .Name }}` in a command's
// output must not fail the next task, nor `{{ secret }}` read a var out.
export function data(vars: Record<string, unknown> | undefined): DataLayer | undefined {
  return vars && { [DATA]: vars };
}

/**
 * A read-only view over layered vars (later layers win) that renders templated values on
 * access, so `go_feed: "{{ go_mirror }}/feed.json"` reads as the URL wherever it is used.
 * Values from `data()` layers are returned as they are. `reads` collects every name looked up,
 * also through the templated vars it renders.
 */
export function lazyVars(
  layers: Array<Record<string, unknown> | DataLayer | undefined>,
  reads?: Set<string>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const plain = new Set<string>();
  for (const layer of layers) {
    if (!layer) continue;
    const isData = DATA in layer;
    for (const [k, v] of Object.entries(isData ? layer[DATA] : layer)) {
      merged[k] = v;
      if (isData) plain.add(k);
      else plain.delete(k);
    }
  }
  const done = new Map<string, unknown>();
  const active = new Set<string>();
  const view: Record<string, unknown> = new Proxy(merged, {
    // `x is defined` asks without reading: an undefined name read now is a read too
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === "string") reads?.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    has(target, key) {
      if (typeof key === "string") reads?.add(key);
      return key in target;
    },
    get(target, key) {
      if (typeof key !== "string") return undefined;
      reads?.add(key);
      if (done.has(key)) return done.get(key);
      const raw = target[key];
      if (plain.has(key) || !hasTemplate(raw)) return raw;
      if (active.has(key) || active.size > MAX_DEPTH) {
        throw new ArmgoError(`var '${key}' refers to itself`, { hint: "break the loop between these vars" });
      }
      active.add(key);
      try {
        const v = render(raw, view);
        done.set(key, v);
        return v;
      } finally {
        active.delete(key);
      }
    },
  });
  return view;
}
