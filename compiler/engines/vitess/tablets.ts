import type { V1Container, V1EnvVar, V1VolumeMount } from "@kubernetes/client-node";
import { resourceValues } from "../../fleet/policy.js";
import { shardList, shardSlug } from "../../schema/key-ranges.js";
import { tabletUidBase } from "../../schema/tablet-uids.js";
import { TABLET_TYPES, type VitessKeyspace } from "../../schema/vitess.js";
import { DATA_VOLUME, statefulComponent } from "../shared/components.js";
import { hookJob } from "../shared/jobs.js";
import { SYNC_STEP } from "../shared/procedures.js";
import { selectorLabels } from "../shared/metadata.js";
import { preferredApart, requiredApart } from "../shared/placement.js";
import { httpReadiness } from "../shared/probes.js";
import { shellScript } from "../shared/shell.js";
import { headlessService, tcpPort } from "../shared/workloads.js";
import type { Component, Manifest, PodSet, Procedure } from "../types.js";
import {
  GRPC_PORT, MYSQL_PORT, VITESS_WAVES, WEB_PORT, ref, svcHost, topoFlags, vtctldName,
  type OriginAt, type VitessCluster,
} from "./names.js";
import { liteImage, vitessRelease } from "./versions.js";

type TabletType = (typeof TABLET_TYPES)[number];

/** One StatefulSet of tablets: the tablets of one type of one shard. */
export interface TabletSet {
  keyspace: string;
  keyspaceIndex: number;
  shard: string;
  type: TabletType;
  cell: string;
  replicas: number;
  uidBase: number;
  /** The StatefulSet, and the component's name among the cluster's. */
  name: string;
  componentName: string;
}

/** semi_sync where a replica can acknowledge the primary's writes, none where no other replica exists. */
export function keyspaceDurability(ks: VitessKeyspace): "semi_sync" | "none" {
  return ks.durability ?? (ks.tablets.replica >= 2 ? "semi_sync" : "none");
}

export function tabletSets(cluster: VitessCluster): TabletSet[] {
  return cluster.spec.keyspaces.flatMap((ks, keyspaceIndex) => shardList(ks.shards).flatMap((shard) =>
    TABLET_TYPES.filter((type) => ks.tablets[type] > 0).map((type): TabletSet => {
      const stem = `${ks.name}-${shardSlug(shard)}-${type}`;
      return {
        keyspace: ks.name, keyspaceIndex, shard, type,
        cell: ks.tablets.cell ?? cluster.spec.cells[0]!,
        replicas: ks.tablets[type],
        uidBase: tabletUidBase(ks.name, shard, type),
        name: `${cluster.name}-${stem}`,
        componentName: `vttablet-${stem}`,
      };
    })));
}

function shardLabels(set: Pick<TabletSet, "keyspace" | "shard">): Record<string, string> {
  return { "vitess.io/keyspace": set.keyspace, "vitess.io/shard": shardSlug(set.shard) };
}

function tabletRef(cluster: VitessCluster, set: TabletSet) {
  return ref(cluster, "vttablet", { ...shardLabels(set), "vitess.io/tablet-type": set.type });
}

/** Every tablet of one shard, whatever its type: one spread group, and one disruption budget. */
export function shardGroup(cluster: VitessCluster, sets: readonly TabletSet[], keyspace: string, shard: string): PodSet {
  const members = sets.filter((s) => s.keyspace === keyspace && s.shard === shard);
  return {
    name: `${keyspace}-${shardSlug(shard)}`,
    selector: selectorLabels(ref(cluster, "vttablet", shardLabels({ keyspace, shard }))),
    components: members.map((s) => s.componentName),
  };
}

/** vt-root: the emptyDir that carries mysqlctld and the MySQL config from the vitess/lite image into the mysqld container. */
const VT_ROOT = "vt-root";
const VT_DATAROOT = "/vt/vtdataroot";
const MYSQLCTL_SOCKET = "/vt/socket/mysqlctl.sock";
const MYSQL_SOCKET = "/vt/socket/mysql.sock";
const MYCNF = "/vt/config/mycnf";

/**
 * What both containers read to build the same my.cnf (vitess-operator's tablet env and extra my.cnf
 * files: pkg/operator/vttablet/env_vars.go, mysqlctld.go): mysqld logs to the container's stderr,
 * uses row-based binlogs, and keeps its socket where vttablet looks for it.
 */
