import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { THREE_NODE_POOL, compileProject, tidbSpec, type RenderedObject } from "../helpers.js";
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

/**
 * The connections a container's start script and environment make, read from the rendered objects:
 * every `<service>.<namespace>.svc:<port>` it names (after putting in its env values; an advertised
 * address is what others dial, not this container) and a `--host=<service> --port=<n>` pair, each
 * resolved through the Service to the pods it selects and the target port.
 */
function scriptedConnections(all: readonly RenderedObject[], pods: readonly Pod[]): { from: Pod; to: Pod; port: number; via: string }[] {
  const services = all.filter((o) => o.kind === "Service");
  return pods.flatMap((from) => from.workload.spec.template.spec.containers.flatMap((container: { command?: string[]; env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] }) => {
    const env = new Map((container.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace" ? from.namespace : undefined)]));
    const text = [...(container.command ?? []), ...[...env.values()].filter((v) => v !== undefined)].join("\n")
      .replace(/\$\{(\w+)\}/g, (whole, name: string) => env.get(name) ?? whole);
    const addresses = text.split("\n").filter((line) => !line.includes("--advertise")).flatMap((line) => [
      ...[...line.matchAll(/([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)/g)].map((m) => ({ service: m[1]!, namespace: m[2]!, port: Number(m[3]) })),
      ...[...line.matchAll(/--host="?([a-z0-9-]+)\.([a-z0-9-]+)\.svc"?\s+--port=(\d+)/g)].map((m) => ({ service: m[1]!, namespace: m[2]!, port: Number(m[3]) })),
    ]);
    return addresses.flatMap(({ service, namespace, port }) => {
      const svc = services.find((s) => s.metadata.name === service && s.metadata.namespace === namespace);
      assert.ok(svc, `${from.workload.metadata.name} dials ${service}.${namespace}, which is rendered`);
      const servicePort = svc.spec.ports.find((p: { port: number }) => p.port === port);
      assert.ok(servicePort, `${service} serves port ${port}`);
      return pods.filter((to) => to.namespace === namespace && matchesSelector({ matchLabels: svc.spec.selector }, to.labels))
        .map((to) => ({ from, to, port: servicePort.targetPort as number, via: `${service}:${port}` }));
    });
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
