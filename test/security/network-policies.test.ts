import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { THREE_NODE_POOL, compileProject, tidbSpec, type RenderedObject } from "../helpers.js";
import { ADB, pool } from "../engines/adb.js";
import { allows, matchesSelector, type Destination, type Source } from "./network-policy-eval.js";

/** The seed article's cluster in namespace db: TiDB behind a ClusterIP Service unless a test says otherwise. */
const SPEC = `  version: v7.5.1
  pd:   { replicas: 3, storage: { size: 10Gi, hostPath: { pool: dc1 } } }
  tikv: { replicas: 3, storage: { size: 100Gi, hostPath: { pool: dc1 } } }
  tidb: { replicas: 2 }
  rootPassword: { secretRef: { name: endgame-root, key: password } }
`;

function clusterDoc(name: string, spec: string, namespace = "db"): string {
  return tidbSpec(name, spec).replace(`metadata: { name: ${name} }`, `metadata: { name: ${name}, namespace: ${namespace} }`);
}

interface Pod extends Destination {
  workload: RenderedObject;
}

async function render(files: Record<string, string>) {
  const { objects, diagnostics } = await compileProject({ "clusters/pool.yaml": THREE_NODE_POOL, ...files });
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  const all = [...objects.values()];
  const policies = all.filter((o) => o.kind === "NetworkPolicy");
  const pods: Pod[] = all.filter((o) => o.spec?.template?.spec).map((workload) => ({
    workload,
    namespace: workload.metadata.namespace!,
    labels: workload.spec.template.metadata.labels,
    ports: workload.spec.template.spec.containers.flatMap((c: { ports?: Destination["ports"] }) => c.ports ?? []),
  }));
  return { all, policies, pods };
}

const asSource = (pod: Pod): Source => ({ kind: "pod", namespace: pod.namespace, namespaceLabels: { "kubernetes.io/metadata.name": pod.namespace }, labels: pod.labels });
const component = (pod: Pod) => pod.labels["app.kubernetes.io/component"]!;

/** Every (pod, port) a connection could aim at: each container port of each rendered pod. */
function targets(pods: readonly Pod[]): { pod: Pod; port: number }[] {
  return pods.flatMap((pod) => pod.ports.map((p) => ({ pod, port: p.containerPort })));
}

type Connection = { from: Pod; to: Pod; port: number; via: string };
type ScriptedContainer = {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  lifecycle?: { postStart?: { exec?: { command?: string[] } }; preStop?: { exec?: { command?: string[] } } };
};

/**
 * The connections a container's start script and environment make, read from the rendered objects,
 * init containers included: after putting in its env values and the script's own `name="value"`
 * assignments, every `<service>.<namespace>.svc:<port>` it names (an advertised address is what
 * others dial, not this container), a `--host=<service> --port=<n>` pair, each resolved through the
 * Service to the pods it selects and the target port; and every StatefulSet pod address
 * `<set>-<ordinal>.<service>.<namespace>.svc:<port>` (any ordinal expression, such as
 * `$((ordinal - 1))`) or `SOURCE_HOST = '<pod address>', SOURCE_PORT = <n>` (the replication source a
 * sidecar hands to mysqld in its pod), resolved to that StatefulSet's pods and the container port.
 * Addresses on 127.0.0.1 stay inside the pod, where no NetworkPolicy applies.
 */
