import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tikvCapacity } from "../../compiler/engines/tidb.js";
import { THREE_NODE_POOL as POOL, compileProject, runCli, tempProject, type RenderedObject, reported } from "../helpers.js";
import { ENDGAME, renderEndgame } from "./endgame.js";

function containers(object: RenderedObject): { name: string; image: string; command?: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[]; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; readinessProbe?: any; livenessProbe?: unknown; startupProbe?: unknown; lifecycle?: any; volumeMounts?: { name: string; mountPath: string }[] }[] {
  const pod = object.spec?.template?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/** The container that runs the component's process: the pod's first, after any init containers. */
function mainContainer(object: RenderedObject): ReturnType<typeof containers>[number] {
  const pod = object.spec?.template?.spec;
  return containers(object)[pod?.initContainers?.length ?? 0]!;
}

function script(object: RenderedObject): string {
  return mainContainer(object).command!.join(" ");
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

  it("tells every PD member the bootstrap set: its size and the names its members have", async () => {
    const { find } = await renderEndgame();
    const env = Object.fromEntries(mainContainer(find("StatefulSet", "endgame-pd")).env!.map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.INITIAL_CLUSTER_SIZE, "3");
    assert.equal(env.SET_NAME, "endgame-pd");
    assert.equal(env.PEER_SERVICE, "endgame-pd-peer");
    assert.equal(env.CLIENT_SERVICE, "endgame-pd.db.svc");
    assert.deepEqual(env.POD_NAME, { fieldRef: { fieldPath: "metadata.name" } }, "the member name is the pod's, from the API, not the runtime's HOSTNAME");
  });

  it("renders TiKV with its peer Service (20160, 20180) pointed at the PD client Service", async () => {
    const { find } = await renderEndgame();
    const peer = find("Service", "endgame-tikv-peer");
    assert.equal(peer.spec.clusterIP, "None");
    assert.equal(peer.spec.publishNotReadyAddresses, true);
    assert.deepEqual(peer.spec.ports.map((p: { port: number }) => p.port), [20160, 20180]);
    const tikv = find("StatefulSet", "endgame-tikv");
    assert.match(script(tikv), /--pd="\$\{PD_ADDRESS\}"/);
    assert.equal(mainContainer(tikv).env!.find((e) => e.name === "PD_ADDRESS")!.value, "endgame-pd.db.svc:2379");
  });

  it("renders TiDB as a Deployment behind the requested Service type; a NodePort Service carries 4000 only", async () => {
    const { find } = await renderEndgame();
    const service = find("Service", "endgame-tidb");
    assert.equal(service.spec.type, "NodePort");
    assert.deepEqual(service.spec.ports.map((p: { port: number; nodePort: number }) => [p.port, p.nodePort]), [[4000, 31279]], "the unauthenticated status API stays off node ports");
    const tidb = find("Deployment", "endgame-tidb");
    assert.equal(tidb.spec.replicas, 2);
    assert.match(script(tidb), /--store=tikv/);
    assert.match(script(tidb), /--path="\$\{PD_ADDRESS\}"/);
  });

  it("renders TiDB as a StatefulSet with a peer Service when asked", async () => {
    const spec = ENDGAME.replace("tidb: { replicas: 2,", "tidb: { replicas: 2, workload: StatefulSet,");
    const { objects, diagnostics } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": spec });
    assert.deepEqual(reported(diagnostics), []);
    const kinds = [...objects.values()].filter((o) => o.metadata?.name.startsWith("endgame-tidb")).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, ["Job/endgame-tidb-init", "NetworkPolicy/endgame-tidb", "Service/endgame-tidb", "Service/endgame-tidb-peer", "StatefulSet/endgame-tidb"]);
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

  it("sets the root password from the Secret through secretKeyRef, never as a literal or ConfigMap; access denied fails the Job at once", async () => {
    const { find, all } = await renderEndgame();
    const job = find("Job", "endgame-tidb-init");
    const password = mainContainer(job).env!.find((e) => e.name === "ROOT_PASSWORD")!;
    assert.deepEqual(password.valueFrom, { secretKeyRef: { name: "endgame-root", key: "password" } });
    assert.equal(password.value, undefined);
    assert.ok(!all.some((o) => o.kind === "Secret"));
    assert.ok(all.filter((o) => o.kind === "ConfigMap").every((o) => !/password|IDENTIFIED/i.test(JSON.stringify(o.data))), "a ConfigMap mentions the password");
    assert.equal(job.spec.template.spec.restartPolicy, "Never", "a pod failure policy needs restartPolicy Never");
    assert.deepEqual(job.spec.podFailurePolicy.rules, [{ action: "FailJob", onExitCodes: { containerName: "set-root-password", operator: "In", values: [3] } }]);
  });

  it("renders an ExternalSecret when the password comes from an external store", async () => {
    const spec = ENDGAME.replace("rootPassword: { secretRef: { name: endgame-root, key: password } }",
      "rootPassword: { externalSecret: { store: vault, remoteKey: db/endgame/root } }");
    const { objects } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": spec });
    const external = [...objects.values()].find((o) => o.kind === "ExternalSecret")!;
    assert.equal(external.spec.target.name, "endgame-root-password");
    assert.deepEqual(external.spec.secretStoreRef, { name: "vault", kind: "ClusterSecretStore" });
    assert.equal(external.apiVersion, "external-secrets.io/v1");
    // the read strategies spelled out at the values ESO 0.16-2.8 default them to, so the stored object is the rendered one (no Argo CD OutOfSync)
    assert.deepEqual(external.spec.data[0].remoteRef, { key: "db/endgame/root", conversionStrategy: "Default", decodingStrategy: "None", metadataPolicy: "None" });
    assert.equal([...objects.values()].filter((o) => o.kind === "ExternalSecret").length, 1, "one ExternalSecret, read by TiDB and the Job");
    for (const kind of ["Job", "Deployment"]) {
      const object = [...objects.values()].find((o) => o.kind === kind)!;
      const env = mainContainer(object).env!.find((e) => e.name === "ROOT_PASSWORD")!;
      assert.deepEqual(env.valueFrom, { secretKeyRef: { name: "endgame-root-password", key: external.spec.data[0].secretKey } }, kind);
    }
  });

  it("pins every image to spec.version (the seed's `latest` client image is gone)", async () => {
    const { all } = await renderEndgame();
    const images = all.flatMap((o) => containers(o).map((c) => c.image)).sort();
    assert.deepEqual([...new Set(images)], ["mysql:8.0.36", "pingcap/pd:v7.5.1", "pingcap/tidb:v7.5.1", "pingcap/tikv:v7.5.1"]);
  });

  it("never lets a liveness probe kill a recovering member; readiness is each server's status API", async () => {
    const { find, all } = await renderEndgame();
    for (const object of all.filter((o) => o.kind === "StatefulSet" || o.kind === "Deployment")) {
      for (const container of containers(object)) assert.equal(container.livenessProbe, undefined, `${object.metadata.name}/${container.name}`);
    }
    const readiness = (kind: string, name: string) => mainContainer(find(kind, name)).readinessProbe.httpGet;
    assert.deepEqual(readiness("StatefulSet", "endgame-pd"), { path: "/pd/api/v1/health", port: 2379 });
    assert.deepEqual(readiness("StatefulSet", "endgame-tikv"), { path: "/status", port: 20180 });
    assert.deepEqual(readiness("Deployment", "endgame-tidb"), { path: "/status", port: 10080 });
  });

  it("stops TiDB gracefully: Services drop the pod before tidb-server closes its connections", async () => {
    const { find } = await renderEndgame();
    const pod = find("Deployment", "endgame-tidb").spec.template.spec;
    assert.deepEqual(pod.containers[0].lifecycle.preStop.exec.command, ["/bin/sh", "-c", "sleep 10"]);
    assert.equal(pod.terminationGracePeriodSeconds, 30, "10 s preStop + 15 s for open transactions + 5 s");
    assert.ok(mainContainer(find("StatefulSet", "endgame-pd")).lifecycle.preStop.exec, "PD hands on leadership before it stops");
  });

  it("gives TiDB the root password from the Secret for its initialize-sql-file, through an in-memory volume", async () => {
    const { find, all } = await renderEndgame();
    const tidb = find("Deployment", "endgame-tidb");
    const container = mainContainer(tidb);
    assert.deepEqual(container.env!.find((e) => e.name === "ROOT_PASSWORD")!.valueFrom, { secretKeyRef: { name: "endgame-root", key: "password" } });
    const mount = container.volumeMounts!.find((m) => m.mountPath === "/tidb-init")!;
    const volume = tidb.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    assert.equal(volume.emptyDir.medium, "Memory", "the SQL file with the password never reaches the node's disk");
    assert.ok(!all.some((o) => o.kind === "Secret"));
    assert.ok(all.filter((o) => o.kind === "ConfigMap").every((o) => !/password|IDENTIFIED/i.test(JSON.stringify(o.data))), "a ConfigMap mentions the password");
  });

  it("gives each TiKV store its volume's size as --capacity, converted exactly to TiKV's binary units", () => {
    const cases: [string, string][] = [
      ["100Gi", "100GB"], ["1Ti", "1TB"], ["1536Mi", "1536MB"], ["1.5Gi", "1536MB"],
      ["100G", "97656250KB"], ["1000", "1000"], ["1e3", "1000"], ["2Pi", "2PB"], ["0.5Ki", "512"],
    ];
    for (const [size, capacity] of cases) assert.equal(tikvCapacity(size), capacity, size);
  });

  it("writes apiVersion and kind on claim templates, as the API server returns them (argo-cd#11143)", async () => {
    const { find } = await renderEndgame();
    for (const name of ["endgame-pd", "endgame-tikv"]) {
      const [claim] = find("StatefulSet", name).spec.volumeClaimTemplates;
      assert.deepEqual([claim.apiVersion, claim.kind], ["v1", "PersistentVolumeClaim"], name);
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
    const tikv = mainContainer(find("StatefulSet", "endgame-tikv"));
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
      assert.match(labels["app.kubernetes.io/component"]!, /^(pd|tikv|tidb|init|network)$/);
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

  it("rejects a TiDB release without initialize-sql-file at the version line, naming the supported range", async () => {
    const project = await tempProject({ "clusters/pool.yaml": POOL, "clusters/prod/endgame.yaml": ENDGAME.replace("version: v7.5.1", "version: v6.5.0") });
    try {
      const { code, stdout, stderr } = await runCli(["lint"], project.root);
      assert.equal(code, 1);
      assert.match(stdout + stderr, /^clusters\/prod\/endgame\.yaml:5:3: error schema-value spec\.version: must be v6\.5\.1 or later: .*initialize-sql-file/m);
    } finally {
      await project.cleanup();
    }
    for (const version of ["v6.5.1", "v6.6.0", "v7.1.0", "v10.0.0"]) {
      const { diagnostics } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/e.yaml": ENDGAME.replace("version: v7.5.1", `version: ${version}`) });
      assert.deepEqual(reported(diagnostics), [], version);
    }
  });

  it("rejects nodePorts.status at its line and says why: the status API is unauthenticated", async () => {
    const spec = ENDGAME.replace("nodePorts: { mysql: 31279 }", "nodePorts: { mysql: 31279, status: 30842 }");
    const project = await tempProject({ "clusters/pool.yaml": POOL, "clusters/prod/endgame.yaml": spec });
    try {
      const { code, stdout, stderr } = await runCli(["lint"], project.root);
      assert.equal(code, 1);
      assert.match(stdout + stderr, /^clusters\/prod\/endgame\.yaml:11:78: error schema-value spec\.tidb\.service\.nodePorts\.status: .*unauthenticated.*remove nodePorts\.status/m);
    } finally {
      await project.cleanup();
    }
  });

  it("keeps the status port on a ClusterIP TiDB Service, inside the cluster", async () => {
    const spec = ENDGAME.replace("service: { type: NodePort, nodePorts: { mysql: 31279 } }", "service: { type: ClusterIP }");
    const { objects } = await compileProject({ "clusters/pool.yaml": POOL, "clusters/endgame.yaml": spec });
    const service = [...objects.values()].find((o) => o.kind === "Service" && o.metadata.name === "endgame-tidb")!;
    assert.deepEqual(service.spec.ports.map((p: { port: number }) => p.port), [4000, 10080]);
  });
});
