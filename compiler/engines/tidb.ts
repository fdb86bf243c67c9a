import type { V1ConfigMap, V1Container, V1EnvVar, V1PodSpec } from "@kubernetes/client-node";
import type { Origin } from "../diagnostics.js";
import type { Cluster } from "../fleet/fleet.js";
import type { TiDBClusterDocument } from "../schema/tidb.js";
import { hookJob } from "./shared/jobs.js";
import { objectMeta, selectorLabels, type ComponentRef } from "./shared/metadata.js";
import { httpReadiness } from "./shared/probes.js";
import { resourceValues, type Resources } from "../fleet/policy.js";
import { secretEnv } from "./shared/secrets.js";
import { refuseEmptySecret, shellScript, sqlEscaped } from "./shared/shell.js";
import { quantityBytes } from "../quantity.js";
import { DATA_VOLUME, statefulComponent } from "./shared/components.js";
import { deleteClaims, SYNC_STEP } from "./shared/procedures.js";
import { preferredApart, replicasOf, requiredApart } from "./shared/placement.js";
import { deployment, headlessService, service, statefulSet, tcpPort } from "./shared/workloads.js";
import type { Component, Engine, Manifest, Procedure } from "./types.js";
import { TIDB_CONTAINER_NEEDS, tidbTraffic } from "./tidb-privileges.js";

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
  replicas: ({ spec }) => ({ pd: spec.pd.replicas, tikv: spec.tikv.replicas, tidb: spec.tidb.replicas }),
  // PD's first members list each other in --initial-cluster; later ones --join.
  bootstrapped: ["pd"],
  containers: TIDB_CONTAINER_NEEDS,
  // "TiDB currently does not support version downgrade or rolling back to an earlier version after the
  // upgrade" (docs.pingcap.com/tidb/stable/upgrade-tidb-using-tiup, Upgrade caveat).
  release: {
    field: "version",
    images: (["pd", "tikv", "tidb"] as const).map(imageRepository),
    downgrade: (cluster, from, to) => ({
      steps: [
        `set spec.version back to ${from}`,
        `to run ${to}, restore a backup taken before the upgrade (BR: br restore full) into a new TiDBCluster of ${to}, and move clients to it from ${cluster.name}`,
      ],
      runbook: "docs/tidb-runbook.md#what-happens-on-upgrade",
    }),
  },
  expand(cluster, state) {
    const names = objectNames(cluster.name);
    const origin = (...path: (string | number)[]): Origin => ({ ...cluster.origin, path: ["spec", ...path] });
    const ref = (component: string): ComponentRef => ({ cluster, appName: "tidb", component });
    const password = secretEnv(ref("init"), "ROOT_PASSWORD", "root-password", cluster.spec.rootPassword, origin("rootPassword"));
    const pd = pdObjects(cluster, ref("pd"), names, origin, state.bootstrap.pd ?? cluster.spec.pd.replicas);
    const tikv = tikvObjects(cluster, ref("tikv"), names, origin);
    const tidb = tidbObjects(cluster, ref("tidb"), names, origin, password.env);
    const init = initJob(cluster, ref("init"), names, origin, password.env);
    return {
      cluster,
      manifests: [...password.manifests, ...pd.manifests, ...tikv.manifests, ...tidb.manifests, init],
      components: [pd.component, tikv.component, tidb.component],
      // Raft groups: a drain takes down one PD member or TiKV store at a time.
      disruptionBudgets: [replicasOf(ref("pd")), replicasOf(ref("tikv"))],
      traffic: tidbTraffic(cluster, origin),
    };
  },
};

type Names = ReturnType<typeof objectNames>;

function objectNames(cluster: string) {
  return {
    pd: `${cluster}-pd`,
    pdPeer: `${cluster}-pd-peer`,
    pdConfig: `${cluster}-pd-config`,
    tikv: `${cluster}-tikv`,
    tikvPeer: `${cluster}-tikv-peer`,
    tidb: `${cluster}-tidb`,
    tidbPeer: `${cluster}-tidb-peer`,
    init: `${cluster}-tidb-init`,
  };
}

type OriginAt = (...path: (string | number)[]) => Origin;

type VersionedComponent = "pd" | "tikv" | "tidb";

function imageRepository(component: VersionedComponent): string {
  return `pingcap/${component}`;
}