const TABLET_ENV: V1EnvVar[] = [
  { name: "VTROOT", value: "/vt" },
  { name: "VTDATAROOT", value: VT_DATAROOT },
  { name: "VT_MYSQL_ROOT", value: "/usr" },
  { name: "EXTRA_MY_CNF", value: ["rbr.cnf", "log-error.cnf", "socket.cnf"].map((f) => `${MYCNF}/${f}`).join(":") },
];

/**
 * Copies mysqlctld, the MySQL config and the users mysqlctld creates on first start (init_db.sql)
 * from vitess/lite into vt-root, so mysqld can run from an image that holds no Vitess (from v20,
 * vitess/lite holds no mysqld). As vitess-operator's init-vt-root (pkg/operator/vttablet/mysqlctld.go):
 * mysqld appends ".err" to a log-error name without an extension, hence the symlink to stderr.
 */
const INIT_VT_ROOT_SCRIPT = shellScript(
  'set -eu',
  'mkdir -p /mnt/vt/bin /mnt/vt/config/mycnf /mnt/vt/socket',
  'cp /vt/bin/mysqlctld /mnt/vt/bin/mysqlctld',
  'cp -R /vt/config/mycnf/. /mnt/vt/config/mycnf/',
  'cp /vt/config/init_db.sql /mnt/vt/config/init_db.sql',
  'ln -sf /dev/stderr /mnt/vt/config/stderr.symlink',
  'echo "log-error = /vt/config/stderr.symlink" > /mnt/vt/config/mycnf/log-error.cnf',
  'echo "binlog_format=row" > /mnt/vt/config/mycnf/rbr.cnf',
  `echo "socket = ${MYSQL_SOCKET}" > /mnt/vt/config/mycnf/socket.cnf`,
);

/** The tablet's uid from its StatefulSet ordinal: the same in both containers, on every start. */
const TABLET_UID = ['ordinal="${POD_NAME##*-}"', 'uid=$((TABLET_UID_BASE + ordinal))'];

/**
 * mysqlctld initialises the data directory $VTDATAROOT/vt_<uid> when it does not exist and starts
 * mysqld from it when it does (go/cmd/mysqlctld: init on a missing data dir, start otherwise), so first
 * boot and restart run the same command. Flags as vitess-operator passes them (pkg/operator/vttablet/flags.go).
 */
function mysqlctldScript(serverVersion: string | undefined): string {
  return shellScript(
    'set -eu',
    ...TABLET_UID,
    'exec /vt/bin/mysqlctld \\',
    '  --logtostderr \\',
    '  --tablet_uid="${uid}" \\',
    `  --socket_file=${MYSQLCTL_SOCKET} \\`,
    `  --mysql_socket=${MYSQL_SOCKET} \\`,
    '  --db_dba_user=vt_dba \\',
    '  --db_charset=utf8mb4 \\',
    ...(serverVersion ? [`  --mysql_server_version=${serverVersion} \\`] : []),
    '  --init_db_sql_file=/vt/config/init_db.sql \\',
    '  --wait_time=2h',
  );
}

/**
 * vttablet registers itself in the topology as <cell>-<uid> (zero-padded to 10 digits, as Vitess's
 * examples/common/scripts/vttablet-up.sh writes aliases) with its keyspace, shard and type, and reaches
 * mysqld through mysqlctld's socket. Flags from examples/common/scripts/vttablet-up.sh and
 * vitess-operator's flags.go and datastore.go.
 */
function vttabletScript(cluster: VitessCluster, set: TabletSet, serverVersion: string | undefined): string {
  return shellScript(
    'set -eu',
    ...TABLET_UID,
    'alias="$(printf \'%s-%010d\' "${CELL}" "${uid}")"',
    'exec /vt/bin/vttablet \\',
    '  --logtostderr \\',
    ...topoFlags(cluster).map((f) => `  ${f} \\`),
    '  --tablet-path="${alias}" \\',
    '  --tablet_hostname="${POD_IP}" \\',
    `  --init_keyspace=${set.keyspace} \\`,
    `  --init_shard=${set.shard} \\`,
    `  --init_tablet_type=${set.type} \\`,
    `  --port=${WEB_PORT} \\`,
    `  --grpc_port=${GRPC_PORT} \\`,
    '  --service_map=grpc-queryservice,grpc-tabletmanager,grpc-updatestream \\',
    '  --health_check_interval=5s \\',
    '  --db_charset=utf8mb4 \\',
    '  --db_app_user=vt_app \\',
    '  --db_dba_user=vt_dba \\',
    '  --db_repl_user=vt_repl \\',
    '  --db_filtered_user=vt_filtered \\',
    '  --enable_replication_reporter \\',
    ...(serverVersion ? [`  --mysql_server_version=${serverVersion} \\`] : []),
    `  --mysqlctl_socket=${MYSQLCTL_SOCKET} \\`,
    `  --mycnf_socket_file=${MYSQL_SOCKET}`,
  );
}

