// Where lab artefacts live and how a recipe names them.
export { cacheDir } from "../paths.js";
export { recipeHash } from "../hash.js";