function image(component: VersionedComponent, version: string): string {
  return `${imageRepository(component)}:${version}`;
}

function svcHost(cluster: TiDBCluster, service: string): string {
  return `${service}.${cluster.namespace}.svc`;
}

/** The pod's own name and namespace, for start scripts that build their peer addresses. */
const POD_ENV: V1EnvVar[] = [
  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
];

/**
 * PD starts without an operator or discovery service, deciding from what it finds:
 * - Data is what etcd itself calls data: a *.wal file in member/wal (etcd-io/etcd bootstrap in
 *   server/etcdserver/bootstrap.go tests wal.Exist, server/storage/wal/util.go, after it has already
 *   created member/; tidb-operator's start script tests member/wal too:
 *   pkg/manager/member/startscript/v2/pd_start_script.go). With a WAL, PD restarts from it, no cluster flag.
 * - A member/ without a WAL is what a failed first start leaves; it is moved aside, so the member starts
 *   again exactly as a first start (PD's join.go treats "no data" and "joined but failed to start" alike).
 * - A member of the bootstrap set (ordinal < INITIAL_CLUSTER_SIZE) bootstraps with the fixed
 *   --initial-cluster, also when the others already run (a slow image pull): PD refuses a --join from a
 *   name that is already a member ("missing data or join a duplicated pd", server/join/join.go). It joins
 *   only when the running cluster no longer lists its name, after `pd-ctl member delete` (the runbook's
 *   replacement of a lost member): then join.go adds it as a new member.
 * - A member added by a scale-up (ordinal >= INITIAL_CLUSTER_SIZE) waits until the PD client Service
 *   answers, then joins it.
 */
/** Where PD reads pd.toml from its ConfigMap. */
const PD_CONFIG_DIR = "/etc/pd";
/** Where each TiKV pod finds its node's zone, when its pool names zones (the topology rule). */
const TIKV_TOPOLOGY_DIR = "/etc/tikv-topology";

/**
 * PD isolates a Region's replicas by the store labels named here, most significant first; TiKV
 * reports `zone` when its pool names zones. PD reads the file when it bootstraps the cluster and keeps
 * its replication settings in etcd after that, so a cluster bootstrapped without it needs
 * `pd-ctl config set location-labels zone` once (docs.pingcap.com "Schedule Replicas by Topology
 * Labels"; docs/tidb-runbook.md#zone-labels).
 */
const PD_CONFIG = '[replication]\nlocation-labels = ["zone"]\n';

const PD_START_SCRIPT = shellScript(
  'set -eu',
  'data_dir=/var/lib/pd',
  'ordinal="${POD_NAME##*-}"',
  'advertise="${POD_NAME}.${PEER_SERVICE}.${NAMESPACE}.svc"',
  'client_url="http://${CLIENT_SERVICE}:2379"',
  'set -- \\',
  '  --name="${POD_NAME}" \\',
  '  --data-dir="${data_dir}" \\',
  '  --client-urls=http://0.0.0.0:2379 \\',
  '  --advertise-client-urls="http://${advertise}:2379" \\',
  '  --peer-urls=http://0.0.0.0:2380 \\',
  '  --advertise-peer-urls="http://${advertise}:2380" \\',
  `  --config=${PD_CONFIG_DIR}/pd.toml`,
  'has_wal() {',
  '  for wal in "${data_dir}"/member/wal/*.wal; do',
  '    [ -e "${wal}" ] && return 0',
  '  done',
  '  return 1',
  '}',
  'if has_wal; then',
  '  echo "restarting from the write-ahead log in ${data_dir}/member/wal"',
  '  exec /pd-server "$@"',
  'fi',
  'if [ -e "${data_dir}/member" ]; then',
  '  echo "${data_dir}/member holds no write-ahead log (a first start failed); moving it to ${data_dir}/member.no-wal"',
  '  rm -rf "${data_dir}/member.no-wal"',
  '  mv "${data_dir}/member" "${data_dir}/member.no-wal"',
  'fi',
  'if [ "${ordinal}" -ge "${INITIAL_CLUSTER_SIZE}" ]; then',
  '  until wget -q -T 5 -O /dev/null "${client_url}/pd/api/v1/health"; do',
  '    echo "added by a scale-up: waiting for the PD cluster at ${client_url} to join it"',
  '    sleep 5',
  '  done',
  '  exec /pd-server "$@" --join="${client_url}"',
  'fi',
  'members=$(wget -q -T 5 -O - "${client_url}/pd/api/v1/members" 2>/dev/null) || members=""',
  'if [ -n "${members}" ] && ! printf \'%s\\n\' "${members}" | grep -q "\\"name\\": *\\"${POD_NAME}\\""; then',
  '  echo "the running PD cluster does not list ${POD_NAME} (pd-ctl member delete): joining it as a new member"',
  '  exec /pd-server "$@" --join="${client_url}"',
  'fi',
  'peers=""',
  'i=0',
  'while [ "${i}" -lt "${INITIAL_CLUSTER_SIZE}" ]; do',
  '  peers="${peers}${peers:+,}${SET_NAME}-${i}=http://${SET_NAME}-${i}.${PEER_SERVICE}.${NAMESPACE}.svc:2380"',
  '  i=$((i + 1))',
  'done',
  'echo "member of the bootstrap set: starting with --initial-cluster=${peers}"',
  'exec /pd-server "$@" --initial-cluster="${peers}"',
);

