import assert from "node:assert/strict";
import { THREE_NODE_POOL, compileProject, reported, type RenderedObject } from "../helpers.js";

/** The seed article's cluster: PD and TiKV on local disks, TiDB behind a NodePort Service. */
export const ENDGAME = `apiVersion: clusterc/v1
kind: TiDBCluster
metadata: { name: endgame, namespace: db }
spec:
  version: v7.5.1
  pd:   { replicas: 3, storage: { size: 10Gi, hostPath: { pool: dc1 } } }
  tikv:
    replicas: 3
    storage: { size: 100Gi, hostPath: { pool: dc1 } }
    resources: { limits: { memory: 24Gi } }
  tidb: { replicas: 2, service: { type: NodePort, nodePorts: { mysql: 31279 } } }
  rootPassword: { secretRef: { name: endgame-root, key: password } }
`;

/** ENDGAME rendered in a throw-away project: every object, a finder, and the cluster's own objects. */
export async function renderEndgame() {
  const { objects, diagnostics } = await compileProject({ "clusters/pool.yaml": THREE_NODE_POOL, "clusters/prod/endgame.yaml": ENDGAME });
  // lint's notes say which pods meet baseline only (the hostPath ownership step); nothing else is reported
  assert.deepEqual(reported(diagnostics), []);
  const find = (kind: string, name: string): RenderedObject => {
    const found = [...objects.values()].find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name} is rendered`);
    return found;
  };
  const clusterObjects = [...objects.entries()].filter(([f]) => f.startsWith("prod/endgame/") && !f.endsWith("kustomization.yaml"));
  return { objects, find, all: clusterObjects.map(([, o]) => o) };
}
