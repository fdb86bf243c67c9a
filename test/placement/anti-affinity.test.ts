import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterBuild, KubeObject } from "../../compiler/engines/types.js";
import type { HostPathPool } from "../../compiler/fleet/fleet.js";
import { antiAffinity } from "../../compiler/rules/anti-affinity.js";
import { syntheticCluster, type Sets } from "./builds.js";

/** Rendered objects, read the way a test reads YAML. */
type Loose = any;

const ZONED_POOL: HostPathPool = {
  name: "dc1", origin: { file: "clusters/pool.yaml", doc: 0, path: [] },
  nodes: ["a", "b", "c"].map((n) => ({ name: n, zone: `zone-${n}`, directories: [] })),
};

function transform(build: ClusterBuild, pools: HostPathPool[] = []): KubeObject[] {
  const fleet = { clusters: [build.cluster], pools: new Map(pools.map((p) => [p.name, p])), policies: [] };
  const { builds } = antiAffinity.run([build], { fleet, hostPaths: { placements: [], byCluster: new Map(), findings: [] }, clusterStates: new Map() });
  return builds[0]!.manifests.map((m) => m.object);
}

function podOf(objects: KubeObject[], name: string): Loose {
  return (objects.find((o) => o.metadata.name === name && o.kind !== "PodDisruptionBudget") as Loose).spec.template.spec;
}

/** Every pod of the build, with its labels, to check which pods a term's selector really matches. */
function podLabels(objects: KubeObject[]): Map<string, Record<string, string>> {
  return new Map(objects.filter((o) => o.kind !== "PodDisruptionBudget").map((o) => [o.metadata.name, (o as Loose).spec.template.metadata.labels]));
}

function selects(selector: { matchLabels: Record<string, string> }, labels: Record<string, string>): boolean {
  return Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
}

/** The workloads whose pods a term's selector matches. */
function matched(objects: KubeObject[], term: Loose): string[] {
  return [...podLabels(objects)].filter(([, labels]) => selects(term.labelSelector, labels)).map(([name]) => name).sort();
}