/**
 * Before a PD member stops, it hands PD leadership on if it holds it, so PD elects the next leader at
 * once rather than after the lease runs out. The pd image ships /pd-ctl (tikv/pd Dockerfile);
 * `member leader show|resign` are pd-ctl commands (tools/pd-ctl/pdctl/command/member_command.go).
 */
const PD_PRE_STOP_SCRIPT = shellScript(
  'leader=$(/pd-ctl -u http://127.0.0.1:2379 member leader show 2>/dev/null) || exit 0',
  'case "${leader}" in',
  '  *"\\"name\\": \\"${POD_NAME}\\""*) /pd-ctl -u http://127.0.0.1:2379 member leader resign || true ;;',
  'esac',
);

/** The number of PD members in the bootstrap set (ordinals 0..N-1): computed here and nowhere else. */

/** `initialMembers`: how many PD members bootstrapped the cluster, as its first render recorded it; never changes after. */
function pdObjects(cluster: TiDBCluster, ref: ComponentRef, names: Names, origin: OriginAt, initialMembers: number): { manifests: Manifest[]; component: Component } {
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
      { name: "INITIAL_CLUSTER_SIZE", value: String(initialMembers) },
    ],
    ports: [
      { name: "client", containerPort: PD_CLIENT_PORT },
      { name: "peer", containerPort: PD_PEER_PORT },
    ],
    // PD's health API answers once the member serves and the cluster's member list answers, which takes
    // a quorum (server/api/health.go); older PDs forward it to the leader, newer ones answer it locally
    // (localOnlyPaths, pkg/utils/apiutil/serverapi/middleware.go): either way, no quorum, not ready.
    ...httpReadiness("/pd/api/v1/health", PD_CLIENT_PORT),
    lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", PD_PRE_STOP_SCRIPT] } } },
    resources: resourceValues(cluster.policy.resources.pd!),
    volumeMounts: [{ name: DATA_VOLUME, mountPath: "/var/lib/pd" }, { name: "config", mountPath: PD_CONFIG_DIR, readOnly: true }],
  };
  const at = origin("pd");
  const stateful = statefulComponent(ref, {
    name: names.pd, wave, serviceName: names.pdPeer, replicas: spec.replicas, apart: [requiredApart(replicasOf(ref))],
    pod: { containers: [container], volumes: [{ name: "config", configMap: { name: names.pdConfig } }] },
    storage: spec.storage, origin: at, storageOrigin: origin("pd", "storage"),
  });
  const config: V1ConfigMap & Manifest["object"] = { apiVersion: "v1", kind: "ConfigMap", metadata: objectMeta(ref, names.pdConfig, wave), data: { "pd.toml": PD_CONFIG } };
  return {
    manifests: [
      { object: config, origin: at },
      { object: headlessService(ref, names.pdPeer, wave, [tcpPort("client", PD_CLIENT_PORT), tcpPort("peer", PD_PEER_PORT)]), origin: at },
      { object: service(ref, names.pd, wave, "ClusterIP", [tcpPort("client", PD_CLIENT_PORT)]), origin: at },
      stateful.manifest,
    ],
    component: { ...stateful.component, scaleDownProcedure: (pods) => pdScaleDown(cluster, names, pods) },
  };
}

