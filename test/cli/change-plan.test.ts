import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { MINIMAL_TIDB_SPEC, runCli, tempProject, tidbSpec } from "../helpers.js";

describe("render and check plan the change they compare", () => {
  it("print the warning for a change Kubernetes refuses at its spec line, without changing the exit code", async () => {
    // GIVEN a rendered cluster
    const project = await tempProject({ "clusters/orders.yaml": tidbSpec("orders", MINIMAL_TIDB_SPEC) });
    try {
      assert.equal((await runCli(["render"], project.root)).code, 0);
      // WHEN TiKV's volumes grow in the spec
      const grown = tidbSpec("orders", MINIMAL_TIDB_SPEC.replace("size: 100Gi", "size: 200Gi"));
      await writeFile(path.join(project.root, "clusters/orders.yaml"), grown);
      const line = grown.split("\n").findIndex((l) => l.startsWith("  tikv:")) + 1;
      const col = grown.split("\n")[line - 1]!.indexOf("size") + 1;
      const warning = new RegExp(`^clusters/orders\\.yaml:${line}:${col}: warning immutable-field StatefulSet orders-tikv: spec\\.volumeClaimTemplates \\(storage 100Gi -> 200Gi\\) .*--cascade=orphan`, "m");
      const check = await runCli(["check"], project.root);
      // THEN check fails for the stale output alone, and says what the sync would refuse before the stale files
      assert.equal(check.code, 1);
      assert.match(check.stderr, warning);
      assert.ok(check.stderr.search(warning) < check.stderr.indexOf("rendered/ is stale"), check.stderr);
      // AND render writes the change, with the same warning once
      const render = await runCli(["render"], project.root);
      assert.equal(render.code, 0, render.stderr);
      assert.equal(render.stderr.split("\n").filter((l) => warning.test(l)).length, 1, render.stderr);
      // AND once rendered/ holds it, nothing is left to plan
      const again = await runCli(["check"], project.root);
      assert.equal(again.code, 0);
      assert.doesNotMatch(again.stderr, /immutable-field/);
    } finally {
      await project.cleanup();
    }
  });
});