describe("anti-affinity from declared separations", () => {
  // GIVEN the AntDB article's relations: dn required apart from ds, gc preferred apart from gcs (weight 100)
  const antdb = syntheticCluster("adb", {
    gc: { replicas: 1, apart: (s) => [{ from: s.replicas("gcs"), level: "preferred", weight: 100 }] },
    gcs: { replicas: 1, apart: (s) => [{ from: s.replicas("gc"), level: "preferred", weight: 100 }] },
    dn: { replicas: 2, apart: (s) => [{ from: s.replicas("ds"), level: "required" }] },
    ds: { replicas: 2, apart: (s) => [{ from: s.replicas("dn"), level: "required" }] },
  });

  it("renders a relation between two components as a term that selects exactly the other component's pods", () => {
    const objects = transform(antdb);
    const dn = podOf(objects, "adb-dn").affinity.podAntiAffinity;
    assert.equal(dn.requiredDuringSchedulingIgnoredDuringExecution.length, 1);
    assert.deepEqual(matched(objects, dn.requiredDuringSchedulingIgnoredDuringExecution[0]), ["adb-ds"]);
    assert.equal(dn.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
    assert.equal(dn.preferredDuringSchedulingIgnoredDuringExecution, undefined);
    const gc = podOf(objects, "adb-gc").affinity.podAntiAffinity;
    assert.equal(gc.requiredDuringSchedulingIgnoredDuringExecution, undefined);
    assert.equal(gc.preferredDuringSchedulingIgnoredDuringExecution[0].weight, 100);
    assert.deepEqual(matched(objects, gc.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm), ["adb-gcs"]);
  });

  it("keeps a relation to another component for a component of one replica", () => {
    const objects = transform(antdb);
    assert.ok(podOf(objects, "adb-gcs").affinity, "gcs has one replica but must still avoid gc");
  });

  it("lets a policy make every relation required, never the other way", () => {
    const tightened = transform(syntheticCluster("adb", {
      gc: { replicas: 1, apart: (s) => [{ from: s.replicas("gcs"), level: "preferred", weight: 100 }] },
      gcs: { replicas: 1 },
    }, { policy: "required" }));
    const gc = podOf(tightened, "adb-gc").affinity.podAntiAffinity;
    assert.deepEqual(matched(tightened, gc.requiredDuringSchedulingIgnoredDuringExecution[0]), ["adb-gcs"]);
    assert.equal(gc.preferredDuringSchedulingIgnoredDuringExecution, undefined);
    const loosened = transform(syntheticCluster("adb", { dn: { replicas: 2, apart: (s) => [{ from: s.replicas("dn"), level: "required" }] } }, { policy: "preferred" }));
    assert.ok(podOf(loosened, "adb-dn").affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution);
  });

  // GIVEN one shard's tablets in two StatefulSets (replica, rdonly) spreading as one group, and another shard
  const shard = (id: string) => ({ "vitess.io/keyspace": "commerce", "vitess.io/shard": id });
  const tablets = (id: string) => (s: Sets) =>
    [{ from: s.group(`commerce-${id}`, shard(id), [`${id}-replica`, `${id}-rdonly`]), level: "required" as const }];
  const vitess = syntheticCluster("vt", {
    "x-replica": { replicas: 2, labels: shard("x"), pool: "dc1", apart: tablets("x") },
    "x-rdonly": { replicas: 1, labels: shard("x"), pool: "dc1", apart: tablets("x") },
    "y-replica": { replicas: 2, labels: shard("y"), pool: "dc1", apart: tablets("y") },
  }, { budgets: (s) => [s.group("commerce-x", shard("x"), ["x-replica", "x-rdonly"])] });

  it("spreads a group that spans workloads as one: every tablet of the shard, none of another shard", () => {
    const objects = transform(vitess, [ZONED_POOL]);
    for (const name of ["vt-x-replica", "vt-x-rdonly"]) {
      const pod = podOf(objects, name);
      assert.deepEqual(matched(objects, pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]), ["vt-x-rdonly", "vt-x-replica"]);
      assert.equal(pod.topologySpreadConstraints.length, 1);
      assert.deepEqual(matched(objects, pod.topologySpreadConstraints[0]), ["vt-x-rdonly", "vt-x-replica"]);
    }
  });

  it("gives a disruption set its PodDisruptionBudget over exactly the set's pods", () => {
    const objects = transform(vitess, [ZONED_POOL]);
    const budgets = objects.filter((o) => o.kind === "PodDisruptionBudget") as Loose[];
    assert.deepEqual(budgets.map((b) => b.metadata.name), ["vt-commerce-x"]);
    assert.equal(budgets[0].spec.maxUnavailable, 1);
    assert.deepEqual(matched(objects, { labelSelector: budgets[0].spec.selector }), ["vt-x-rdonly", "vt-x-replica"]);
  });

  it("spreads over zones only the sets a component belongs to, and only when the pool knows zones", () => {
    assert.equal(podOf(transform(antdb, [ZONED_POOL]), "adb-dn").topologySpreadConstraints, undefined, "dn avoids ds but is not one set with it");
    assert.equal(podOf(transform(vitess), "vt-x-replica").topologySpreadConstraints, undefined);
  });

  it("rolls a Deployment whose pods are required apart without a surge pod, and leaves a preferred one as it was", () => {
    const objects = transform(syntheticCluster("web", {
      strict: { replicas: 3, kind: "Deployment", apart: (s) => [{ from: s.replicas("strict"), level: "required" }] },
      loose: { replicas: 3, kind: "Deployment", apart: (s) => [{ from: s.replicas("loose"), level: "preferred", weight: 100 }] },
    }));
    const spec = (name: string) => (objects.find((o) => o.metadata.name === name) as Loose).spec;
    assert.deepEqual(spec("web-strict").strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    assert.equal(spec("web-loose").strategy, undefined);
  });
});
