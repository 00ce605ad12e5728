// `node dist/src/lab/build-cli.js`: build the lab images and Go mirror (setup.sh and CI run this).
import { ArmgoError } from "../errors.js";
import { labBuild } from "./lab.js";
import { assertLabReady } from "./doctor.js";

try {
  await assertLabReady();
  const { images, mirrorDir } = await labBuild();
  process.stdout.write(`${images.join("\n")}\n${mirrorDir}\n`);
} catch (err) {
  process.stderr.write(`lab build failed: ${err instanceof ArmgoError ? err.oneLine() : String(err)}\n`);
  process.exitCode = 1;
}