/** pd-ctl on PD member 0, which a scale-down never removes (tikv/pd tools/pd-ctl: member and store commands). */
function pdctl(cluster: TiDBCluster, names: Names): string {
  return `kubectl -n ${cluster.namespace} exec ${names.pd}-0 -- /pd-ctl -u http://127.0.0.1:2379`;
}

/** docs/tidb-runbook.md#scale-pd-down, for the members that go: out of PD's member list first, their WAL after. */
function pdScaleDown(cluster: TiDBCluster, names: Names, pods: readonly string[]): Procedure {
  const ctl = pdctl(cluster, names);
  return {
    steps: [
      `if \`${ctl} member leader show\` names ${pods.join(" or ")}: ${ctl} member leader transfer ${names.pd}-0`,
      ...pods.map((pod) => `${ctl} member delete name ${pod}`),
      SYNC_STEP,
      deleteClaims(cluster.namespace, pods),
    ],
    runbook: "docs/tidb-runbook.md#scale-pd-down",
  };
}

/** docs/tidb-runbook.md#scale-tikv-down: PD moves each store's Regions off before its pod stops. */
function tikvScaleDown(cluster: TiDBCluster, names: Names, pods: readonly string[]): Procedure {
  const ctl = pdctl(cluster, names);
  const address = (pod: string) => `${pod}.${names.tikvPeer}.${cluster.namespace}.svc:${TIKV_PORT}`;
  return {
    steps: [
      `find the ID of store ${pods.map(address).join(", ")} in \`${ctl} store\``,
      `${ctl} store delete ID, and wait until \`${ctl} store ID\` shows "state_name": "Tombstone"${pods.length > 1 ? " (each store)" : ""}`,
      SYNC_STEP,
      `${ctl} store remove-tombstone`,
      deleteClaims(cluster.namespace, pods),
    ],
    runbook: "docs/tidb-runbook.md#scale-tikv-down",
  };
}

/**
 * TiKV needs no decision at start: a store with data restarts from it and a new one registers with PD
 * (tidb-operator's TiKV start script only passes flags: pkg/manager/member/startscript/v2/tikv_start_script.go).
 * --capacity caps what PD places on the store: a hostPath volume does not enforce its size.
 */
/** `--labels` from the pod's topology file, when there is one: `tikv-server --labels zone=<zone>`. */
const TIKV_START_SCRIPT = shellScript(
  'set -eu',
  `topology="${TIKV_TOPOLOGY_DIR}/\${POD_NAME##*-}"`,
  'if [ -r "${topology}" ]; then',
  '  set -- --labels="$(cat "${topology}")"',
  'else',
  '  set --',
  'fi',
  'advertise="${POD_NAME}.${PEER_SERVICE}.${NAMESPACE}.svc"',
  'exec /tikv-server \\',
  '  --addr=0.0.0.0:20160 \\',
  '  --advertise-addr="${advertise}:20160" \\',
  '  --status-addr=0.0.0.0:20180 \\',
  '  --advertise-status-addr="${advertise}:20180" \\',
  '  --data-dir=/var/lib/tikv \\',
  '  --capacity="${CAPACITY}" \\',
  '  --pd="${PD_ADDRESS}" \\',
  '  "$@"',
);

const BINARY_UNITS: readonly [string, bigint][] = [["PB", 2n ** 50n], ["TB", 2n ** 40n], ["GB", 2n ** 30n], ["MB", 2n ** 20n], ["KB", 2n ** 10n]];

/**
 * A volume size as TiKV reads a size: its units are binary ("GB" is 2^30 bytes) and a bare number is
 * bytes (ReadableSize::from_str, components/tikv_util/src/config.rs). The largest unit that divides the
 * size exactly, so 100Gi is "100GB" and 100G, which no binary unit divides, "97656250KB".
 */
