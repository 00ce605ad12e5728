// Lab image names and recipes per arch, init and release: bookworm's keep the shape (and tags) they were cached under.
import { describe, expect, it } from "vitest";
import { baseRecipe, baseTag, imageTag, PACKAGES, SYSTEMD_PACKAGES, type ImageSpec } from "../../src/lab/images.js";

describe("lab image recipes", () => {
  it.each<{ name: string; spec: ImageSpec; recipe: ReturnType<typeof baseRecipe> }>([
    {
      name: "bookworm, plain: the recipe of the images cached before releases",
      spec: { arch: "arm64" },
      recipe: { suite: "bookworm", variant: "minbase", arch: "arm64", packages: PACKAGES },
    },
    {
      name: "bookworm, systemd",
      spec: { arch: "amd64", init: "systemd" },
      recipe: { suite: "bookworm", variant: "minbase", arch: "amd64", packages: [...PACKAGES, ...SYSTEMD_PACKAGES] },
    },
    {
      name: "trixie",
      spec: { arch: "arm64", release: "trixie" },
      recipe: { suite: "trixie", variant: "minbase", arch: "arm64", packages: PACKAGES },
    },
  ])("$name", ({ spec, recipe }) => {
    expect(baseRecipe(spec)).toEqual(recipe);
    expect(baseRecipe({ ...spec, release: "bookworm" })).toEqual(baseRecipe({ ...spec, release: undefined }));
  });
});

describe("lab image tags", () => {
  it.each<{ name: string; spec: ImageSpec; image: RegExp; base: RegExp }>([
    {
      name: "bookworm carries no release",
      spec: { arch: "arm64" },
      image: /^armgo-lab:arm64-[0-9a-f]{12}$/,
      base: /^armgo-lab-base:arm64-/,
    },
    {
      name: "bookworm systemd",
      spec: { arch: "amd64", init: "systemd" },
      image: /^armgo-lab-systemd:amd64-[0-9a-f]{12}$/,
      base: /^armgo-lab-base-systemd:amd64-/,
    },
    {
      name: "bullseye",
      spec: { arch: "arm64", release: "bullseye" },
      image: /^armgo-lab-bullseye:arm64-[0-9a-f]{12}$/,
      base: /^armgo-lab-base-bullseye:arm64-/,
    },
    {
      name: "trixie systemd",
      spec: { arch: "amd64", init: "systemd", release: "trixie" },
      image: /^armgo-lab-systemd-trixie:amd64-[0-9a-f]{12}$/,
      base: /^armgo-lab-base-systemd-trixie:amd64-/,
    },
  ])("$name", ({ spec, image, base }) => {
    expect(imageTag(spec)).toMatch(image);
    expect(baseTag(spec)).toMatch(base);
  });

  it("each release has its own recipe hash", () => {
    const hashes = (["bullseye", "bookworm", "trixie"] as const).map((release) =>
      imageTag({ arch: "arm64", release }).split("-").pop(),
    );
    expect(new Set(hashes).size).toBe(3);
  });
});
