import type { V1Container, V1EnvVar, V1Job } from "@kubernetes/client-node";
import type { Origin } from "../diagnostics.js";
import type { Cluster } from "../fleet/fleet.js";
import type { TiDBClusterDocument } from "../schema/tidb.js";
import { objectMeta, selectorLabels, type ComponentRef } from "./shared/metadata.js";
import { httpProbes, tcpProbes } from "./shared/probes.js";
import { resourceValues, type Resources } from "../fleet/policy.js";
import { secretEnv } from "./shared/secrets.js";
import { shellScript } from "./shared/shell.js";
import { DATA_VOLUME, statefulComponent } from "./shared/components.js";
import { preferredApart, replicasOf, requiredApart } from "./shared/placement.js";
import { deployment, headlessService, service, statefulSet, tcpPort } from "./shared/workloads.js";
import type { Component, Engine, Manifest } from "./types.js";

type TiDBCluster = Cluster<TiDBClusterDocument>;

const PD_CLIENT_PORT = 2379;
const PD_PEER_PORT = 2380;
const TIKV_PORT = 20160;
const TIKV_STATUS_PORT = 20180;
const TIDB_PORT = 4000;
const TIDB_STATUS_PORT = 10080;

/** Argo CD sync waves: PD forms its quorum before TiKV registers with it, TiKV before TiDB serves SQL. */
export const TIDB_WAVES = { pd: 0, tikv: 1, tidb: 2 } as const;

/** The MySQL client that runs the init Job; pinned, never `latest`. */
export const MYSQL_CLIENT_IMAGE = "mysql:8.0.36";

/** Built-in resources per component, the lowest layer of resource defaults. */
const DEFAULT_RESOURCES: Record<"pd" | "tikv" | "tidb", Resources> = {
  pd: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
  tikv: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "4", memory: "16Gi" } },
  tidb: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "4", memory: "8Gi" } },
};


export const tidbEngine: Engine<TiDBClusterDocument> = {
  kind: "TiDBCluster",
  appName: "tidb",
  resourceDefaults: (["pd", "tikv", "tidb"] as const).map((component) => ({ component, defaults: DEFAULT_RESOURCES[component], specPath: [component] })),
  expand(cluster) {
    const names = objectNames(cluster.name);
    const origin = (...path: (string | number)[]): Origin => ({ ...cluster.origin, path: ["spec", ...path] });
    const ref = (component: string): ComponentRef => ({ cluster, appName: "tidb", component });
    const pd = pdObjects(cluster, ref("pd"), names, origin);
    const tikv = tikvObjects(cluster, ref("tikv"), names, origin);
    const tidb = tidbObjects(cluster, ref("tidb"), names, origin);
    const init = initJob(cluster, ref("init"), names, origin);
    return {
      cluster,
      manifests: [...pd.manifests, ...tikv.manifests, ...tidb.manifests, ...init],
      components: [pd.component, tikv.component, tidb.component],
      // Raft groups: a drain takes down one PD member or TiKV store at a time.
      disruptionBudgets: [replicasOf(ref("pd")), replicasOf(ref("tikv"))],
    };
  },
};

type Names = ReturnType<typeof objectNames>;

function objectNames(cluster: string) {
  return {
    pd: `${cluster}-pd`,
    pdPeer: `${cluster}-pd-peer`,
    tikv: `${cluster}-tikv`,
    tikvPeer: `${cluster}-tikv-peer`,
    tidb: `${cluster}-tidb`,
    tidbPeer: `${cluster}-tidb-peer`,
    init: `${cluster}-tidb-init`,
  };
}

type OriginAt = (...path: (string | number)[]) => Origin;

function image(component: "pd" | "tikv" | "tidb", version: string): string {
  return `pingcap/${component}:${version}`;
}

function svcHost(cluster: TiDBCluster, service: string): string {
  return `${service}.${cluster.namespace}.svc`;
}