export function tikvCapacity(size: string): string {
  const bytes = quantityBytes(size);
  const [unit, factor] = BINARY_UNITS.find(([, f]) => bytes % f === 0n) ?? ["", 1n];
  return `${bytes / factor}${unit}`;
}

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
      { name: "CAPACITY", value: tikvCapacity(spec.storage.size) },
    ],
    ports: [
      { name: "server", containerPort: TIKV_PORT },
      { name: "status", containerPort: TIKV_STATUS_PORT },
    ],
    // TiKV opens its status server after its engines and gRPC server are up (run_server, then
    // run_status_server: components/server/src/server.rs); /status answers 200 (src/server/status_server/mod.rs).
    ...httpReadiness("/status", TIKV_STATUS_PORT),
    resources: resourceValues(cluster.policy.resources.tikv!),
    volumeMounts: [{ name: DATA_VOLUME, mountPath: "/var/lib/tikv" }],
  };
  const at = origin("tikv");
  const stateful = statefulComponent(ref, {
    name: names.tikv, wave, serviceName: names.tikvPeer, replicas: spec.replicas, apart: [requiredApart(replicasOf(ref))],
    pod: { containers: [container] }, storage: spec.storage, origin: at, storageOrigin: origin("tikv", "storage"),
  });
  return {
    manifests: [
      { object: headlessService(ref, names.tikvPeer, wave, [tcpPort("server", TIKV_PORT), tcpPort("status", TIKV_STATUS_PORT)]), origin: at },
      stateful.manifest,
    ],
    component: { ...stateful.component, scaleDownProcedure: (pods) => tikvScaleDown(cluster, names, pods), topologyDir: TIKV_TOPOLOGY_DIR },
  };
}

/**
 * The init Job's exit code for an answer, not an outage (TiDB denies both passwords, the Secret is
 * empty): retrying cannot help, so its pod failure policy fails the Job at once on this code.
 */
const NO_RETRY_EXIT = 3;

/** Stops a script when the Secret holds an empty password: root would be left without one. */
function refuseEmptyPassword(exitCode: number): string {
  return refuseEmptySecret("ROOT_PASSWORD", "root password", "rootPassword", exitCode);
}

/** An in-memory emptyDir: the SQL file that holds the root password never reaches the node's disk. */
const INIT_SQL_VOLUME = "init-sql";
const INIT_SQL_DIR = "/tidb-init";

/**
 * TiDB runs --initialize-sql-file once, as the last stage of bootstrapping the cluster and before it
 * listens on 4000 (doBootstrapSQLFile in pingcap/tidb pkg/session/bootstrap.go; the flag is new in
 * v6.5.1 and v6.6.0), so root never has an empty password there. The file is written at start-up from
 * the Secret (umask 077, in memory), never stored in a ConfigMap and never printed; the password
 * leaves the environment before tidb-server starts.
 */
const TIDB_START_SCRIPT = shellScript(
  'set -eu',
  refuseEmptyPassword(1),
  'umask 077',
  `init_sql=${INIT_SQL_DIR}/init.sql`,
  sqlEscaped("escaped", "ROOT_PASSWORD"),
  `printf "ALTER USER 'root'@'%%' IDENTIFIED BY '%s';\\n" "\${escaped}" > "\${init_sql}"`,
  'unset ROOT_PASSWORD escaped',
  'exec /tidb-server \\',
  '  --store=tikv \\',
  '  --path="${PD_ADDRESS}" \\',
  '  --host=0.0.0.0 \\',
  '  -P 4000 \\',
  '  --status=10080 \\',
  '  --advertise-address="${POD_IP}" \\',
  '  --initialize-sql-file="${init_sql}"',
);

/**
 * Graceful stop, as tidb-operator v2 stops TiDB (pkg/controllers/tidb/tasks/pod.go): the preStop sleep
 * keeps TiDB serving while Services drop the terminating pod, then SIGTERM lets tidb-server finish open
 * transactions for up to 15 s; the grace period covers both, plus 5 s.
 */
const TIDB_PRE_STOP_SECONDS = 10;
const TIDB_GRACE_SECONDS = TIDB_PRE_STOP_SECONDS + 15 + 5;

