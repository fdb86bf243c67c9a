import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unsafePathReason } from "../../compiler/placement/plan.js";
import { compileProject, type RenderedObject, reported } from "../helpers.js";

const POOL = `apiVersion: clusterc/v1
kind: HostPathPool
metadata: { name: dc1 }
spec:
  nodes:
    - { name: n1, zone: z1, directories: [{ path: /data/pv/a, capacity: 100Gi }, { path: /data/pv/b, capacity: 20Gi }] }
    - { name: n2, zone: z2, directories: [{ path: /data/pv/a, capacity: 100Gi }, { path: /data/pv/b, capacity: 20Gi }] }
    - { name: n3, zone: z3, directories: [{ path: /data/pv/a, capacity: 100Gi }, { path: /data/pv/b, capacity: 20Gi }] }
`;

const cluster = (name: string) => `apiVersion: clusterc/v1
kind: TiDBCluster
metadata: { name: ${name} }
spec:
  version: v7.5.1
  pd:   { replicas: 3, storage: { size: 10Gi, hostPath: { pool: dc1 } } }
  tikv: { replicas: 3, storage: { size: 50Gi, hostPath: { pool: dc1 } } }
  rootPassword: { secretRef: { name: root, key: password } }
`;

function volumes(objects: Map<string, RenderedObject>): RenderedObject[] {
  return [...objects.values()].filter((o) => o.kind === "PersistentVolume");
}

describe("hostPath layout", () => {
  it("gives each replica one Retain volume, pinned to its node and pre-bound to the claim its StatefulSet creates", async () => {
    const { objects, diagnostics } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": cluster("endgame") });
    assert.deepEqual(reported(diagnostics), []);
    const pvs = volumes(objects);
    assert.equal(pvs.length, 6);
    for (const [component, size] of [["pd", "10Gi"], ["tikv", "50Gi"]] as const) {
      const statefulSet = [...objects.values()].find((o) => o.kind === "StatefulSet" && o.metadata.name === `endgame-${component}`)!;
      const template = statefulSet.spec.volumeClaimTemplates[0];
      assert.equal(template.spec.storageClassName, "", "the claim binds to the pre-bound volume, not a default class");
      const claims = [0, 1, 2].map((i) => `${template.metadata.name}-endgame-${component}-${i}`);
      const mine = pvs.filter((pv) => claims.includes(pv.spec.claimRef.name));
      assert.equal(mine.length, 3);
      for (const pv of mine) {
        assert.equal(pv.spec.claimRef.namespace, "endgame");
        assert.equal(pv.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.equal(pv.spec.capacity.storage, size);
        assert.deepEqual(pv.spec.accessModes, template.spec.accessModes);
        const term = pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0];
        assert.equal(term.key, "kubernetes.io/hostname");
      }
      const nodes = mine.map((pv) => pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]);
      assert.equal(new Set(nodes).size, 3, `${component} replicas on distinct nodes`);
    }
  });

  it("shares a pool between clusters without ever sharing a directory", async () => {
    const roomForTwo = POOL.replaceAll("capacity: 20Gi }]", "capacity: 20Gi }, { path: /data/pv/c, capacity: 100Gi }, { path: /data/pv/d, capacity: 20Gi }]");
    const { objects, diagnostics } = await compileProject({
      "clusters/pool.yaml": roomForTwo, "clusters/a.yaml": cluster("alpha"), "clusters/b.yaml": cluster("beta"),
    });
    assert.deepEqual(reported(diagnostics), []);
    const places = volumes(objects).map((pv) => `${pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}:${pv.spec.hostPath.path}`);
    assert.equal(places.length, 12);
    assert.equal(new Set(places).size, 12);
  });

  it("reports a pool that is full once other clusters took their directories", async () => {
    const { diagnostics } = await compileProject({
      "clusters/pool.yaml": POOL, "clusters/a.yaml": cluster("alpha"), "clusters/b.yaml": cluster("beta"),
    });
    // alpha, first by name, takes all six directories; beta's two components find no room
    const errors = reported(diagnostics);
    assert.deepEqual(errors.map((d) => `${d.file}:${d.line} ${d.ruleId}`), ["clusters/b.yaml:6 hostpath-layout", "clusters/b.yaml:7 hostpath-layout"]);
    assert.match(errors[1]!.message, /^tikv: 3 replicas must be on distinct nodes but pool dc1 has 0 node\(s\) with a free directory of 50Gi or more;/);
  });

  it("protects volumes and claims from Argo CD and Flux pruning", async () => {
    const { objects } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": cluster("endgame") });
    const protectedObjects = [
      ...volumes(objects).map((pv) => pv.metadata.annotations),
      ...[...objects.values()].filter((o) => o.kind === "StatefulSet").map((s) => s.spec.volumeClaimTemplates[0].metadata.annotations),
    ];
    assert.equal(protectedObjects.length, 8);
    for (const annotations of protectedObjects) {
      assert.equal(annotations["argocd.argoproj.io/sync-options"], "Prune=false,Delete=false");
      assert.equal(annotations["kustomize.toolkit.fluxcd.io/prune"], "disabled");
    }
  });

  describe("path safety", () => {
    const unsafe = ["/", "/etc", "/etc/kubernetes", "/proc/1", "/sys", "/dev/sda", "/var/run/docker.sock", "/var/lib/kubelet/pods", "relative/dir", "/data/../etc", "/data//pv", "/data/pv/"];
    for (const directory of unsafe) {
      it(`rejects ${directory}`, () => assert.ok(unsafePathReason(directory)));
    }
    for (const directory of ["/data/pv/disk1", "/mnt/disks/ssd0", "/var/lib/clusterc/pv", "/etcd-data"]) {
      it(`accepts ${directory}`, () => assert.equal(unsafePathReason(directory), undefined));
    }
  });
});