/** The pod's own name (HOSTNAME) and namespace, for start scripts that build their peer addresses. */
const POD_ENV: V1EnvVar[] = [
  { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
];

/**
 * PD starts without an operator. A member with data restarts from it; a new member joins the running
 * cluster when the PD client Service answers (a later scale-up); otherwise it is one of the first
 * members and bootstraps with the fixed --initial-cluster list of ordinals 0..replicas-1.
 */
const PD_START_SCRIPT = shellScript(
  'set -eu',
  'data_dir=/var/lib/pd',
  'advertise="${HOSTNAME}.${PEER_SERVICE}.${NAMESPACE}.svc"',
  'if [ -d "${data_dir}/member" ]; then',
  '  cluster_flag=""',
  'elif wget -q -T 5 -O /dev/null "http://${CLIENT_SERVICE}:2379/pd/api/v1/members"; then',
  '  cluster_flag="--join=http://${CLIENT_SERVICE}:2379"',
  'else',
  '  peers=""',
  '  i=0',
  '  while [ "$i" -lt "$INITIAL_CLUSTER_SIZE" ]; do',
  '    peers="${peers}${peers:+,}${SET_NAME}-${i}=http://${SET_NAME}-${i}.${PEER_SERVICE}.${NAMESPACE}.svc:2380"',
  '    i=$((i + 1))',
  '  done',
  '  cluster_flag="--initial-cluster=${peers}"',
  'fi',
  'exec /pd-server \\',
  '  --name="${HOSTNAME}" \\',
  '  --data-dir="${data_dir}" \\',
  '  --client-urls=http://0.0.0.0:2379 \\',
  '  --advertise-client-urls="http://${advertise}:2379" \\',
  '  --peer-urls=http://0.0.0.0:2380 \\',
  '  --advertise-peer-urls="http://${advertise}:2380" \\',
  '  ${cluster_flag}',
);

function pdObjects(cluster: TiDBCluster, ref: ComponentRef, names: Names, origin: OriginAt): { manifests: Manifest[]; component: Component } {
  const spec = cluster.spec.pd;
  const wave = TIDB_WAVES.pd;
  const container: V1Container = {
    name: "pd",
    image: image("pd", cluster.spec.version),
    command: ["/bin/sh", "-c", PD_START_SCRIPT],
    env: [
      ...POD_ENV,
      { name: "SET_NAME", value: names.pd },
      { name: "PEER_SERVICE", value: names.pdPeer },
      { name: "CLIENT_SERVICE", value: svcHost(cluster, names.pd) },
      { name: "INITIAL_CLUSTER_SIZE", value: String(spec.replicas) },
    ],
    ports: [
      { name: "client", containerPort: PD_CLIENT_PORT },
      { name: "peer", containerPort: PD_PEER_PORT },
    ],
    ...tcpProbes(PD_CLIENT_PORT),
    resources: resourceValues(cluster.policy.resources.pd!),
    volumeMounts: [{ name: DATA_VOLUME, mountPath: "/var/lib/pd" }],
  };
  const at = origin("pd");
  const stateful = statefulComponent(ref, {
    name: names.pd, wave, serviceName: names.pdPeer, replicas: spec.replicas, apart: [requiredApart(replicasOf(ref))],
    container, storage: spec.storage, origin: at, storageOrigin: origin("pd", "storage"),
  });
  return {
    manifests: [
      { object: headlessService(ref, names.pdPeer, wave, [tcpPort("client", PD_CLIENT_PORT), tcpPort("peer", PD_PEER_PORT)]), origin: at },
      { object: service(ref, names.pd, wave, "ClusterIP", [tcpPort("client", PD_CLIENT_PORT)]), origin: at },
      stateful.manifest,
    ],
    component: stateful.component,
  };
}

const TIKV_START_SCRIPT = shellScript(
  'set -eu',
  'advertise="${HOSTNAME}.${PEER_SERVICE}.${NAMESPACE}.svc"',
  'exec /tikv-server \\',
  '  --addr=0.0.0.0:20160 \\',
  '  --advertise-addr="${advertise}:20160" \\',
  '  --status-addr=0.0.0.0:20180 \\',
  '  --advertise-status-addr="${advertise}:20180" \\',
  '  --data-dir=/var/lib/tikv \\',
  '  --pd="${PD_ADDRESS}"',
);

function tikvObjects(cluster: TiDBCluster, ref: ComponentRef, names: Names, origin: OriginAt): { manifests: Manifest[]; component: Component } {
  const spec = cluster.spec.tikv;
  const wave = TIDB_WAVES.tikv;
  const container: V1Container = {
    name: "tikv",
    image: image("tikv", cluster.spec.version),
    command: ["/bin/sh", "-c", TIKV_START_SCRIPT],
    env: [
      ...POD_ENV,
      { name: "PEER_SERVICE", value: names.tikvPeer },
      { name: "PD_ADDRESS", value: `${svcHost(cluster, names.pd)}:${PD_CLIENT_PORT}` },
    ],
    ports: [
      { name: "server", containerPort: TIKV_PORT },
      { name: "status", containerPort: TIKV_STATUS_PORT },
    ],
    ...tcpProbes(TIKV_PORT),
    resources: resourceValues(cluster.policy.resources.tikv!),
    volumeMounts: [{ name: DATA_VOLUME, mountPath: "/var/lib/tikv" }],
  };
  const at = origin("tikv");
  const stateful = statefulComponent(ref, {
    name: names.tikv, wave, serviceName: names.tikvPeer, replicas: spec.replicas, apart: [requiredApart(replicasOf(ref))],
    container, storage: spec.storage, origin: at, storageOrigin: origin("tikv", "storage"),
  });
  return {
    manifests: [
      { object: headlessService(ref, names.tikvPeer, wave, [tcpPort("server", TIKV_PORT), tcpPort("status", TIKV_STATUS_PORT)]), origin: at },
      stateful.manifest,
    ],
    component: stateful.component,
  };
}

const TIDB_START_SCRIPT = shellScript(
  'set -eu',
  'exec /tidb-server \\',
  '  --store=tikv \\',
  '  --path="${PD_ADDRESS}" \\',
  '  --host=0.0.0.0 \\',
  '  -P 4000 \\',
  '  --status=10080 \\',
  '  --advertise-address="${POD_IP}"',
);

function tidbObjects(cluster: TiDBCluster, ref: ComponentRef, names: Names, origin: OriginAt): { manifests: Manifest[]; component: Component } {
  const spec = cluster.spec.tidb;
  const wave = TIDB_WAVES.tidb;
  const container: V1Container = {
    name: "tidb",
    image: image("tidb", cluster.spec.version),
    command: ["/bin/sh", "-c", TIDB_START_SCRIPT],
    env: [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "PD_ADDRESS", value: `${svcHost(cluster, names.pd)}:${PD_CLIENT_PORT}` },
    ],
    ports: [
      { name: "mysql-client", containerPort: TIDB_PORT },
      { name: "status", containerPort: TIDB_STATUS_PORT },
    ],
    ...httpProbes("/status", TIDB_STATUS_PORT),
    resources: resourceValues(cluster.policy.resources.tidb!),
  };
  const nodePorts = spec.service.nodePorts;
  const ports = [
    { ...tcpPort("mysql-client", TIDB_PORT), ...(nodePorts?.mysql !== undefined && { nodePort: nodePorts.mysql }) },
    { ...tcpPort("status", TIDB_STATUS_PORT), ...(nodePorts?.status !== undefined && { nodePort: nodePorts.status }) },
  ];
  const at = origin("tidb");
  const pod = { containers: [container] };
  const workload = spec.workload === "StatefulSet"
    ? [
        { object: headlessService(ref, names.tidbPeer, wave, [tcpPort("mysql-client", TIDB_PORT), tcpPort("status", TIDB_STATUS_PORT)]), origin: at },
        { object: statefulSet(ref, { name: names.tidb, wave, serviceName: names.tidbPeer, replicas: spec.replicas, pod }), origin: at },
      ]
    : [{ object: deployment(ref, names.tidb, wave, spec.replicas, pod), origin: at }];
  return {
    manifests: [{ object: service(ref, names.tidb, wave, spec.service.type, ports), origin: origin("tidb", "service") }, ...workload],
    component: {
      name: "tidb", replicas: spec.replicas, origin: at, apart: [preferredApart(replicasOf(ref), 100)],
      workload: { kind: spec.workload, name: names.tidb },
      selector: selectorLabels(ref),
    },
  };
}

