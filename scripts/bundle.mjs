// Build step: the CLI and the detached mirror server bundled by esbuild over tsc's output of the
// same paths, so a start loads a few files instead of ~80 ES modules and yaml's ~50 CommonJS ones.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// chunks are named by their hash: the last build's would stay beside them
rmSync("dist/src/chunks", { recursive: true, force: true });

await build({
  entryPoints: ["src/cli/main.ts", "src/lab/mirror-serve.ts"],
  outdir: "dist/src",
  outbase: "src",
  bundle: true,
  // the lazily loaded commands and modules stay chunks loaded when asked for
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // native addons (ssh2's), ajv (only when a schema was not precompiled) and the lab's and report's heavy dependencies load from node_modules
  external: ["ssh2", "ajv", "testcontainers", "playwright-core"],
  // yaml is CommonJS and requires node's builtins: an ES module bundle gives it a require
  banner: {
    js: 'import { createRequire as __armgoRequire } from "node:module"; const require = __armgoRequire(import.meta.url);',
  },
  logLevel: "warning",
});