const mount = (mountPath: string, subPath: string, readOnly = false): V1VolumeMount => ({ name: VT_ROOT, mountPath, subPath, ...(readOnly && { readOnly }) });

export function tabletObjects(cluster: VitessCluster, sets: readonly TabletSet[], origin: OriginAt): { manifests: Manifest[]; components: Component[] } {
  const release = vitessRelease(cluster.spec.version);
  const headless = `${cluster.name}-vttablet`;
  const wave = VITESS_WAVES.vttablet;
  const built = sets.map((set) => {
    const podEnv: V1EnvVar[] = [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "TABLET_UID_BASE", value: String(set.uidBase) },
      ...TABLET_ENV,
    ];
    const data: V1VolumeMount = { name: DATA_VOLUME, mountPath: VT_DATAROOT, subPath: "vtdataroot" };
    const vttablet: V1Container = {
      name: "vttablet",
      image: liteImage(cluster.spec.version),
      command: ["/bin/sh", "-c", vttabletScript(cluster, set, release.mysqlServerVersion)],
      env: [...podEnv, { name: "CELL", value: set.cell }, { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
      ports: [{ name: "web", containerPort: WEB_PORT }, { name: "grpc", containerPort: GRPC_PORT }],
      // Ready once vttablet serves its status page. Not /healthz: a replica reports unhealthy until
      // it replicates from a primary, and the primary is elected only after every tablet is up (the
      // next wave); vtgate health-checks tablets itself before it routes queries to them.
      ...httpReadiness("/debug/status", WEB_PORT),
      resources: resourceValues(cluster.policy.resources.vttablet!),
      volumeMounts: [data, mount("/vt/config", "config", true), mount("/vt/socket", "socket")],
    };
    const mysqld: V1Container = {
      name: "mysqld",
      image: release.mysqldImage(cluster.spec.version),
      command: ["/bin/sh", "-c", mysqlctldScript(release.mysqlServerVersion)],
      env: podEnv,
      ports: [{ name: "mysql", containerPort: MYSQL_PORT }],
      // mysqld listens once it has started from its data directory (vitess-operator's mysqld probe).
      readinessProbe: { tcpSocket: { port: MYSQL_PORT }, periodSeconds: 5, timeoutSeconds: 3 },
      resources: resourceValues(cluster.policy.resources.mysqld!),
      volumeMounts: [data, mount("/vt/bin", "bin", true), mount("/vt/config", "config", true), mount("/vt/socket", "socket")],
    };
    const init: V1Container = {
      name: "init-vt-root",
      image: liteImage(cluster.spec.version),
      command: ["/bin/sh", "-c", INIT_VT_ROOT_SCRIPT],
      volumeMounts: [{ name: VT_ROOT, mountPath: "/mnt/vt" }],
    };
    const ks = cluster.spec.keyspaces[set.keyspaceIndex]!;
    const own: PodSet = { name: set.componentName, selector: selectorLabels(tabletRef(cluster, set)), components: [set.componentName] };
    const group = shardGroup(cluster, sets, set.keyspace, set.shard);
    // The tablet count of its type: where a finding about the set (its scale-down) belongs.
    const at = origin("keyspaces", set.keyspaceIndex, "tablets", set.type);
    return statefulComponent(tabletRef(cluster, set), {
      name: set.name, wave, serviceName: headless, replicas: set.replicas, componentName: set.componentName,
      // Primary candidates never share a node; the shard as a whole spreads where it can.
      apart: set.type === "replica" ? [requiredApart(own), preferredApart(group, 100)] : [preferredApart(group, 100)],
      pod: { initContainers: [init], containers: [vttablet, mysqld], volumes: [{ name: VT_ROOT, emptyDir: {} }] },
      storage: ks.tablets.storage, origin: at, storageOrigin: origin("keyspaces", set.keyspaceIndex, "tablets", "storage"),
    });
  });
  const service = headlessService(ref(cluster, "vttablet"), headless, wave, [tcpPort("web", WEB_PORT), tcpPort("grpc", GRPC_PORT)]);
  return {
    manifests: [{ object: service, origin: origin("keyspaces") }, ...built.map((b) => b.manifest)],
    // A removed tablet stays in the topology until it is deleted there.
    components: built.map((b, i) => ({ ...b.component, scaleDownProcedure: (pods) => tabletScaleDown(cluster, sets[i]!, pods) })),
  };
}

/**
 * docs/vitess-runbook.md#scale-tablets: a removed tablet's record stays in the topology, and a primary
 * among them would leave the shard without one. Pod `<set>-<i>` is tablet `<cell>-<uid base + i>`, uid
 * printed in 10 digits as the start script does.
 */
function tabletScaleDown(cluster: VitessCluster, set: TabletSet, pods: readonly string[]): Procedure {
  const vtctldclient = `kubectl -n ${cluster.namespace} exec deploy/${vtctldName(cluster)} -- /vt/bin/vtctldclient --server localhost:${GRPC_PORT}`;
  const aliases = pods.map((pod) => `${set.cell}-${String(set.uidBase + Number(pod.slice(pod.lastIndexOf("-") + 1))).padStart(10, "0")}`);
  const shard = `${set.keyspace}/${set.shard}`;
  return {
    steps: [
      `if \`${vtctldclient} GetTablets --keyspace ${set.keyspace} --shard ${set.shard}\` shows ${aliases.join(" or ")} as primary: ${vtctldclient} PlannedReparentShard ${shard} --avoid-primary ${aliases.length === 1 ? aliases[0] : "THAT-ALIAS"}`,
      SYNC_STEP,
      `${vtctldclient} DeleteTablets ${aliases.join(" ")}`,
    ],
    runbook: "docs/vitess-runbook.md#scale-tablets",
  };
}

/**
 * Elects a shard's first primary once its replica tablets are registered: PlannedReparentShard, which
 * initialises an empty shard (Vitess's examples elect the first primary with it), on the replica
 * tablet of ordinal 0. Exits at once when the shard has a primary, so a re-sync or a rerun never
 * moves it. GetTablets prints one tablet per line, its type fourth (vtctldclient's default format:
 * go/cmd/vtctldclient/cli/awk.go, MarshalTabletAWK).
 */
const ELECTION_SCRIPT = shellScript(
  'set -eu',
  'ctl() { /vt/bin/vtctldclient --server="${VTCTLD}" "$@"; }',
  'while :; do',
  '  if tablets=$(ctl GetTablets --keyspace="${KEYSPACE}" --shard="${SHARD}"); then',
  '    if printf \'%s\\n\' "${tablets}" | awk \'$4 == "primary" { found = 1 } END { exit !found }\'; then',
  '      echo "${KEYSPACE}/${SHARD} has a primary; nothing to do"',
  '      exit 0',
  '    fi',
  '    registered=$(printf \'%s\\n\' "${tablets}" | awk \'$4 == "replica"\' | wc -l)',
  '    if [ "${registered}" -ge "${REPLICAS}" ]; then',
  '      break',
  '    fi',
  '    echo "waiting for the replica tablets of ${KEYSPACE}/${SHARD}: ${registered} of ${REPLICAS} registered"',
  '  else',
  '    echo "waiting for vtctld at ${VTCTLD}"',
  '  fi',
  '  sleep 5',
  'done',
  'echo "electing ${PRIMARY} the first primary of ${KEYSPACE}/${SHARD}"',
  'ctl PlannedReparentShard "${KEYSPACE}/${SHARD}" --new-primary="${PRIMARY}"',
);

export function electionJobs(cluster: VitessCluster, sets: readonly TabletSet[], origin: OriginAt): Manifest[] {
  return sets.filter((set) => set.type === "replica").map((set) => {
    const job = hookJob(ref(cluster, "primary-election"), {
      name: `${cluster.name}-${set.keyspace}-${shardSlug(set.shard)}-elect`, wave: VITESS_WAVES.election, hook: "Sync",
      container: {
        name: "elect",
        image: liteImage(cluster.spec.version),
        command: ["/bin/sh", "-c", ELECTION_SCRIPT],
        env: [
          { name: "VTCTLD", value: `${svcHost(cluster, vtctldName(cluster))}:${GRPC_PORT}` },
          { name: "KEYSPACE", value: set.keyspace },
          { name: "SHARD", value: set.shard },
          { name: "REPLICAS", value: String(set.replicas) },
          { name: "PRIMARY", value: `${set.cell}-${String(set.uidBase).padStart(10, "0")}` },
        ],
      },
    });
    return { object: job, origin: origin("keyspaces", set.keyspaceIndex, "shards") };
  });
}
