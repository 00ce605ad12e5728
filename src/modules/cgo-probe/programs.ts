// The tiny Go programs cgo-probe cross-builds: one through cgo into each asked library (and NEON
// intrinsics when asked), one with CGO_ENABLED=0. Each prints lines the run on a target checks.
import type { CrossLib } from "../shared/cross.js";

export const DONE_LINE = "armgo-probe ok";

/** The cgo program: `<lib> <version>` per library, `neon 6 8 10 12` for vaddq_s32, then DONE_LINE. */
export function cgoProgram(libs: Array<CrossLib & { name: string }>, neon: boolean): string {
  const pcs = libs.map((l) => l.pc);
  const c = [
    ...(pcs.length ? [`#cgo pkg-config: ${pcs.join(" ")}`] : []),
    ...libs.map((l) => `#include <${l.include}>`),
    ...libs.map((l, i) => `static const char *lib${i}(void) { return ${l.version}; }`),
    "static int probe_add(int a, int b) { return a + b; }",
    ...(neon
      ? [
          "#include <arm_neon.h>",
          "static void neon_add(int *out) {",
          "  int32_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};",
          "  vst1q_s32(out, vaddq_s32(vld1q_s32(a), vld1q_s32(b)));",
          "}",
        ]
      : []),
  ];
  const go = [
    ...libs.map((l, i) => `\tfmt.Println(${JSON.stringify(l.name)}, C.GoString(C.lib${i}()))`),
    '\tif C.probe_add(2, 3) != 5 {\n\t\tpanic("cgo call returned a wrong sum")\n\t}',
    ...(neon ? ['\tvar v [4]C.int\n\tC.neon_add(&v[0])\n\tfmt.Println("neon", v[0], v[1], v[2], v[3])'] : []),
    `\tfmt.Println(${JSON.stringify(DONE_LINE)})`,
  ];
  return `package main\n\n/*\n${c.join("\n")}\n*/\nimport "C"\nimport "fmt"\n\nfunc main() {\n${go.join("\n")}\n}\n`;
}

/** The CGO_ENABLED=0 program. */
export function pureProgram(): string {
  return `package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(${JSON.stringify(DONE_LINE)})\n}\n`;
}

/** What a correct run of the cgo program prints with `neon`. */
export const NEON_LINE = "neon 6 8 10 12";
