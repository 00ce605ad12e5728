// Lab image names and recipes per arch, init and release: bookworm's keep the shape (and tags) they were cached under.
import { describe, expect, it } from "vitest";
import {
  baseRecipe,
  baseTag,
  imageTag,
  mountsBelow,
  PACKAGES,
  SYSTEMD_PACKAGES,
  type ImageSpec,
} from "../../src/lab/images.js";

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

describe("a debootstrap tree's mounts, unmounted before it is removed", () => {
  const mounts = [
    "proc /proc proc rw 0 0",
    "proc /c/rootfs-arm64-x/proc proc rw 0 0",
    "sysfs /c/rootfs-arm64-x/sys sysfs rw 0 0",
    "binfmt /c/rootfs-arm64-x/proc/sys/fs/binfmt_misc binfmt_misc rw 0 0",
    "proc /c/rootfs-arm64-xy/proc proc rw 0 0",
    "tmpfs /c/rootfs\\040sp/dev tmpfs rw 0 0",
  ].join("\n");
  it.each<{ name: string; dir: string; want: string[] }>([
    {
      name: "every mount below the tree, deepest first",
      dir: "/c/rootfs-arm64-x",
      want: ["/c/rootfs-arm64-x/proc/sys/fs/binfmt_misc", "/c/rootfs-arm64-x/proc", "/c/rootfs-arm64-x/sys"],
    },
    {
      name: "a sibling whose name extends the tree's is not below it",
      dir: "/c/rootfs-arm64-xy",
      want: ["/c/rootfs-arm64-xy/proc"],
    },
    { name: "an escaped space in a mount point", dir: "/c/rootfs sp", want: ["/c/rootfs sp/dev"] },
    { name: "none", dir: "/c/other", want: [] },
  ])("$name", ({ dir, want }) => expect(mountsBelow(mounts, dir)).toEqual(want));
});
