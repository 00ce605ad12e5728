// Build step: every schema compiled once into dist/schemas.cjs (ajv standalone), so armgo starts
// without compiling them; schema.ts uses the file only while the schemas' hash still matches.
// Then V8's code cache of that file, so a start does not compile its 350 kB either.
import { writeFileSync } from "node:fs";
import { Ajv } from "ajv";
import standalone from "ajv/dist/standalone/index.js";
import {
  AJV_OPTIONS,
  loadPrecompiled,
  PRECOMPILED,
  PRECOMPILED_CODE_CACHE,
  precompiledIds,
  schemaSources,
  schemasHash,
} from "../dist/src/load/schema.js";

const sources = schemaSources();
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
for (const [id, schema] of Object.entries(sources)) ajv.addSchema(schema, id);
const ids = precompiledIds(sources);
const code = standalone.default(ajv, Object.fromEntries(ids.map((id) => [id, id])));
writeFileSync(PRECOMPILED, `${code}\nexports.schemasHash = ${JSON.stringify(schemasHash())};\n`);
const { validators, script } = loadPrecompiled();
// V8 compiles a function when first called: call each validator once so the cache holds them compiled
for (const id of ids) for (const data of [{}, []]) validators[id](data);
writeFileSync(PRECOMPILED_CODE_CACHE, script.createCachedData());
console.log(`precompiled ${ids.length} schemas into ${PRECOMPILED} (and its V8 code cache)`);
