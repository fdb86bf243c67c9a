import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { readTree } from "../../compiler/emit/scan.js";
import { MINIMAL_TIDB_SPEC, runCli, tempProject, tidbSpec, type RenderedObject } from "../helpers.js";
import { gitOpsDoc, REPO_URL } from "./fixtures.js";

/** The contract of SPEC section 4, written out rather than imported, so a change to the rule shows here. */
const PRUNE_PROTECTION = {
  "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
  "kustomize.toolkit.fluxcd.io/prune": "disabled",
};

const POOL = `apiVersion: clusterc/v1
kind: HostPathPool
metadata: { name: dc1 }
spec:
  nodes:
${["n1", "n2", "n3"].map((n) => `    - { name: ${n}, directories: [{ path: /data/pv/a, capacity: 100Gi }, { path: /data/pv/b, capacity: 100Gi }, { path: /data/pv/c, capacity: 100Gi }, { path: /data/pv/d, capacity: 100Gi }] }`).join("\n")}
`;
const ON_POOL = MINIMAL_TIDB_SPEC
  .replace("size: 10Gi }", "size: 10Gi, hostPath: { pool: dc1 } }")
  .replace("size: 100Gi }", "size: 100Gi, hostPath: { pool: dc1 } }");

/** The objects of a cluster folder that hold data: PersistentVolumes and StatefulSets with claim templates. */
function dataHolders(files: ReadonlyMap<string, string>, dir: string): [string, RenderedObject][] {
  return [...files]
    .filter(([f]) => f.startsWith(`${dir}/`))
    .map(([f, text]): [string, RenderedObject] => [f, parse(text) as RenderedObject])
    .filter(([, o]) => o.kind === "PersistentVolume" || (o.kind === "StatefulSet" && o.spec.volumeClaimTemplates?.length > 0));
}

describe("removing a cluster's spec", () => {
  it("keeps every other cluster's volumes and claim templates protected, and drops the removed cluster's Application and Kustomization", async () => {
    // GIVEN two clusters on a hostPath pool and one on a StorageClass, delivered by Argo CD and Flux, rendered
    const project = await tempProject({
      "clusters/pools.yaml": POOL,
      "clusters/gitops.yaml": gitOpsDoc("databases", `  repoURL: ${REPO_URL}\n  argocd: {}\n  flux: {}\n`),
      "clusters/prod/orders.yaml": tidbSpec("orders", ON_POOL),
      "clusters/prod/billing.yaml": tidbSpec("billing", ON_POOL),
      "clusters/staging/reports.yaml": tidbSpec("reports", MINIMAL_TIDB_SPEC.replace(/size: (\d+Gi) }/g, "size: $1, storageClassName: standard }")),
    });
    try {
      assert.equal((await runCli(["render"], project.root)).code, 0);
      const before = await readTree(path.join(project.root, "rendered"));
      // WHEN the spec of orders is removed and the fleet is rendered again
      await rm(path.join(project.root, "clusters/prod/orders.yaml"));
      assert.equal((await runCli(["render"], project.root)).code, 0);
      const after = await readTree(path.join(project.root, "rendered"));

      // THEN the other clusters still render their PersistentVolumes and StatefulSets, each volume and
      // each claim template carrying the annotations that forbid Argo CD and Flux to prune or delete it
      for (const dir of ["prod/billing", "staging/reports"]) {
        const holders = dataHolders(after, dir);
        assert.ok(holders.some(([, o]) => o.kind === "StatefulSet"), dir);
        for (const [file, object] of holders) {
          const annotated = object.kind === "PersistentVolume"
            ? [object.metadata.annotations]
            : object.spec.volumeClaimTemplates.map((claim: RenderedObject) => claim.metadata.annotations);
          for (const annotations of annotated) assert.deepEqual({ ...annotations, ...PRUNE_PROTECTION }, annotations, file);
          // AND not a byte of them changed: the volumes stay where they were
          assert.equal(after.get(file), before.get(file), file);
        }
      }
      assert.ok(dataHolders(after, "prod/billing").some(([, o]) => o.kind === "PersistentVolume"));
      // AND the removed cluster's folder, Application and Kustomization are gone, and no longer listed
      assert.ok(before.has("argocd/application-orders.yaml") && before.has("flux/kustomization-orders.yaml"));
      assert.deepEqual([...after.keys()].filter((f) => f.includes("orders")), []);
      assert.deepEqual((parse(after.get("argocd/kustomization.yaml")!) as { resources: string[] }).resources,
        ["application-billing.yaml", "application-reports.yaml"]);
      const stages = (cluster: string) => ["pd", "tikv", "tidb", "network"].map((s) => `kustomization-${cluster}-${s}.yaml`).concat(`kustomization-${cluster}.yaml`);
      assert.deepEqual((parse(after.get("flux/kustomization.yaml")!) as { resources: string[] }).resources, [...stages("billing"), ...stages("reports")]);
      // AND the remaining Applications and Kustomizations are unchanged
      const fluxFiles = [...stages("billing"), ...stages("reports")].map((f) => `flux/${f}`);
      for (const file of ["argocd/application-billing.yaml", "argocd/application-reports.yaml", ...fluxFiles]) {
        assert.equal(after.get(file), before.get(file), file);
      }
    } finally {
      await project.cleanup();
    }
  });
});
