import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { DOCUMENT_SCHEMAS } from "../../compiler/schema/index.js";
import { fieldReference } from "../../compiler/schema/reference.js";
import { RULES } from "../../compiler/rules/index.js";
import { generatedBlock, referenceFile } from "../../scripts/readme-blocks.js";
import { REPO_ROOT } from "../helpers.js";

const readme = () => readFile(path.join(REPO_ROOT, "README.md"), "utf8");

describe("README", () => {
  it("opens with the two quick-start commands", async () => {
    const text = await readme();
    const quickStart = text.slice(text.indexOf("## Quick start"), text.indexOf("## The daily loop"));
    assert.match(quickStart, /npm ci && npm run render/);
    assert.match(quickStart, /npm test/);
  });

  for (const [kind, schema] of Object.entries(DOCUMENT_SCHEMAS)) {
    it(`${referenceFile(kind)} documents every ${kind} field as the schema defines it (run \`npm run docs\` to refresh)`, async () => {
      const text = await readFile(path.join(REPO_ROOT, referenceFile(kind)), "utf8");
      assert.ok(text.includes(generatedBlock(kind, fieldReference(schema))));
    });
  }

  it("types a map by its keys and values: a Policy's spec.defaults is kinds to components to resources, not strings", () => {
    // GIVEN the Policy field table generated from the schema
    const rows = fieldReference(DOCUMENT_SCHEMAS.Policy).split("\n");
    const typeOf = (field: string) => rows.find((row) => row.startsWith(`| \`${field}\` |`))!.split(" | ")[1];
    // THEN spec.defaults names the cluster kinds it accepts and says its values are maps (component -> resources)
    assert.equal(typeOf("spec.defaults"), "map from `TiDBCluster` \\| `MySQLCluster` \\| `VitessCluster` \\| `AntDBCluster` to maps of maps");
    // AND a map of labels is still a map of strings
    assert.equal(typeOf("spec.selector.matchLabels"), "map of strings");
  });

  it("lists every rule ID in the rules table", async () => {
    const text = await readme();
    for (const rule of RULES) assert.match(text, new RegExp(`^\\| \`${rule.id}\``, "m"), rule.id);
  });
});
