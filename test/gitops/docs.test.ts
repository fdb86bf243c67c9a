import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { TIDB_WAVES } from "../../compiler/engines/tidb.js";
import { REPO_ROOT } from "../helpers.js";

const guide = () => readFile(path.join(REPO_ROOT, "docs/gitops.md"), "utf8");

describe("docs/gitops.md", () => {
  it("states the sync wave of every TiDB component as the engine sets it", async () => {
    // GIVEN the engine's waves WHEN the guide's wave table is read THEN each component is in its wave
    const text = await guide();
    const names = { pd: "PD", tikv: "TiKV", tidb: "TiDB" } as const;
    for (const [component, wave] of Object.entries(TIDB_WAVES)) {
      assert.match(text, new RegExp(`^\\| TiDBCluster \\| ${wave} \\| ${names[component as keyof typeof names]}:`, "m"), component);
    }
  });
});
