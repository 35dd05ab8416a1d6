// Validates an OpenAPI document with @seriousme/openapi-schema-validator (the official
// OpenAPI 3.1 JSON schemas, via ajv) and checks that it is a 3.1 document.
//   node validate.mjs <document.json>
import { Validator } from "@seriousme/openapi-schema-validator";
import { readFile } from "node:fs/promises";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs <document.json>");
  process.exit(2);
}
const document = JSON.parse(await readFile(file, "utf8"));
const validator = new Validator();
const result = await validator.validate(document);
if (!result.valid) {
  console.error(`${file}: not a valid OpenAPI document:`);
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
if (validator.version !== "3.1") {
  console.error(`${file}: valid, but OpenAPI ${validator.version}, not 3.1`);
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${validator.version} (${Object.keys(document.paths).length} paths)`);
