// Rewrites the generated field-reference blocks of README.md from the spec schemas: `npm run docs`.
import { readFile, writeFile } from "node:fs/promises";
import { DOCUMENT_SCHEMAS } from "../compiler/schema/index.js";
import { fieldReference } from "../compiler/schema/reference.js";
import { generatedBlock, replaceGeneratedBlock } from "./readme-blocks.js";

const README = new URL("../../README.md", import.meta.url);
let text = await readFile(README, "utf8");
for (const [kind, schema] of Object.entries(DOCUMENT_SCHEMAS)) {
  text = replaceGeneratedBlock(text, kind, generatedBlock(kind, fieldReference(schema)));
}
await writeFile(README, text);