function tidbObjects(cluster: TiDBCluster, ref: ComponentRef, names: Names, origin: OriginAt, password: V1EnvVar): { manifests: Manifest[]; component: Component } {
  const spec = cluster.spec.tidb;
  const wave = TIDB_WAVES.tidb;
  const container: V1Container = {
    name: "tidb",
    image: image("tidb", cluster.spec.version),
    command: ["/bin/sh", "-c", TIDB_START_SCRIPT],
    env: [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "PD_ADDRESS", value: `${svcHost(cluster, names.pd)}:${PD_CLIENT_PORT}` },
      password,
    ],
    ports: [
      { name: "mysql-client", containerPort: TIDB_PORT },
      { name: "status", containerPort: TIDB_STATUS_PORT },
    ],
    // TiDB's status server answers /status while it serves SQL (pingcap/tidb pkg/server/http_status.go).
    ...httpReadiness("/status", TIDB_STATUS_PORT),
    lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", `sleep ${TIDB_PRE_STOP_SECONDS}`] } } },
    resources: resourceValues(cluster.policy.resources.tidb!),
    volumeMounts: [{ name: INIT_SQL_VOLUME, mountPath: INIT_SQL_DIR }],
  };
  const exposed = spec.service.type !== "ClusterIP";
  const mysqlNodePort = spec.service.nodePorts?.mysql;
  // The status API is unauthenticated HTTP: it stays off node ports and load balancers.
  const ports = [
    { ...tcpPort("mysql-client", TIDB_PORT), ...(mysqlNodePort !== undefined && { nodePort: mysqlNodePort }) },
    ...(exposed ? [] : [tcpPort("status", TIDB_STATUS_PORT)]),
  ];
  const at = origin("tidb");
  const pod: V1PodSpec = {
    containers: [container],
    volumes: [{ name: INIT_SQL_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }],
    terminationGracePeriodSeconds: TIDB_GRACE_SECONDS,
  };
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
 * Sets the root password on a TiDB that has none (one bootstrapped before clusterc passed
 * --initialize-sql-file). Idempotent: when the Secret's password works it exits at once. "Access
 * denied" for both the Secret's and the empty password is an answer, not an outage: the password was
 * changed elsewhere, and the Job exits with NO_RETRY_EXIT and what to do. Anything else (no
 * connection yet) is waited out. The password reaches mysql through MYSQL_PWD and stdin, never a
 * command line or a ConfigMap, and is never printed.
 */
const INIT_SCRIPT = shellScript(
  'set -eu',
  refuseEmptyPassword(NO_RETRY_EXIT),
  'tidb() { mysql --host="${TIDB_HOST}" --port=4000 --user=root --connect-timeout=5 "$@"; }',
  'denied() { case "$1" in *"ERROR 1045"*) return 0 ;; esac; return 1; }',
  'while :; do',
  '  if answer=$(MYSQL_PWD="${ROOT_PASSWORD}" tidb -e "SELECT 1" 2>&1); then',
  '    echo "root password is already set"',
  '    exit 0',
  '  fi',
  '  if denied "${answer}"; then',
  '    if answer=$(tidb --password="" -e "SELECT 1" 2>&1); then',
  '      break',
  '    fi',
  '    if denied "${answer}"; then',
  '      echo "TiDB at ${TIDB_HOST}:4000 denies root both the password in the Secret and an empty password: it was changed elsewhere (a rotated Secret, an ExternalSecret refresh, by hand). This Job never overwrites a password it cannot log in with. Follow docs/tidb-runbook.md#rotate-the-root-password." >&2',
  `      exit ${NO_RETRY_EXIT}`,
  '    fi',
  '  fi',
  '  echo "waiting for TiDB at ${TIDB_HOST}:4000"',
  '  sleep 5',
  'done',
  sqlEscaped("escaped", "ROOT_PASSWORD"),
  'tidb --password="" <<SQL',
  "ALTER USER 'root'@'%' IDENTIFIED BY '${escaped}';",
  'FLUSH PRIVILEGES;',
  'SQL',
  'echo "root password set"',
);

/**
 * An Argo CD PostSync hook: it runs once everything is healthy. The pod failure policy fails the Job
 * on the first "access denied" instead of retrying it.
 */
function initJob(cluster: TiDBCluster, ref: ComponentRef, names: Names, origin: OriginAt, password: V1EnvVar): Manifest {
  const job = hookJob(ref, {
    name: names.init, wave: TIDB_WAVES.tidb, hook: "PostSync", noRetryExitCode: NO_RETRY_EXIT,
    container: {
      name: "set-root-password",
      image: MYSQL_CLIENT_IMAGE,
      command: ["/bin/sh", "-c", INIT_SCRIPT],
      env: [{ name: "TIDB_HOST", value: svcHost(cluster, names.tidb) }, password],
    },
  });
  return { object: job, origin: origin("rootPassword") };
}
