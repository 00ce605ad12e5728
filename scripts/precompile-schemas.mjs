// Build step: every schema compiled once into dist/schemas.cjs (ajv standalone), so armgo starts
// without compiling them; schema.ts uses the file only while the schemas' hash still matches.
import { writeFileSync } from "node:fs";
import { Ajv } from "ajv";
import standalone from "ajv/dist/standalone/index.js";
import { AJV_OPTIONS, PRECOMPILED, precompiledIds, schemaSources, schemasHash } from "../dist/src/load/schema.js";

const sources = schemaSources();
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
for (const [id, schema] of Object.entries(sources)) ajv.addSchema(schema, id);
const ids = precompiledIds(sources);
const code = standalone.default(ajv, Object.fromEntries(ids.map((id) => [id, id])));
writeFileSync(PRECOMPILED, `${code}\nexports.schemasHash = ${JSON.stringify(schemasHash(sources))};\n`);
console.log(`precompiled ${ids.length} schemas into ${PRECOMPILED}`);
