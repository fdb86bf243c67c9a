import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { layoutCluster } from "../../compiler/emit/layout.js";
import { stageDirs, stagesOf } from "../../compiler/emit/stages.js";
import { objectMeta } from "../../compiler/engines/shared/metadata.js";
import type { ClusterBuild, KubeObject } from "../../compiler/engines/types.js";
import type { Cluster } from "../../compiler/fleet/fleet.js";
import { fluxObjects } from "../../compiler/gitops/flux.js";

const CLUSTER = { name: "solo", namespace: "db" };

/** An object of component `component` in sync wave `wave`, as the engines' shared factories make it. */
function object(kind: string, component: string, wave: number, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind, metadata: objectMeta({ cluster: CLUSTER, appName: "tidb", component }, `solo-${component}-${kind.toLowerCase()}`, wave, annotations) };
}

const POST_SYNC = { "argocd.argoproj.io/hook": "PostSync" };

/** Only what layout reads of a build: the cluster's output folder and its objects. */
function build(objects: KubeObject[]): ClusterBuild {
  const cluster = { kind: "TiDBCluster", ...CLUSTER, outputDir: "prod/solo" } as Cluster;
  return { cluster, manifests: objects.map((o) => ({ object: o, origin: { file: "clusters/prod/solo.yaml", doc: 0, path: [] } })), components: [], disruptionBudgets: [] };
}

describe("start-up stages", () => {
  const cases: { name: string; objects: KubeObject[]; stages: string[][]; labels: string[] }[] = [
    {
      name: "one stage per sync wave, in wave order whatever the object order, PostSync hooks after every wave",
      objects: [object("Job", "init", 2, POST_SYNC), object("Service", "front", 2), object("StatefulSet", "store", 1), object("StatefulSet", "meta", 0), object("Service", "meta", 0)],
      stages: [["StatefulSet/meta", "Service/meta"], ["StatefulSet/store"], ["Service/front"], ["Job/init"]],
      labels: ["meta", "store", "front", "post-sync"],
    },
    {
      name: "a negative wave comes first; an object without a wave is in wave 0, as Argo CD takes it",
      objects: [object("Deployment", "app", 0), { ...object("Service", "app", 0), metadata: { ...object("Service", "app", 0).metadata, annotations: {} } }, object("ExternalSecret", "secret", -1)],
      stages: [["ExternalSecret/secret"], ["Deployment/app", "Service/app"]],
      labels: ["secret", "app"],
    },
    {
      name: "PreSync hooks come before every wave; a Sync hook is in its wave",
      objects: [object("Deployment", "app", 0), object("Job", "check", 0, { "argocd.argoproj.io/hook": "Sync" }), object("Job", "migrate", 5, { "argocd.argoproj.io/hook": "PreSync" })],
      stages: [["Job/migrate"], ["Deployment/app", "Job/check"]],
      labels: ["pre-sync", "app-check"],
    },
    {
      name: "a wave of two components is named after both, in code-point order",
      objects: [object("StatefulSet", "tikv", 1), object("StatefulSet", "pd", 1), object("Deployment", "tidb", 2)],
      stages: [["StatefulSet/tikv", "StatefulSet/pd"], ["Deployment/tidb"]],
      labels: ["pd-tikv", "tidb"],
    },
  ];
  for (const { name, objects, stages, labels } of cases) {
    it(name, () => {
      // GIVEN objects in sync waves WHEN they are grouped into stages
      const result = stagesOf(objects);
      // THEN each stage holds exactly one wave's objects (in the order given: layout sorts them), named after what it holds
      assert.deepEqual(result.map((s) => s.objects.map((o) => `${o.kind}/${o.metadata.labels!["app.kubernetes.io/component"]}`)), stages);
      assert.deepEqual(result.map((s) => s.label), labels);
    });
  }

  it("refuses what it cannot order: a hook phase Flux has no place for, one component in two stages", () => {
    assert.throws(() => stagesOf([object("Job", "cleanup", 0, { "argocd.argoproj.io/hook": "SyncFail" })]), /SyncFail hook/);
    assert.throws(() => stagesOf([object("Service", "pd", 0), object("StatefulSet", "pd", 1)]), /two stages share a label \(pd, pd\)/);
  });

  it("numbers the stage folders so they list in start-up order, also past ten stages", () => {
    assert.deepEqual(stageDirs(["pd", "tikv", "tidb", "post-sync"]), ["0-pd", "1-tikv", "2-tidb", "3-post-sync"]);
    const eleven = stageDirs([..."abcdefghijk"]);
    assert.deepEqual([eleven[0], eleven[9], eleven[10]], ["00-a", "09-j", "10-k"]);
    assert.deepEqual([...eleven].sort(), eleven);
  });
});

describe("a cluster whose objects all share one wave", () => {
  const objects = [object("StatefulSet", "db", 0), object("Service", "db", 0)];

  it("keeps its objects at the top of its folder, with no stage folders", () => {
    // GIVEN a cluster of one wave WHEN it is laid out
    const layout = layoutCluster(build(objects));
    // THEN its folder holds its object files and a kustomization.yaml listing them, as before stages existed
    assert.deepEqual(layout.files.map(([file]) => file), ["prod/solo/service-solo-db-service.yaml", "prod/solo/statefulset-solo-db-statefulset.yaml", "prod/solo/kustomization.yaml"]);
    assert.deepEqual(parse(layout.files.at(-1)![1]).resources, ["service-solo-db-service.yaml", "statefulset-solo-db-statefulset.yaml"]);
    assert.deepEqual(layout.stages, ["db"]);
  });

  it("is one Flux Kustomization over its folder, named after the cluster, depending on nothing", () => {
    // GIVEN the same cluster WHEN its Flux objects are made
    const flux = { namespace: "flux-system", sourceRef: { kind: "GitRepository" as const, name: "flux-system" }, interval: "10m" };
    const [only, ...rest] = fluxObjects(flux, [{ kind: "TiDBCluster", ...CLUSTER, outputDir: "prod/solo", stages: layoutCluster(build(objects)).stages, podSecurity: "restricted" }]) as (KubeObject & { spec: Record<string, unknown> })[];
    // THEN there is exactly one, over the whole folder, without dependsOn
    assert.deepEqual(rest, []);
    assert.equal(only!.metadata.name, "solo");
    assert.equal(only!.spec.path, "./rendered/prod/solo");
    assert.equal(only!.spec.dependsOn, undefined);
    assert.equal(only!.spec.wait, true);
  });
});

describe("a cluster of several stages", () => {
  it("lists its stage folders in its kustomization.yaml, each stage folder listing its own objects", () => {
    // GIVEN a cluster of two waves and a PostSync hook WHEN it is laid out
    const layout = layoutCluster(build([object("Deployment", "app", 1), object("StatefulSet", "db", 0), object("Job", "init", 1, POST_SYNC)]));
    const files = new Map(layout.files);
    // THEN the cluster's kustomization.yaml lists the stage folders in order, and each of those its files
    assert.deepEqual(parse(files.get("prod/solo/kustomization.yaml")!).resources, ["0-db", "1-app", "2-post-sync"]);
    assert.deepEqual(parse(files.get("prod/solo/0-db/kustomization.yaml")!).resources, ["statefulset-solo-db-statefulset.yaml"]);
    assert.deepEqual(parse(files.get("prod/solo/1-app/kustomization.yaml")!).resources, ["deployment-solo-app-deployment.yaml"]);
    assert.deepEqual(parse(files.get("prod/solo/2-post-sync/kustomization.yaml")!).resources, ["job-solo-init-job.yaml"]);
    assert.equal(files.size, 7);
  });
});