/**
 * Sets the root password that a fresh TiDB leaves empty. Idempotent: when the password already works
 * it exits at once. The password comes from the Secret through the environment and reaches mysql on
 * stdin, never on a command line or in a ConfigMap.
 */
const INIT_SCRIPT = shellScript(
  'set -eu',
  'tidb() { mysql --host="${TIDB_HOST}" --port=4000 --user=root --connect-timeout=5 "$@"; }',
  'until tidb --password="" -e "SELECT 1" >/dev/null 2>&1 || MYSQL_PWD="${ROOT_PASSWORD}" tidb -e "SELECT 1" >/dev/null 2>&1; do',
  '  echo "waiting for TiDB at ${TIDB_HOST}:4000"',
  '  sleep 5',
  'done',
  'if MYSQL_PWD="${ROOT_PASSWORD}" tidb -e "SELECT 1" >/dev/null 2>&1; then',
  '  echo "root password is already set"',
  '  exit 0',
  'fi',
  String.raw`escaped=$(printf '%s' "$ROOT_PASSWORD" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")`,
  'tidb --password="" <<SQL',
  "ALTER USER 'root'@'%' IDENTIFIED BY '${escaped}';",
  'FLUSH PRIVILEGES;',
  'SQL',
  'echo "root password set"',
);

/**
 * An Argo CD PostSync hook: it runs once everything is healthy. BeforeHookCreation deletes the old
 * Job before a new sync creates it again, so a changed Job never hits the immutable pod template;
 * Flux, which has no hooks, recreates it for the same reason (force).
 */
function initJob(cluster: TiDBCluster, ref: ComponentRef, names: Names, origin: OriginAt): Manifest[] {
  const at = origin("rootPassword");
  const password = secretEnv(ref, "ROOT_PASSWORD", "root-password", cluster.spec.rootPassword, at);
  const job: V1Job & Manifest["object"] = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: objectMeta(ref, names.init, TIDB_WAVES.tidb, {
      "argocd.argoproj.io/hook": "PostSync",
      "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
      "kustomize.toolkit.fluxcd.io/force": "enabled",
    }),
    spec: {
      backoffLimit: 10,
      activeDeadlineSeconds: 1800,
      template: {
        metadata: { labels: objectMeta(ref, names.init, 0).labels! },
        spec: {
          restartPolicy: "OnFailure",
          containers: [{
            name: "set-root-password",
            image: MYSQL_CLIENT_IMAGE,
            command: ["/bin/sh", "-c", INIT_SCRIPT],
            env: [{ name: "TIDB_HOST", value: svcHost(cluster, names.tidb) }, password.env],
          }],
        },
      },
    },
  };
  return [...password.manifests, { object: job, origin: at }];
}
