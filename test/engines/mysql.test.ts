import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { THREE_NODE_POOL, compileProject, type RenderedObject } from "../helpers.js";
import { ORDERS, ordersAt, renderMySQL } from "./orders.js";

const WAVE = "argocd.argoproj.io/sync-wave";
const wave = (o: RenderedObject) => Number(o.metadata.annotations?.[WAVE] ?? 0);
type Container = { name: string };

describe("MySQLCluster engine", () => {
  it("renders SPEC's minimal spec: a ConfigMap, three Services and one StatefulSet of 1 primary + 2 replicas, and its NetworkPolicies", async () => {
    const { all, find } = await renderMySQL();
    assert.deepEqual(all.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      "ConfigMap/orders-mysql", "NetworkPolicy/orders-default-deny", "NetworkPolicy/orders-mysql", "PodDisruptionBudget/orders-mysql",
      "Service/orders-mysql", "Service/orders-mysql-primary", "Service/orders-mysql-read", "StatefulSet/orders-mysql",
    ]);
    const set = find("StatefulSet", "orders-mysql");
    assert.equal(set.metadata.namespace, "shop");
    assert.equal(set.spec.replicas, 3);
    assert.equal(set.spec.serviceName, "orders-mysql", "pods are orders-mysql-N.orders-mysql: the primary is orders-mysql-0.orders-mysql");
    assert.deepEqual(set.spec.template.spec.initContainers.map((c: Container) => c.name), ["init-config", "clone-mysql"]);
    assert.deepEqual(set.spec.template.spec.containers.map((c: Container) => c.name), ["mysql", "xtrabackup"]);
    const claim = set.spec.volumeClaimTemplates[0];
    assert.deepEqual([claim.spec.resources.requests.storage, claim.spec.storageClassName], ["10Gi", "standard"]);
  });

  it("names stable members through a headless Service, reads through ready pods, writes through the primary", async () => {
    const { find } = await renderMySQL();
    const pods = { "app.kubernetes.io/component": "mysql", "app.kubernetes.io/instance": "orders", "app.kubernetes.io/name": "mysql" };
    const headless = find("Service", "orders-mysql");
    assert.equal(headless.spec.clusterIP, "None");
    assert.equal(headless.spec.publishNotReadyAddresses, true, "a replica finds the peer it clones from before that peer is ready");
    assert.deepEqual(headless.spec.selector, pods);
    assert.deepEqual(headless.spec.ports.map((p: { port: number }) => p.port), [3306, 3307]);
    const read = find("Service", "orders-mysql-read");
    assert.deepEqual([read.spec.type, read.spec.publishNotReadyAddresses, read.spec.selector], ["ClusterIP", undefined, pods], "not-ready pods stay out of reads");
    const primary = find("Service", "orders-mysql-primary");
    assert.deepEqual(primary.spec.selector, { ...pods, "statefulset.kubernetes.io/pod-name": "orders-mysql-0" });
    assert.deepEqual(primary.spec.ports.map((p: { port: number }) => p.port), [3306]);
  });

  it("applies the ConfigMap and the Services a wave before the StatefulSet, each wave its own Flux stage, the NetworkPolicies last", async () => {
    const { find, objects } = await renderMySQL();
    const set = wave(find("StatefulSet", "orders-mysql"));
    for (const [kind, name] of [["ConfigMap", "orders-mysql"], ["Service", "orders-mysql"], ["Service", "orders-mysql-read"], ["Service", "orders-mysql-primary"]]) {
      assert.ok(wave(find(kind!, name!)) < set, `${kind} ${name}`);
    }
    assert.equal(wave(find("PodDisruptionBudget", "orders-mysql")), set);
    const stages = [...objects.keys()].filter((f) => /^shop\/orders\/[^/]+\/kustomization\.yaml$/.test(f)).sort();
    assert.deepEqual(stages, ["shop/orders/0-setup/kustomization.yaml", "shop/orders/1-mysql/kustomization.yaml", "shop/orders/2-network/kustomization.yaml"]);
    assert.equal(wave(find("NetworkPolicy", "orders-mysql")), set + 1);
  });

  it("pairs every supported version with an XtraBackup image of its series that is not older than it may be", async () => {
    const cases: [string, string][] = [
      ["8.0.23", "percona/percona-xtrabackup:8.0.33-28"], ["8.0.33", "percona/percona-xtrabackup:8.0.33-28"],
      ["8.0.34", "percona/percona-xtrabackup:8.0.35-34"], ["8.0.36", "percona/percona-xtrabackup:8.0.35-34"], ["8.0.46", "percona/percona-xtrabackup:8.0.35-34"],
      ["8.4.0", "percona/percona-xtrabackup:8.4.0-4"], ["8.4.10", "percona/percona-xtrabackup:8.4.0-4"],
    ];
    for (const [version, xtrabackup] of cases) {
      const { container } = await renderMySQL(ordersAt(version));
      assert.deepEqual(["init-config", "clone-mysql", "mysql", "xtrabackup"].map((c) => container(c).image),
        [`mysql:${version}`, xtrabackup, `mysql:${version}`, xtrabackup], version);
    }
  });

  it("rejects a version with no known-good pairing at the version line, listing what is supported", async () => {
    for (const version of ["5.7.44", "8.0.22", "8.0", "8.1.0", "8.3.0", "9.1.0", "8.0.36a", "v8.0.36", "8.4.03", "latest"]) {
      const { diagnostics } = await compileProject({ "clusters/shop/orders.yaml": ordersAt(version) });
      assert.deepEqual(diagnostics.map((d) => [d.line, d.col, d.ruleId]), [[5, 3, "schema-value"]], version);
      assert.match(diagnostics[0]!.message, /8\.0\.23 or a later 8\.0 release, or any 8\.4 LTS release/, version);
    }
  });

  it("keeps members apart on nodes (required) and lets a drain take one at a time", async () => {
    const { find, pod } = await renderMySQL();
    const [term, ...others] = pod().affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    assert.deepEqual(others, []);
    assert.equal(term.topologyKey, "kubernetes.io/hostname");
    assert.deepEqual(term.labelSelector.matchLabels, find("StatefulSet", "orders-mysql").spec.selector.matchLabels);
    const budget = find("PodDisruptionBudget", "orders-mysql");
    assert.equal(budget.spec.maxUnavailable, 1);
    assert.deepEqual(budget.spec.selector.matchLabels, term.labelSelector.matchLabels);
  });

  it("places hostPath volumes one per member on distinct nodes", async () => {
    const spec = ORDERS.replace("storage: { size: 10Gi, storageClassName: standard }", "storage: { size: 10Gi, hostPath: { pool: dc1 } }");
    const { all } = await renderMySQL(spec, { "clusters/pool.yaml": THREE_NODE_POOL });
    const volumes = all.filter((o) => o.kind === "PersistentVolume");
    assert.deepEqual(volumes.map((v) => v.spec.claimRef.name).sort(), ["data-orders-mysql-0", "data-orders-mysql-1", "data-orders-mysql-2"]);
    const nodes = volumes.map((v) => v.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]);
    assert.equal(new Set(nodes).size, 3);
  });

  it("gives every container, init containers and the sidecar too, built-in resources that the spec and policies override", async () => {
    const { container } = await renderMySQL();
    const expected: Record<string, string[]> = {
      "init-config": ["100m", "128Mi", "200m", "128Mi"], "clone-mysql": ["100m", "256Mi", "1", "1Gi"],
      mysql: ["500m", "1Gi", "2", "4Gi"], xtrabackup: ["100m", "256Mi", "1", "1Gi"],
    };
    for (const [name, values] of Object.entries(expected)) {
      const r = container(name).resources;
      assert.deepEqual([r.requests.cpu, r.requests.memory, r.limits.cpu, r.limits.memory], values, name);
    }
    // GIVEN a policy default for the XtraBackup containers and a spec override for mysql and init-config
    const policy = `apiVersion: clusterc/v1
kind: Policy
metadata: { name: big }
spec:
  defaults:
    MySQLCluster:
      xtrabackup: { limits: { memory: 2Gi } }
      mysql: { requests: { cpu: "1" } }
`;
    const spec = ORDERS + "  resources: { requests: { memory: 2Gi }, limits: { memory: 8Gi } }\n  initConfig: { resources: { limits: { cpu: 300m } } }\n";
    const { container: c } = await renderMySQL(spec, { "policies/big.yaml": policy });
    // THEN each layer lands on its containers, value by value
    assert.equal(c("xtrabackup").resources.limits.memory, "2Gi");
    assert.equal(c("clone-mysql").resources.limits.memory, "2Gi");
    assert.deepEqual(c("mysql").resources.requests, { cpu: "1", memory: "2Gi" });
    assert.equal(c("mysql").resources.limits.memory, "8Gi");
    assert.equal(c("init-config").resources.limits.cpu, "300m");
  });

  it("reads passwords only from Secrets: root via MYSQL_ROOT_PASSWORD, the replication password from key replication-password by default", async () => {
    const { container, all } = await renderMySQL();
    const env = (c: string) => Object.fromEntries((container(c).env ?? []).map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.valueFrom ?? e.value]));
    assert.deepEqual(env("mysql"), { MYSQL_ROOT_PASSWORD: { secretKeyRef: { name: "orders-mysql", key: "root-password" } } });
    assert.deepEqual(env("xtrabackup").MYSQL_PWD, { secretKeyRef: { name: "orders-mysql", key: "root-password" } });
    assert.deepEqual(env("xtrabackup").REPLICATION_PASSWORD, { secretKeyRef: { name: "orders-mysql", key: "replication-password" } });
    const text = JSON.stringify(all);
    assert.doesNotMatch(text, /ALLOW_EMPTY_PASSWORD|skip-grant-tables|--password/);
    assert.ok(!all.some((o) => o.kind === "Secret"));
  });

  it("takes the replication password from its own secretRef or an ExternalSecret when the spec names one", async () => {
    const ref = ORDERS + "  replicationPassword: { secretRef: { name: orders-repl, key: password } }\n";
    assert.deepEqual((await renderMySQL(ref)).container("xtrabackup").env.find((e: { name: string }) => e.name === "REPLICATION_PASSWORD").valueFrom,
      { secretKeyRef: { name: "orders-repl", key: "password" } });
    const external = ORDERS.replace("rootPassword: { secretRef: { name: orders-mysql, key: root-password } }",
      "rootPassword: { externalSecret: { store: vault, remoteKey: shop/orders/root } }\n  replicationPassword: { externalSecret: { store: vault, remoteKey: shop/orders/repl } }");
    const { all, container } = await renderMySQL(external);
    const externals = all.filter((o) => o.kind === "ExternalSecret");
    assert.deepEqual(externals.map((e) => [e.metadata.name, e.spec.data[0].remoteRef.key, wave(e)]).sort(),
      [["orders-replication-password", "shop/orders/repl", -1], ["orders-root-password", "shop/orders/root", -1]]);
    assert.deepEqual(container("mysql").env[0].valueFrom, { secretKeyRef: { name: "orders-root-password", key: "value" } });
  });

  it("has no liveness probe that could kill a member in crash recovery, and no probe at all on the clone", async () => {
    const { container } = await renderMySQL();
    for (const name of ["init-config", "clone-mysql", "mysql", "xtrabackup"]) assert.equal(container(name).livenessProbe, undefined, name);
    assert.ok(container("mysql").readinessProbe.exec, "readiness is SELECT 1 (tested in mysql-scripts.test.ts)");
  });

  it("runs every container, the XtraBackup ones too, as the mysql user that owns the data", async () => {
    const { container, pod } = await renderMySQL();
    for (const name of ["init-config", "clone-mysql", "mysql", "xtrabackup"]) {
      const context = container(name).securityContext;
      assert.deepEqual([context.runAsUser, context.runAsGroup, context.runAsNonRoot], [999, 999, true], name);
    }
    assert.equal(pod().securityContext.fsGroup, 999, "the claimed volume is the mysql group's");
  });

  it("passes the example fleet's policies: images from docker.io, pinned, every request at least 100m / 128Mi", async () => {
    const { diagnostics } = await compileProject({
      "clusters/shop/orders.yaml": ORDERS,
      "policies/00-baseline.yaml": "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: baseline }\nspec:\n  rules:\n    images: { allowedRegistries: [docker.io], forbidTags: [latest] }\n    resources: { min: { cpu: 100m, memory: 128Mi } }\n",
    });
    assert.deepEqual(diagnostics, []);
  });
});
