import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { THREE_NODE_POOL as POOL, compileProject, type RenderedObject } from "../helpers.js";


/** The seed article's cluster: PD and TiKV on local disks, TiDB behind a NodePort Service. */
const ENDGAME = `apiVersion: clusterc/v1
kind: TiDBCluster
metadata: { name: endgame, namespace: db }
spec:
  version: v7.5.1
  pd:   { replicas: 3, storage: { size: 10Gi, hostPath: { pool: dc1 } } }
  tikv:
    replicas: 3
    storage: { size: 100Gi, hostPath: { pool: dc1 } }
    resources: { limits: { memory: 24Gi } }
  tidb: { replicas: 2, service: { type: NodePort, nodePorts: { mysql: 31279, status: 30842 } } }
  rootPassword: { secretRef: { name: endgame-root, key: password } }
`;

async function renderEndgame() {
  const { objects, diagnostics } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/prod/endgame.yaml": ENDGAME });
  assert.deepEqual(diagnostics, []);
  const find = (kind: string, name: string): RenderedObject => {
    const found = [...objects.values()].find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name} is rendered`);
    return found;
  };
  const clusterObjects = [...objects.entries()].filter(([f]) => f.startsWith("prod/endgame/") && !f.endsWith("kustomization.yaml"));
  return { objects, find, all: clusterObjects.map(([, o]) => o) };
}

function containers(object: RenderedObject): { name: string; image: string; command?: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[]; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; readinessProbe?: unknown; livenessProbe?: unknown }[] {
  const pod = object.spec?.template?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

function script(object: RenderedObject): string {
  return containers(object)[0]!.command!.join(" ");
}

describe("TiDBCluster engine", () => {
  it("renders PD as a StatefulSet with a headless peer Service and a client Service (seed: pd-peer, pd)", async () => {
    const { find } = await renderEndgame();
    const peer = find("Service", "endgame-pd-peer");
    assert.equal(peer.spec.clusterIP, "None");
    assert.equal(peer.spec.publishNotReadyAddresses, true, "peers resolve each other before they are ready");
    assert.deepEqual(peer.spec.ports.map((p: { port: number }) => p.port).sort(), [2379, 2380]);
    const client = find("Service", "endgame-pd");
    assert.deepEqual(client.spec.ports.map((p: { port: number }) => p.port), [2379]);
    const pd = find("StatefulSet", "endgame-pd");
    assert.equal(pd.spec.serviceName, "endgame-pd-peer");
    assert.equal(pd.spec.replicas, 3);
    assert.equal(pd.spec.podManagementPolicy, "Parallel", "quorum members must start together");
    assert.equal(pd.metadata.namespace, "db");
  });

  it("bootstraps PD with a fixed --initial-cluster and lets later members --join", async () => {
    const { find } = await renderEndgame();
    const pd = find("StatefulSet", "endgame-pd");
    const text = script(pd);
    assert.match(text, /--initial-cluster=\$\{peers\}/);
    assert.match(text, /\$\{SET_NAME\}-\$\{i\}=http:\/\/\$\{SET_NAME\}-\$\{i\}\.\$\{PEER_SERVICE\}\.\$\{NAMESPACE\}\.svc:2380/);
    assert.match(text, /--join=http:\/\/\$\{CLIENT_SERVICE\}:2379/);
    assert.match(text, /if \[ -d "\$\{data_dir\}\/member" \]/, "a restarted member starts from its data");
    const env = Object.fromEntries(containers(pd)[0]!.env!.map((e) => [e.name, e.value]));
    assert.equal(env.INITIAL_CLUSTER_SIZE, "3");
    assert.equal(env.SET_NAME, "endgame-pd");
    assert.equal(env.PEER_SERVICE, "endgame-pd-peer");
    assert.equal(env.CLIENT_SERVICE, "endgame-pd.db.svc");
  });

  it("renders TiKV with its peer Service (20160, 20180) pointed at the PD client Service", async () => {
    const { find } = await renderEndgame();
    const peer = find("Service", "endgame-tikv-peer");
    assert.equal(peer.spec.clusterIP, "None");
    assert.equal(peer.spec.publishNotReadyAddresses, true);
    assert.deepEqual(peer.spec.ports.map((p: { port: number }) => p.port), [20160, 20180]);
    const tikv = find("StatefulSet", "endgame-tikv");
    assert.match(script(tikv), /--pd="\$\{PD_ADDRESS\}"/);
    assert.equal(containers(tikv)[0]!.env!.find((e) => e.name === "PD_ADDRESS")!.value, "endgame-pd.db.svc:2379");
  });

  it("renders TiDB as a Deployment behind the requested Service type with ports 4000 and 10080", async () => {
    const { find } = await renderEndgame();
    const service = find("Service", "endgame-tidb");
    assert.equal(service.spec.type, "NodePort");
    assert.deepEqual(service.spec.ports.map((p: { port: number; nodePort: number }) => [p.port, p.nodePort]), [[4000, 31279], [10080, 30842]]);
    const tidb = find("Deployment", "endgame-tidb");
    assert.equal(tidb.spec.replicas, 2);
    assert.match(script(tidb), /--store=tikv/);
    assert.match(script(tidb), /--path="\$\{PD_ADDRESS\}"/);
  });

  it("renders TiDB as a StatefulSet with a peer Service when asked", async () => {
    const spec = ENDGAME.replace("tidb: { replicas: 2,", "tidb: { replicas: 2, workload: StatefulSet,");
    const { objects, diagnostics } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": spec });
    assert.deepEqual(diagnostics, []);
    const kinds = [...objects.values()].filter((o) => o.metadata?.name.startsWith("endgame-tidb")).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, ["Job/endgame-tidb-init", "Service/endgame-tidb", "Service/endgame-tidb-peer", "StatefulSet/endgame-tidb"]);
  });

  it("starts PD, then TiKV, then TiDB (Argo CD sync waves) and sets the password after all (PostSync)", async () => {
    const { find } = await renderEndgame();
    const wave = (o: RenderedObject) => Number(o.metadata.annotations!["argocd.argoproj.io/sync-wave"]);
    assert.ok(wave(find("StatefulSet", "endgame-pd")) < wave(find("StatefulSet", "endgame-tikv")));
    assert.ok(wave(find("StatefulSet", "endgame-tikv")) < wave(find("Deployment", "endgame-tidb")));
    const job = find("Job", "endgame-tidb-init");
    assert.equal(job.metadata.annotations!["argocd.argoproj.io/hook"], "PostSync");
    assert.equal(job.metadata.annotations!["argocd.argoproj.io/hook-delete-policy"], "BeforeHookCreation");
  });

  it("sets the root password from the Secret through secretKeyRef, idempotently, never as a literal or ConfigMap", async () => {
    const { find, all } = await renderEndgame();
    const job = find("Job", "endgame-tidb-init");
    const password = containers(job)[0]!.env!.find((e) => e.name === "ROOT_PASSWORD")!;
    assert.deepEqual(password.valueFrom, { secretKeyRef: { name: "endgame-root", key: "password" } });
    assert.equal(password.value, undefined);
    assert.match(script(job), /root password is already set/, "a second run exits without changing anything");
    assert.ok(!all.some((o) => o.kind === "ConfigMap" || o.kind === "Secret"));
  });

  it("renders an ExternalSecret when the password comes from an external store", async () => {
    const spec = ENDGAME.replace("rootPassword: { secretRef: { name: endgame-root, key: password } }",
      "rootPassword: { externalSecret: { store: vault, remoteKey: db/endgame/root } }");
    const { objects } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": spec });
    const external = [...objects.values()].find((o) => o.kind === "ExternalSecret")!;
    assert.equal(external.spec.target.name, "endgame-root-password");
    assert.deepEqual(external.spec.secretStoreRef, { name: "vault", kind: "ClusterSecretStore" });
    assert.equal(external.spec.data[0].remoteRef.key, "db/endgame/root");
    const job = [...objects.values()].find((o) => o.kind === "Job")!;
    const env = containers(job)[0]!.env!.find((e) => e.name === "ROOT_PASSWORD")!;
    assert.deepEqual(env.valueFrom, { secretKeyRef: { name: "endgame-root-password", key: external.spec.data[0].secretKey } });
  });

  it("pins every image to spec.version (the seed's `latest` client image is gone)", async () => {
    const { all } = await renderEndgame();
    const images = all.flatMap((o) => containers(o).map((c) => c.image)).sort();
    assert.deepEqual([...new Set(images)], ["mysql:8.0.36", "pingcap/pd:v7.5.1", "pingcap/tidb:v7.5.1", "pingcap/tikv:v7.5.1"]);
  });

  it("gives every long-running container readiness and liveness probes", async () => {
    const { all } = await renderEndgame();
    for (const object of all.filter((o) => o.kind === "StatefulSet" || o.kind === "Deployment")) {
      for (const container of containers(object)) {
        assert.ok(container.readinessProbe && container.livenessProbe, `${object.metadata.name}/${container.name}`);
      }
    }
  });

  it("gives every container requests and limits; spec values override the built-in ones", async () => {
    const { all, find } = await renderEndgame();
    for (const object of all) {
      for (const container of containers(object)) {
        for (const key of ["requests", "limits"] as const) {
          assert.ok(container.resources?.[key]?.cpu && container.resources[key].memory, `${object.metadata.name}/${container.name} ${key}`);
        }
      }
    }
    const tikv = containers(find("StatefulSet", "endgame-tikv"))[0]!;
    assert.equal(tikv.resources!.limits!.memory, "24Gi");
    assert.equal(tikv.resources!.requests!.memory, "4Gi", "built-in request stays where the spec is silent");
  });

  it("requires PD and TiKV replicas on distinct nodes, prefers it for TiDB, and budgets quorum disruptions", async () => {
    const { find, all } = await renderEndgame();
    for (const name of ["endgame-pd", "endgame-tikv"]) {
      const terms = find("StatefulSet", name).spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
      assert.equal(terms[0].topologyKey, "kubernetes.io/hostname");
      assert.deepEqual(terms[0].labelSelector.matchLabels, find("StatefulSet", name).spec.selector.matchLabels);
      assert.equal(find("PodDisruptionBudget", name).spec.maxUnavailable, 1);
    }
    const tidb = find("Deployment", "endgame-tidb").spec.template.spec.affinity.podAntiAffinity;
    assert.equal(tidb.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
    assert.ok(!all.some((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === "endgame-tidb"));
  });

  it("labels every object with name, instance, component and managed-by", async () => {
    const { all } = await renderEndgame();
    for (const object of all) {
      const labels = object.metadata.labels!;
      assert.equal(labels["app.kubernetes.io/name"], "tidb");
      assert.equal(labels["app.kubernetes.io/instance"], "endgame");
      assert.match(labels["app.kubernetes.io/component"]!, /^(pd|tikv|tidb|init)$/);
      assert.equal(labels["app.kubernetes.io/managed-by"], "clusterc");
    }
  });

  it("uses the StorageClass when the spec names one", async () => {
    const spec = ENDGAME.replace("hostPath: { pool: dc1 } } }\n  tikv", "storageClassName: fast } }\n  tikv");
    const { objects } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": spec });
    const pd = [...objects.values()].find((o) => o.kind === "StatefulSet" && o.metadata.name === "endgame-pd")!;
    assert.equal(pd.spec.volumeClaimTemplates[0].spec.storageClassName, "fast");
    assert.ok(![...objects.values()].some((o) => o.kind === "PersistentVolume" && o.spec.claimRef.name.includes("-pd-")));
  });
});
