// Rewrites the generated field-reference blocks of the docs from the spec schemas: `npm run docs`.
import { readFile, writeFile } from "node:fs/promises";
import { DOCUMENT_SCHEMAS } from "../compiler/schema/index.js";
import { fieldReference } from "../compiler/schema/reference.js";
import { generatedBlock, referenceFile, replaceGeneratedBlock } from "./readme-blocks.js";

for (const [kind, schema] of Object.entries(DOCUMENT_SCHEMAS)) {
  const file = new URL(`../../${referenceFile(kind)}`, import.meta.url);
  const text = await readFile(file, "utf8");
  await writeFile(file, replaceGeneratedBlock(text, kind, generatedBlock(kind, fieldReference(schema))));
}
