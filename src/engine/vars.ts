// Vars as templates see them: a var whose value is itself a template is rendered when read.
import { ArmgoError } from "../errors.js";
import { hasTemplate, render } from "../template/render.js";

const MAX_DEPTH = 20;

/**
 * A read-only view over layered vars (later layers win) that renders templated values on
 * access, so `go_feed: "{{ go_mirror }}/feed.json"` reads as the URL wherever it is used.
 */
export function lazyVars(...layers: Array<Record<string, unknown> | undefined>): Record<string, unknown> {
  const merged: Record<string, unknown> = Object.assign({}, ...layers.filter(Boolean));
  const done = new Map<string, unknown>();
  const active = new Set<string>();
  const view: Record<string, unknown> = new Proxy(merged, {
    get(target, key) {
      if (typeof key !== "string") return undefined;
      if (done.has(key)) return done.get(key);
      const raw = target[key];
      if (!hasTemplate(raw)) return raw;
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