function scriptedConnections(all: readonly RenderedObject[], pods: readonly Pod[]): Connection[] {
  const services = all.filter((o) => o.kind === "Service");
  return pods.flatMap((from) => [...from.workload.spec.template.spec.initContainers ?? [], ...from.workload.spec.template.spec.containers].flatMap((container: ScriptedContainer) => {
    const env = new Map((container.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace" ? from.namespace : undefined)]));
    const expand = (value: string) => value.replace(/\$\{(\w+)\}/g, (whole, name: string) => env.get(name) ?? whole);
    for (const [, name, value] of (container.command ?? []).join("\n").matchAll(/^\s*(\w+)="([^"]*)"$/gm)) {
      if (!env.has(name!)) env.set(name!, expand(value!));
    }
    // What the container runs: its command and its lifecycle hooks (they run in the container, so connect from its pod).
    const hooks = [container.lifecycle?.postStart, container.lifecycle?.preStop].flatMap((hook) => hook?.exec?.command ?? []);
    const text = expand([...(container.command ?? []), ...hooks, ...[...env.values()].filter((v) => v !== undefined)].join("\n"))
      .replace(/SOURCE_HOST = '([^']+)', SOURCE_PORT = (\d+)/g, "$1:$2");
    const podAddress = /([a-z0-9-]+)-(?:\d+|\$\(\([^)]*\)\))\.([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)/g;
    const lines = text.split("\n").filter((line) => !line.includes("--advertise"));
    const toPods = lines.flatMap((line) => [...line.matchAll(podAddress)]).flatMap(([address, set, service, namespace, port]): Connection[] => {
      const targets = pods.filter((to) => to.namespace === namespace && to.workload.kind === "StatefulSet" && to.workload.metadata.name === set);
      assert.equal(targets.length, 1, `${from.workload.metadata.name}/${container.name} dials ${address}: a pod of StatefulSet ${set}, which is rendered`);
      const to = targets[0]!;
      assert.equal(to.workload.spec.serviceName, service, `${address} names ${set}'s pods through its governing Service`);
      assert.ok(services.some((s) => s.metadata.name === service && s.metadata.namespace === namespace && s.spec.clusterIP === "None"), `${service} is a rendered headless Service`);
      assert.ok(to.ports.some((p) => p.containerPort === Number(port)), `${set}'s pods serve ${port}`);
      return [{ from, to, port: Number(port), via: `${container.name}: ${address}` }];
    });
    const addresses = lines.map((line) => line.replace(podAddress, "")).flatMap((line) => [
      ...[...line.matchAll(/([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)/g)].map((m) => ({ service: m[1]!, namespace: m[2]!, port: Number(m[3]) })),
      ...[...line.matchAll(/--host="?([a-z0-9-]+)\.([a-z0-9-]+)\.svc"?\s+--port=(\d+)/g)].map((m) => ({ service: m[1]!, namespace: m[2]!, port: Number(m[3]) })),
      // psql's form: -h <host> -p <port>
      ...[...line.matchAll(/-h "?([a-z0-9-]+)\.([a-z0-9-]+)\.svc"?\s+-p (\d+)/g)].map((m) => ({ service: m[1]!, namespace: m[2]!, port: Number(m[3]) })),
    ]);
    return [...toPods, ...addresses.flatMap(({ service, namespace, port }) => {
      const svc = services.find((s) => s.metadata.name === service && s.metadata.namespace === namespace);
      assert.ok(svc, `${from.workload.metadata.name} dials ${service}.${namespace}, which is rendered`);
      const servicePort = svc.spec.ports.find((p: { port: number }) => p.port === port);
      assert.ok(servicePort, `${service} serves port ${port}`);
      return pods.filter((to) => to.namespace === namespace && matchesSelector({ matchLabels: svc.spec.selector }, to.labels))
        .map((to) => ({ from, to, port: servicePort.targetPort as number, via: `${container.name}: ${service}:${port}` }));
    })];
  }));
}

/**
 * Addresses a process advertises are dialled by others; who dials them is upstream knowledge, not in
 * the objects: PD members and their clients use the advertised client URL, PD members the peer URL
 * (tikv/pd); TiKV stores and TiDB the store address; PD (store config sync, tikv/pd
 * server/cluster/cluster.go) and TiDB (CLUSTER_CONFIG, pingcap/tidb pkg/executor/memtable_reader.go)
 * the status address; TiDB servers each other's status port. The ports are read from the scripts.
 */
const DIALLED_BY: Record<string, Record<string, string[]>> = {
  pd: { "advertise-client-urls": ["pd", "tikv", "tidb"], "advertise-peer-urls": ["pd"] },
  tikv: { "advertise-addr": ["tikv", "tidb"], "advertise-status-addr": ["pd", "tidb"] },
  tidb: { status: ["tidb"] },
};

function advertisedConnections(pods: readonly Pod[]): { from: Pod; to: Pod; port: number; via: string }[] {
  return pods.flatMap((to) => {
    const script: string = (to.workload.spec.template.spec.containers[0].command ?? []).join("\n");
    return Object.entries(DIALLED_BY[component(to)] ?? {}).flatMap(([flag, callers]) => {
      const port = Number(script.match(new RegExp(`--${flag}=\\S*?:?(\\d+)"?\\s`))?.[1] ?? NaN);
      assert.ok(Number.isInteger(port), `${to.workload.metadata.name} sets --${flag}`);
      return pods.filter((from) => callers.includes(component(from))).map((from) => ({ from, to, port, via: `--${flag}` }));
    });
  });
}

describe("NetworkPolicies, evaluated as Kubernetes does", () => {
  it("admit every connection the start scripts, the init Job and the advertised addresses make", async () => {
    // GIVEN a TiDB cluster
    const { all, policies, pods } = await render({ "clusters/endgame.yaml": clusterDoc("endgame", SPEC) });
    // WHEN the connections its containers make are read from the rendered objects
    const connections = [...scriptedConnections(all, pods), ...advertisedConnections(pods)];
    const seen = new Set(connections.map((c) => `${component(c.from)}->${component(c.to)}:${c.port}`));
    for (const expected of ["pd->pd:2379", "tikv->pd:2379", "tidb->pd:2379", "init->tidb:4000", "pd->pd:2380", "tikv->tikv:20160", "tidb->tikv:20160", "pd->tikv:20180", "tidb->tidb:10080"]) {
      assert.ok(seen.has(expected), `${expected} is among the connections read from the objects`);
    }
    // THEN the policies admit each of them
    for (const c of connections) {
      assert.ok(allows(policies, asSource(c.from), c.to, c.port), `${c.from.workload.metadata.name} -> ${c.to.workload.metadata.name}:${c.port} (${c.via})`);
    }
  });

  it("let a pod of another namespace reach the MySQL port of TiDB and nothing else", async () => {
    // GIVEN a cluster with the default clients (any namespace)
    const { policies, pods } = await render({ "clusters/endgame.yaml": clusterDoc("endgame", SPEC) });
    const stranger: Source = { kind: "pod", namespace: "web", namespaceLabels: { "kubernetes.io/metadata.name": "web" }, labels: { app: "shop" } };
    // WHEN it tries every port of every pod of the cluster
    const reached = targets(pods).filter(({ pod, port }) => allows(policies, stranger, pod, port)).map(({ pod, port }) => `${component(pod)}:${port}`);
    // THEN only TiDB's client endpoint answers
    assert.deepEqual([...new Set(reached)], ["tidb:4000"]);
  });

  it("deny the pods of another cluster in the same namespace everything but the client endpoint", async () => {
    // GIVEN two clusters in one namespace
    const { policies, pods } = await render({
      "clusters/a.yaml": clusterDoc("alpha", SPEC),
      "clusters/b.yaml": clusterDoc("beta", SPEC.replace(/hostPath: \{ pool: dc1 \}/g, "storageClassName: standard")),
    });
    const alpha = pods.filter((p) => p.labels["app.kubernetes.io/instance"] === "alpha");
    const beta = pods.filter((p) => p.labels["app.kubernetes.io/instance"] === "beta");
    // WHEN beta's pods try alpha's ports
    const reached = beta.flatMap((from) => targets(alpha).filter(({ pod, port }) => allows(policies, asSource(from), pod, port)).map(({ pod, port }) => `${component(pod)}:${port}`));
    // THEN they reach alpha's SQL port only, as any client would
    assert.deepEqual([...new Set(reached)], ["tidb:4000"]);
  });

  it("open the client endpoint only to the clients the spec names", async () => {
    // GIVEN clients: web pods of namespaces labelled team=shop, and an office network
    const spec = SPEC.replace("tidb: { replicas: 2 }", `tidb:
    replicas: 2
    clients:
      - namespaceSelector: { matchLabels: { team: shop } }
        podSelector: { matchExpressions: [{ key: app, operator: In, values: [web, api] }] }
      - ipBlock: { cidr: 10.20.0.0/16, except: [10.20.9.0/24] }`);
    const { policies, pods } = await render({ "clusters/endgame.yaml": clusterDoc("endgame", spec) });
    const tidb = pods.find((p) => component(p) === "tidb")!;
    const pod = (namespaceLabels: Record<string, string>, labels: Record<string, string>): Source => ({ kind: "pod", namespace: "x", namespaceLabels, labels });
    // WHEN each tries TiDB's MySQL port THEN only those named get through
    const cases: [string, Source, boolean][] = [
      ["web pod of a shop namespace", pod({ team: "shop" }, { app: "web" }), true],
      ["api pod of a shop namespace", pod({ team: "shop" }, { app: "api" }), true],
      ["batch pod of a shop namespace", pod({ team: "shop" }, { app: "batch" }), false],
      ["web pod of another team", pod({ team: "ads" }, { app: "web" }), false],
      ["office address", { kind: "external", ip: "10.20.1.7" }, true],
      ["excluded office subnet", { kind: "external", ip: "10.20.9.7" }, false],
      ["internet address", { kind: "external", ip: "203.0.113.5" }, false],
    ];
    for (const [name, source, expected] of cases) assert.equal(allows(policies, source, tidb, 4000), expected, name);
    // AND the init Job still sets the password
    const init = pods.find((p) => component(p) === "init")!;
    assert.ok(allows(policies, asSource(init), tidb, 4000));
  });

  it("open the client endpoint to any source when the Service is a NodePort, and nothing more", async () => {
    // GIVEN TiDB behind a NodePort Service and no clients named
    const { policies, pods } = await render({ "clusters/endgame.yaml": clusterDoc("endgame", SPEC.replace("tidb: { replicas: 2 }", "tidb: { replicas: 2, service: { type: NodePort } }")) });
    const outside: Source = { kind: "external", ip: "198.51.100.7" };
    // WHEN an address outside the cluster tries every port
    const reached = targets(pods).filter(({ pod, port }) => allows(policies, outside, pod, port)).map(({ pod, port }) => `${component(pod)}:${port}`);
    // THEN only the MySQL port answers: the status port stays closed without a monitoring selector
    assert.deepEqual([...new Set(reached)], ["tidb:4000"]);
  });

  it("open metrics and status ports to the monitoring pods a policy names, and no other port", async () => {
    // GIVEN a policy naming Prometheus in namespace monitoring, and clients restricted to a namespace
    const spec = SPEC.replace("tidb: { replicas: 2 }", "tidb: { replicas: 2, clients: [{ namespaceSelector: { matchLabels: { team: shop } } }] }");
    const { policies, pods } = await render({
      "clusters/endgame.yaml": clusterDoc("endgame", spec),
      "policies/monitoring.yaml": `apiVersion: clusterc/v1
kind: Policy
metadata: { name: monitoring }
spec:
  rules:
    networkPolicies:
      monitoring:
        namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: monitoring } }
        podSelector: { matchLabels: { app.kubernetes.io/name: prometheus } }
`,
    });
    const prometheus: Source = { kind: "pod", namespace: "monitoring", namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" }, labels: { "app.kubernetes.io/name": "prometheus" } };
    // WHEN Prometheus tries every port
    const reached = targets(pods).filter(({ pod, port }) => allows(policies, prometheus, pod, port)).map(({ pod, port }) => `${component(pod)}:${port}`);
    // THEN it reaches the metrics ports (PD's client port serves /metrics) and nothing else
    assert.deepEqual([...new Set(reached)].sort(), ["pd:2379", "tidb:10080", "tikv:20180"]);
  });
});

/** The minimal MySQLCluster of SPEC.md in namespace db: a primary and two replicas. */
const MYSQL = `  version: "8.0.36"
  replicas: 3
  storage: { size: 10Gi, storageClassName: standard }
  rootPassword: { secretRef: { name: orders-mysql, key: root-password } }
`;

function mysqlDoc(name: string, spec: string, namespace = "db"): string {
  return `apiVersion: clusterc/v1\nkind: MySQLCluster\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${spec}`;
}

const reachedBy = (policies: readonly RenderedObject[], source: Source, pods: readonly Pod[]) =>
  [...new Set(targets(pods).filter(({ pod, port }) => allows(policies, source, pod, port)).map(({ pod, port }) => `${component(pod)}:${port}`))].sort();

describe("NetworkPolicies of a MySQLCluster, evaluated as Kubernetes does", () => {
  it("admit every connection its init containers and sidecar make: the clone from the previous member, replication from the primary", async () => {
    // GIVEN a MySQLCluster, with both of its supported series
    for (const version of ["8.0.36", "8.4.3"]) {
      const { all, policies, pods } = await render({ "clusters/orders.yaml": mysqlDoc("orders", MYSQL.replace("8.0.36", version)) });
      // WHEN the connections its containers make are read from the rendered objects
      const connections = scriptedConnections(all, pods);
      const vias = new Set(connections.map((c) => c.via));
      // THEN they are the three the scripts make, between members
      assert.deepEqual([...vias].sort(), [
        // ordinal 0 asks replica 1 whether it serves clones before it starts empty
        "clone-mysql: orders-mysql-$((ordinal - 1)).orders-mysql.db.svc:3307",
        "clone-mysql: orders-mysql-1.orders-mysql.db.svc:3307",
        // the replica's mysqld connects to the primary, as the sidecar tells it
        "xtrabackup: orders-mysql-0.orders-mysql.db.svc:3306",
      ], version);
      assert.deepEqual([...new Set(connections.map((c) => `${component(c.from)}->${component(c.to)}:${c.port}`))].sort(), ["mysql->mysql:3306", "mysql->mysql:3307"]);
      // AND the policies admit each of them
      for (const c of connections) assert.ok(allows(policies, asSource(c.from), c.to, c.port), `${version}: ${c.via}`);
    }
  });

  it("let a pod of another namespace reach the MySQL port and not the clone port", async () => {
    const { policies, pods } = await render({ "clusters/orders.yaml": mysqlDoc("orders", MYSQL) });
    const stranger: Source = { kind: "pod", namespace: "web", namespaceLabels: { "kubernetes.io/metadata.name": "web" }, labels: { app: "shop" } };
    // WHEN it tries every port of every pod THEN only 3306 answers: 3307 streams a full backup of the data to whoever connects
    assert.deepEqual(targets(pods).map(({ port }) => port).sort(), [3306, 3307]);
    assert.deepEqual(reachedBy(policies, stranger, pods), ["mysql:3306"]);
  });

  it("keep a TiDB and a MySQL cluster of one namespace to each other's client endpoints", async () => {
    // GIVEN both engines in namespace db
    const { policies, pods } = await render({ "clusters/endgame.yaml": clusterDoc("endgame", SPEC), "clusters/orders.yaml": mysqlDoc("orders", MYSQL) });
    const of = (name: string) => pods.filter((p) => p.labels["app.kubernetes.io/instance"] === name);
    // WHEN the pods of each try every port of the other's
    const reached = (from: Pod[], to: Pod[]) => [...new Set(from.flatMap((source) => reachedBy(policies, asSource(source), to)))].sort();
    // THEN only the client endpoints answer
    assert.deepEqual(reached(of("endgame"), of("orders")), ["mysql:3306"]);
    assert.deepEqual(reached(of("orders"), of("endgame")), ["tidb:4000"]);
  });

  it("open the MySQL port only to the clients the spec names, and keep replication and clones working", async () => {
    // GIVEN clients: pods labelled app=web in namespaces labelled team=shop
    const spec = `${MYSQL}  clients:\n    - namespaceSelector: { matchLabels: { team: shop } }\n      podSelector: { matchLabels: { app: web } }\n`;
    const { all, policies, pods } = await render({ "clusters/orders.yaml": mysqlDoc("orders", spec) });
    const mysql = pods.find((p) => component(p) === "mysql")!;
    const pod = (namespaceLabels: Record<string, string>, labels: Record<string, string>): Source => ({ kind: "pod", namespace: "x", namespaceLabels, labels });
    const cases: [string, Source, boolean][] = [
      ["web pod of a shop namespace", pod({ team: "shop" }, { app: "web" }), true],
      ["batch pod of a shop namespace", pod({ team: "shop" }, { app: "batch" }), false],
      ["web pod of another team", pod({ team: "ads" }, { app: "web" }), false],
      ["address outside the cluster", { kind: "external", ip: "203.0.113.5" }, false],
    ];
    // WHEN each tries the MySQL port THEN only the named clients get through
    for (const [name, source, expected] of cases) assert.equal(allows(policies, source, mysql, 3306), expected, name);
    // AND every connection between the members is still admitted
    for (const c of scriptedConnections(all, pods)) assert.ok(allows(policies, asSource(c.from), c.to, c.port), c.via);
  });

  it("open no port to monitoring: neither image serves metrics", async () => {
    const { policies, pods } = await render({
      "clusters/orders.yaml": mysqlDoc("orders", `${MYSQL}  clients: [{ namespaceSelector: { matchLabels: { team: shop } } }]\n`),
      "policies/monitoring.yaml": "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: monitoring }\nspec:\n  rules:\n    networkPolicies:\n      monitoring:\n        namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: monitoring } }\n",
    });
    const prometheus: Source = { kind: "pod", namespace: "monitoring", namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" }, labels: { app: "prometheus" } };
    assert.deepEqual(reachedBy(policies, prometheus, pods), []);
  });
});

/** An AntDB cluster in namespace antdb: SPEC's minimal spec, or another cluster's spec made from it. */
function antdbDoc(name: string, replacements: [string, string][] = []): string {
  return replacements.reduce((spec, [from, to]) => {
    assert.ok(spec.includes(from), from);
    return spec.replace(from, to);
  }, ADB.replace("name: adb,", `name: ${name},`));
}

async function renderAntdb(files: Record<string, string>) {
  return render({ "clusters/pool.yaml": pool(4), ...files });
}

/**
 * What AntDB's manager does with the nodes the registration Job gives it, read from the Job's node list
 * (`name type role master port dns`) and agent port; who connects is upstream knowledge (ChengXiaoZ/AntDB
 * src/adbmgrd/manager/cmd_node.c): the manager reaches every agent and every node's database; cn and dn
 * are the GTM's clients; a standby copies and streams from its master, a rejoined master from its
 * standby; coordinators read datanodes and each other, a new datanode loads the schema from a
 * coordinator; coordinators and datanodes exchange rows through reduce processes on ports they pick
 * at run time (here REDUCE_PORT, a port no container declares).
 */
const REDUCE_PORT = 40123;

function managedConnections(pods: readonly Pod[]): { from: Pod; to: Pod; port: number; via: string }[] {
  const job = pods.find((p) => component(p) === "register")!;
  const env = new Map<string, string>(job.workload.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
  const mgr = pods.find((p) => component(p) === "mgr")!;
  const nodes = env.get("NODES")!.split("\n").map((line) => {
    const [name, type, role, master, port, dns] = line.split(" ");
    const [podName, peerService] = dns!.split(".");
    const pod = pods.find((p) => p.workload.kind === "StatefulSet" && p.workload.spec.serviceName === peerService && podName!.startsWith(`${p.workload.metadata.name}-`));
    assert.ok(pod, `${dns} is a pod of a rendered StatefulSet`);
    return { name: name!, type: type!, role: role!, master: master!, port: Number(port), pod };
  });
  const of = (...types: string[]) => nodes.filter((n) => types.includes(n.type));
  return nodes.flatMap((node) => [
    { from: mgr, to: node.pod, port: Number(env.get("AGENT_PORT")), via: `agent of ${node.name}` },
    { from: mgr, to: node.pod, port: node.port, via: `monitor ${node.name}` },
    ...nodes.filter((m) => node.role === "SLAVE" && m.name === node.master).flatMap((m) => [
      { from: node.pod, to: m.pod, port: m.port, via: `${node.name} streams from ${m.name}` },
      { from: m.pod, to: node.pod, port: node.port, via: `${m.name} rejoins from ${node.name}` },
    ]),
    ...(node.type === "GTMCOORD" ? [] : of("GTMCOORD").map((g) => ({ from: node.pod, to: g.pod, port: g.port, via: `${node.name} is a client of ${g.name}` }))),
    ...(node.type === "COORDINATOR" ? of("DATANODE", "COORDINATOR").map((d) => ({ from: node.pod, to: d.pod, port: d.port, via: `${node.name} reads ${d.name}` })) : []),
    ...(node.type === "DATANODE" ? of("COORDINATOR").map((c) => ({ from: node.pod, to: c.pod, port: c.port, via: `${node.name} dumps the schema of ${c.name}` })) : []),
    ...(node.type === "GTMCOORD" ? [] : of("DATANODE", "COORDINATOR").map((d) => ({ from: node.pod, to: d.pod, port: REDUCE_PORT, via: `reduce ${node.name} -> ${d.name}` }))),
  ]);
}

describe("NetworkPolicies of an AntDB cluster, evaluated as Kubernetes does", () => {
  it("admit every connection the hooks, the registration Job and the manager's commands make", async () => {
    // GIVEN SPEC's AntDB cluster
    const { all, policies, pods } = await renderAntdb({ "clusters/adb.yaml": ADB });
    // WHEN the connections its containers make are read from the rendered objects
    const connections = [...scriptedConnections(all, pods), ...managedConnections(pods)];
    const seen = new Set(connections.map((c) => `${component(c.from)}->${component(c.to)}:${c.port}`));
    for (const expected of [
      "gc->mgr:6432", "gcs->mgr:6432", "cn->mgr:6432", "dn->mgr:6432", "ds->mgr:6432", "register->mgr:6432",
      "mgr->gc:8432", "mgr->ds:8432", "mgr->cn:5432", "gcs->gc:6655", "gc->gcs:6655", "ds->dn:14332", "dn->ds:14332",
      "cn->gc:6655", "dn->gcs:6655", "cn->dn:14332", "dn->cn:5432", "cn->cn:5432", `dn->dn:${REDUCE_PORT}`, `ds->cn:${REDUCE_PORT}`,
    ]) {
      assert.ok(seen.has(expected), `${expected} is among the connections read from the objects`);
    }
    // THEN the policies admit each of them
    for (const c of connections) {
      assert.ok(allows(policies, asSource(c.from), c.to, c.port), `${c.from.workload.metadata.name} -> ${c.to.workload.metadata.name}:${c.port} (${c.via})`);
    }
  });

  it("let a pod of another namespace, or of another cluster in the namespace, reach the coordinators' port and nothing else", async () => {
    // GIVEN two AntDB clusters in one namespace, the second without standbys on a StorageClass
    const { policies, pods } = await renderAntdb({
      "clusters/adb.yaml": ADB,
      "clusters/other.yaml": antdbDoc("other", [["gtm: { standby: true }", "gtm: { standby: false }"], ["replicas: 2, standby: true", "replicas: 1, standby: false"], ["hostPath: { pool: dc1 }", "storageClassName: standard"]]),
    });
    const adb = pods.filter((p) => p.labels["app.kubernetes.io/instance"] === "adb");
    const other = pods.filter((p) => p.labels["app.kubernetes.io/instance"] === "other");
    const stranger: Source = { kind: "pod", namespace: "web", namespaceLabels: { "kubernetes.io/metadata.name": "web" }, labels: { app: "shop" } };
    // WHEN each tries every declared port of adb's pods, and a port a reduce process could pick
    const everyPort = targets(adb).concat(adb.map((pod) => ({ pod, port: REDUCE_PORT })));
    for (const [who, sources] of [["another namespace", [stranger]], ["another cluster", other.map(asSource)]] as const) {
      const reached = sources.flatMap((source) => everyPort.filter(({ pod, port }) => allows(policies, source, pod, port)).map(({ pod, port }) => `${component(pod)}:${port}`));
      // THEN only the coordinators' SQL port answers: neither the manager, which trusts every address, nor an agent
      assert.deepEqual([...new Set(reached)], ["cn:5432"], who);
    }
  });

  it("open the coordinators only to the clients the spec names", async () => {
    // GIVEN clients: pods labelled app=report in namespaces labelled team=bi
    const spec = antdbDoc("adb", [["coordinators: { replicas: 1 }", "coordinators: { replicas: 1, clients: [{ namespaceSelector: { matchLabels: { team: bi } }, podSelector: { matchLabels: { app: report } } }] }"]]);
    const { policies, pods } = await renderAntdb({ "clusters/adb.yaml": spec });
    const cn = pods.find((p) => component(p) === "cn")!;
    const pod = (namespaceLabels: Record<string, string>, labels: Record<string, string>): Source => ({ kind: "pod", namespace: "x", namespaceLabels, labels });
    // WHEN each tries port 5432 THEN only the named ones get through, and the cluster's own pods still do
    assert.equal(allows(policies, pod({ team: "bi" }, { app: "report" }), cn, 5432), true);
    assert.equal(allows(policies, pod({ team: "bi" }, { app: "etl" }), cn, 5432), false);
    assert.equal(allows(policies, pod({ team: "ads" }, { app: "report" }), cn, 5432), false);
    for (const from of ["mgr", "dn", "ds", "cn"]) assert.ok(allows(policies, asSource(pods.find((p) => component(p) === from)!), cn, 5432), from);
  });
});

describe("the NetworkPolicy evaluator", () => {
  const destination: Destination = { namespace: "db", labels: { app: "x" }, ports: [{ name: "sql", containerPort: 4000 }, { name: "status", containerPort: 10080 }] };
  const source = (labels: Record<string, string>, namespace = "db"): Source => ({ kind: "pod", namespace, namespaceLabels: { "kubernetes.io/metadata.name": namespace }, labels });
  const policy = (spec: object): RenderedObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "db" }, spec });

  it("follows the Kubernetes semantics of selectors, peers, ports and policy types", () => {
    const cases: [string, RenderedObject[], Source, number, boolean][] = [
      ["no policy selects the pod: open", [], source({}), 4000, true],
      ["a policy in another namespace does not select it", [{ ...policy({ podSelector: {} }), metadata: { name: "p", namespace: "other" } }], source({}), 4000, true],
      ["selected with no ingress rules: closed", [policy({ podSelector: {}, policyTypes: ["Ingress"] })], source({}), 4000, false],
      ["Egress-only policy leaves ingress open", [policy({ podSelector: {}, policyTypes: ["Egress"] })], source({}), 4000, true],
      ["no policyTypes means Ingress", [policy({ podSelector: { matchLabels: { app: "x" } } })], source({}), 4000, false],
      ["numbered port matches", [policy({ podSelector: {}, ingress: [{ ports: [{ port: 4000 }] }] })], source({}), 4000, true],
      ["numbered port is not another port", [policy({ podSelector: {}, ingress: [{ ports: [{ port: 4000 }] }] })], source({}), 10080, false],
      ["named port resolves on the destination", [policy({ podSelector: {}, ingress: [{ ports: [{ port: "status" }] }] })], source({}), 10080, true],
      ["named port is not another port", [policy({ podSelector: {}, ingress: [{ ports: [{ port: "status" }] }] })], source({}), 4000, false],
      ["endPort range", [policy({ podSelector: {}, ingress: [{ ports: [{ port: 4000, endPort: 5000 }] }] })], source({}), 4500, true],
      ["UDP rule does not admit TCP", [policy({ podSelector: {}, ingress: [{ ports: [{ port: 4000, protocol: "UDP" }] }] })], source({}), 4000, false],
      ["podSelector peer: same namespace only", [policy({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: "a" } } }] }] })], source({ role: "a" }, "web"), 4000, false],
      ["podSelector peer in the namespace", [policy({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: "a" } } }] }] })], source({ role: "a" }), 4000, true],
      ["namespaceSelector {} is every namespace", [policy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })], source({}, "web"), 4000, true],
      ["both selectors must hold", [policy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "web" } }, podSelector: { matchLabels: { role: "a" } } }] }] })], source({ role: "b" }, "web"), 4000, false],
      ["NotIn admits a pod without the label", [policy({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "role", operator: "NotIn", values: ["a"] }] } }] }] })], source({}), 4000, true],
      ["DoesNotExist refuses a pod with the label", [policy({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "role", operator: "DoesNotExist" }] } }] }] })], source({ role: "a" }), 4000, false],
      ["policies add up", [policy({ podSelector: {}, policyTypes: ["Ingress"] }), policy({ podSelector: {}, ingress: [{ ports: [{ port: 4000 }] }] })], source({}), 4000, true],
      ["ipBlock does not match pods", [policy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] })], source({}), 4000, false],
    ];
    for (const [name, policies, from, port, expected] of cases) assert.equal(allows(policies, from, destination, port), expected, name);
  });
});
