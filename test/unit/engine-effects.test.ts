// A run ahead of the facts holds no effect, by type: `npm run typecheck` fails when one could reach it.
import { describe, expectTypeOf, it } from "vitest";
import type { HostEffects, HostInputs } from "../../src/engine/host-env.js";
import { firstBatch, noEffects } from "../../src/engine/speculate.js";

/** The keys of T whose value is (or may be) one of the effects. */
type EffectKeys<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends HostEffects[keyof HostEffects] ? K : never;
}[keyof T];

describe("a speculative run holds no effect", () => {
  it("takes the host's inputs, and nothing else, from its caller", () => {
    expectTypeOf(firstBatch).parameter(0).toEqualTypeOf<HostInputs>();
    // only compiled, never called: a transport is an effect, and the inputs have no place for it
    const withTransport = (inputs: HostInputs, transport: HostEffects["transport"]) =>
      // @ts-expect-error 'transport' does not exist in type 'HostInputs'
      firstBatch({ ...inputs, transport }, []);
    expectTypeOf(withTransport).toBeFunction();
  });

  it("whose fields are data, none of them an effect", () => {
    expectTypeOf<keyof HostInputs & keyof HostEffects>().toBeNever();
    expectTypeOf<EffectKeys<HostInputs>>().toBeNever();
    // the check itself finds an effect where there is one
    expectTypeOf<EffectKeys<HostInputs & Pick<HostEffects, "lockHost">>>().toEqualTypeOf<"lockHost">();
  });

  it("and its effects are the stubs of noEffects, one for each effect", () => {
    expectTypeOf(noEffects).returns.toEqualTypeOf<HostEffects>();
  });
});
