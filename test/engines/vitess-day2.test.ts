import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMERCE } from "./commerce.js";
import { objectIn, withSpecProject } from "./rerender.js";

/** COMMERCE with etcd members and replica tablets as given. */
const spec = (etcd: number, replica = 2) =>
  COMMERCE.replace("cells: [zone1]", `cells: [zone1]\n  etcd: { replicas: ${etcd} }`).replace("replica: 2", `replica: ${replica}`);




describe("VitessCluster day 2: re-renders of a running cluster", () => {
  it("etcd keeps the --initial-cluster it bootstrapped with when replicas change: running members see no new flags", () =>
    withSpecProject("clusters/commerce.yaml", async (render) => {
      // GIVEN a cluster first rendered with 3 etcd members
      const first = await render(spec(3));
      assert.equal(first.code, 0, first.stderr);
      // WHEN etcd is scaled to 5
      const scaled = await render(spec(5));
      assert.equal(scaled.code, 0, scaled.stderr);
      // THEN the StatefulSet differs in spec.replicas alone
      const before = objectIn(first.files, "StatefulSet", "commerce-etcd");
      const after = objectIn(scaled.files, "StatefulSet", "commerce-etcd");
      assert.equal(after.spec.replicas, 5);
      assert.deepEqual({ ...after.spec, replicas: 3 }, before.spec);
    }));

  it("a first render with 5 members bootstraps all 5", () =>
    withSpecProject("clusters/commerce.yaml", async (render) => {
      const first = await render(spec(5));
      assert.equal(first.code, 0, first.stderr);
      const args: string[] = objectIn(first.files, "StatefulSet", "commerce-etcd").spec.template.spec.containers[0].args;
      assert.equal(args.find((a) => a.startsWith("--initial-cluster="))!.split(",").length, 5);
    }));

  for (const change of [
    { what: "etcd members", from: spec(3), to: spec(1), component: "etcd", at: "7:", says: /docs\/vitess-runbook\.md#scale-etcd/ },
    { what: "replica tablets", from: spec(3, 3), to: spec(3, 2), component: "vttablet-commerce-0-replica", at: "11:18:", says: /docs\/vitess-runbook\.md#scale-tablets/ },
  ]) {
    it(`fewer ${change.what} than last rendered: a warning at the spec that names the runbook section`, () =>
      withSpecProject("clusters/commerce.yaml", async (render) => {
        assert.equal((await render(change.from)).code, 0);
        const shrunk = await render(change.to);
        assert.equal(shrunk.code, 0, "a warning, not an error");
        const warning = shrunk.stderr.split("\n").find((l) => l.includes("warning scale-down"));
        assert.ok(warning, shrunk.stderr);
        assert.ok(warning.startsWith(`clusters/commerce.yaml:${change.at}`), warning);
        assert.match(warning, new RegExp(`${change.component}: replicas`));
        assert.match(warning, change.says);
      }));
  }
});
