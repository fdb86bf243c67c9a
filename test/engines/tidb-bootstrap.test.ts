import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { tidbSpec, type RenderedObject } from "../helpers.js";
import { objectIn, withSpecProject } from "./rerender.js";

/** A TiDB cluster on a StorageClass, PD and TiKV replicas as given, one spec line each. */
function spec(pd: number, tikv = 3, tidb = 2): string {
  return tidbSpec("orders", `  version: v7.5.1
  pd: { replicas: ${pd}, storage: { size: 10Gi, storageClassName: standard } }
  tikv: { replicas: ${tikv}, storage: { size: 100Gi, storageClassName: standard } }
  tidb: { replicas: ${tidb} }
  rootPassword: { secretRef: { name: root, key: password } }
`);
}



function env(statefulSet: RenderedObject, name: string): string | undefined {
  return statefulSet.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === name)?.value;
}


describe("PD's bootstrap set is fixed at the cluster's first render", () => {
  it("scales PD up by changing replicas only: no member's pod template changes, so none restarts", () =>
    withSpecProject("clusters/orders.yaml", async (render) => {
      // GIVEN a cluster first rendered with 3 PD members
      const first = await render(spec(3));
      assert.equal(first.code, 0, first.stderr);
      // WHEN PD is scaled to 5
      const scaled = await render(spec(5));
      assert.equal(scaled.code, 0, scaled.stderr);
      // THEN the StatefulSet differs in spec.replicas alone, and the bootstrap set is still 3
      const before = objectIn(first.files, "StatefulSet", "orders-pd");
      const after = objectIn(scaled.files, "StatefulSet", "orders-pd");
      assert.equal(after.spec.replicas, 5);
      assert.deepEqual({ ...after.spec, replicas: 3 }, before.spec);
      assert.equal(env(after, "INITIAL_CLUSTER_SIZE"), "3");
      // AND the state file says so, for the next render and for reviewers
      const state = parse(scaled.files.get("cluster-state.yaml")!) as { clusters: { cluster: string; bootstrap: Record<string, number>; replicas: Record<string, number> }[] };
      assert.deepEqual(state.clusters, [{ cluster: "orders", bootstrap: { pd: 3 }, replicas: { pd: 5, tikv: 3, tidb: 2 } }]);
    }));

  it("bootstraps a new cluster with the members its first spec asks for", () =>
    withSpecProject("clusters/orders.yaml", async (render) => {
      const result = await render(spec(5));
      assert.equal(env(objectIn(result.files, "StatefulSet", "orders-pd"), "INITIAL_CLUSTER_SIZE"), "5");
    }));

  it("warns at the replicas line when PD or TiKV shrink, pointing at the runbook, once", () =>
    withSpecProject("clusters/orders.yaml", async (render, root) => {
      // GIVEN 5 PD members, 4 TiKV stores and 3 TiDB servers rendered
      assert.equal((await render(spec(5, 4, 3))).code, 0);
      // WHEN all three shrink
      const shrunk = await render(spec(3, 3, 1));
      // THEN the render goes through, with a warning for PD and TiKV (TiDB is stateless) at their replicas
      assert.equal(shrunk.code, 0, shrunk.stderr);
      const text = await readFile(path.join(root, "clusters", "orders.yaml"), "utf8");
      const lineOf = (component: string) => text.split("\n").findIndex((l) => l.startsWith(`  ${component}:`)) + 1;
      const warnings = shrunk.stderr.split("\n").filter((l) => l.includes("warning scale-down"));
      assert.equal(warnings.length, 2, shrunk.stderr);
      assert.match(warnings[0]!, new RegExp(`^clusters/orders\\.yaml:${lineOf("pd")}:\\d+: warning scale-down pd: replicas 5 -> 3 stops the last 2 members .*docs/tidb-runbook\\.md#scale-pd-down`));
      assert.match(warnings[1]!, new RegExp(`^clusters/orders\\.yaml:${lineOf("tikv")}:\\d+: warning scale-down tikv: replicas 4 -> 3 stops the last member .*docs/tidb-runbook\\.md#scale-tikv-down`));
      // AND the next render, with nothing changed, has nothing to say
      const again = await render(spec(3, 3, 1));
      assert.doesNotMatch(again.stderr, /scale-down/);
    }));

  it("treats a state file it cannot read as an error at its line, and leaves rendered/ as it is", () =>
    withSpecProject("clusters/orders.yaml", async (render, root) => {
      const first = await render(spec(3));
      const file = path.join(root, "rendered", "cluster-state.yaml");
      await writeFile(file, (await readFile(file, "utf8")).replace("pd: 3\n    cluster", "pd: three\n    cluster"));
      const broken = await render(spec(5));
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /^rendered\/cluster-state\.yaml:\d+:\d+: error cluster-state-restore .*git checkout -- rendered\/cluster-state\.yaml/m);
      assert.deepEqual([...broken.files.keys()].filter((f) => f !== "cluster-state.yaml"), [...first.files.keys()].filter((f) => f !== "cluster-state.yaml"));
      assert.equal(objectIn(broken.files, "StatefulSet", "orders-pd").spec.replicas, 3);
    }));
});
