import type { V1ConfigMap, V1Container, V1EnvVar, V1PodSpec, V1VolumeMount } from "@kubernetes/client-node";
import type { Origin } from "../diagnostics.js";
import type { Cluster } from "../fleet/fleet.js";
import { resourceValues, type Resources } from "../fleet/policy.js";
import type { MySQLClusterDocument } from "../schema/mysql.js";
import { seriesOf } from "../schema/mysql-versions.js";
import type { SecretSource } from "../schema/common.js";
import {
  CLONE_PORT, CLONE_SCRIPT, CONF_D, CONFIG_MAP_DIR, DATA_DIR, DATA_ROOT, INIT_CONFIG_SCRIPT, MYSQL_CONF_D, READINESS_SCRIPT,
  LOGIN_DIR, XTRABACKUP_TMP, sidecarScript,
} from "./mysql/scripts.js";
import { MYSQL_CONTAINER_NEEDS, mysqlTraffic } from "./mysql-privileges.js";
import { DATA_VOLUME, statefulComponent } from "./shared/components.js";
import { deleteClaims, SYNC_STEP } from "./shared/procedures.js";
import { objectMeta, selectorLabels, type ComponentRef } from "./shared/metadata.js";
import { replicasOf, requiredApart } from "./shared/placement.js";
import { secretEnv } from "./shared/secrets.js";
import { headlessService, service, tcpPort } from "./shared/workloads.js";
import type { Engine, Manifest, Procedure } from "./types.js";

type MySQLCluster = Cluster<MySQLClusterDocument>;

/**
 * Argo CD sync waves: the ConfigMap and the Services (labelled component `setup`: a stage holds one
 * wave) exist before the StatefulSet, so the first pod finds its config and its stable DNS name.
 */
export const MYSQL_WAVES = { setup: 0, mysql: 1 } as const;

const MYSQL_PORT = 3306;
const MYSQL_IMAGE = "mysql";
/** server-id = offset + ordinal: never 0, which a server that replicates may not have (as in the seed). */
const SERVER_ID_OFFSET = 100;

type ContainerKey = "mysql" | "xtrabackup" | "init-config";

/** Built-in resources per container, the lowest layer of resource defaults. */
const DEFAULT_RESOURCES: Record<ContainerKey, Resources> = {
  mysql: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
  xtrabackup: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  "init-config": { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
};
const SPEC_PATHS: Record<ContainerKey, string[]> = { mysql: [], xtrabackup: ["xtrabackup"], "init-config": ["initConfig"] };

export const mysqlEngine: Engine<MySQLClusterDocument> = {
  kind: "MySQLCluster",
  appName: "mysql",
  resourceDefaults: (["mysql", "xtrabackup", "init-config"] as const).map((component) => ({ component, defaults: DEFAULT_RESOURCES[component], specPath: SPEC_PATHS[component] })),
  replicas: (cluster) => ({ mysql: cluster.spec.replicas }),
  containers: MYSQL_CONTAINER_NEEDS,
  release: {
    field: "version",
    images: [MYSQL_IMAGE],
    // MySQL 8.0 manual, "Downgrading MySQL": in-place downgrades within 8.0 from 8.0.35 on, never below
    // it ("Cannot boot server version 80034 on data directory built by version 80035"); the 8.4 manual's
    // downgrade paths: in place within an LTS series, a logical dump and load across series.
    downgradesInPlace: (from, to) => {
      const [a, b] = [seriesOf(from), seriesOf(to)];
      return a !== undefined && a.major === b?.major && (b.major === "8.4" || Number(to.split(".")[2]) >= 35);
    },
    downgrade: (cluster, from, to) => {
      const pod = `${objectNames(cluster.name).set}-0`;
      const client = (tool: string) => `kubectl -n ${cluster.namespace} exec -i POD -c mysql -- sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec ${tool} --host=127.0.0.1 --user=root`;
      return {
        steps: [
          `set spec.version back to ${from}`,
          `to run ${to}, dump the data (${client("mysqldump").replace("POD", pod)} --all-databases --single-transaction --routines --events --triggers' > dump.sql), create a new MySQLCluster of ${to} and load it (${client("mysql").replace("POD", "NEW-mysql-0")}' < dump.sql)`,
        ],
        runbook: "docs/mysql-runbook.md#upgrade",
      };
    },
  },
  expand(cluster) {
    const origin = (...path: (string | number)[]): Origin => ({ ...cluster.origin, path: ["spec", ...path] });
    const ref = (component: string): ComponentRef => ({ cluster, appName: "mysql", component });
    const mysql = ref("mysql");
    const setup = ref("setup");
    const names = objectNames(cluster.name);
    const root = secretEnv(ref("init"), "MYSQL_PWD", "root-password", cluster.spec.rootPassword, origin("rootPassword"));
    const replication = secretEnv(ref("init"), "REPLICATION_PASSWORD", "replication-password", replicationSource(cluster.spec), origin(cluster.spec.replicationPassword ? "replicationPassword" : "rootPassword"));
    const pods = selectorLabels(mysql);
    const at = origin();
    const stateful = statefulComponent(mysql, {
      name: names.set, wave: MYSQL_WAVES.mysql, serviceName: names.headless, replicas: cluster.spec.replicas,
      apart: [requiredApart(replicasOf(mysql))],
      pod: podSpec(cluster, names, root.env, replication.env),
      storage: cluster.spec.storage, origin: at, storageOrigin: origin("storage"),
    });
    const ports = [tcpPort("mysql", MYSQL_PORT)];
    return {
      cluster,
      manifests: [
        ...root.manifests,
        ...replication.manifests,
        { object: configMap(setup, names.config), origin: at },
        { object: headlessService(setup, names.headless, MYSQL_WAVES.setup, [...ports, tcpPort("xtrabackup", CLONE_PORT)], pods), origin: at },
        { object: service(setup, names.read, MYSQL_WAVES.setup, "ClusterIP", ports, pods), origin: at },
        // The StatefulSet controller labels each pod with its name: this Service always reaches ordinal 0.
        { object: service(setup, names.primary, MYSQL_WAVES.setup, "ClusterIP", ports, { ...pods, "statefulset.kubernetes.io/pod-name": `${names.set}-0` }), origin: at },
        stateful.manifest,
      ],
      components: [{ ...stateful.component, scaleDownProcedure: (gone) => mysqlScaleDown(cluster, gone) }],
      // A drain takes down one member at a time.
      disruptionBudgets: [replicasOf(mysql)],
      traffic: mysqlTraffic(cluster, at),
    };
  },
};

/**
 * docs/mysql-runbook.md#scale-down: replicas hold no quorum, but their claims keep their data and
 * replication position, which a later scale-up restarts from only while the primary keeps the binary logs.
 */
function mysqlScaleDown(cluster: MySQLCluster, pods: readonly string[]): Procedure {
  return {
    steps: [SYNC_STEP, `unless you scale up again within binlog_expire_logs_seconds (30 days by default): ${deleteClaims(cluster.namespace, pods)}`],
    runbook: "docs/mysql-runbook.md#scale-down",
  };
}

type Names = ReturnType<typeof objectNames>;

function objectNames(cluster: string) {
  const set = `${cluster}-mysql`;
  return { set, headless: set, read: `${set}-read`, primary: `${set}-primary`, config: set };
}

/** The documented default: key replication-password of the root password's Secret (the schema requires the field beside an externalSecret). */
function replicationSource(spec: MySQLClusterDocument["spec"]): SecretSource {
  if (spec.replicationPassword) return spec.replicationPassword;
  return { secretRef: { name: spec.rootPassword.secretRef!.name, key: "replication-password" } };
}

/**
 * The seed's primary.cnf and replica.cnf, for GTID replication: both keep a binary log (a replica
 * serves clones, whose backups carry its GTID set, and can be promoted), a replica is super-read-only.
 */
const SERVER_CONFIG = ["log_bin = mysql-bin", "gtid_mode = ON", "enforce_gtid_consistency = ON"];

function configMap(ref: ComponentRef, name: string): V1ConfigMap & Manifest["object"] {
  const cnf = (...lines: string[]) => ["[mysqld]", ...lines, ""].join("\n");
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: objectMeta(ref, name, MYSQL_WAVES.setup),
    data: {
      "primary.cnf": cnf(...SERVER_CONFIG),
      "replica.cnf": cnf(...SERVER_CONFIG, "super_read_only = ON"),
    },
  };
}

const CONF_VOLUME = "conf";
const CONFIG_MAP_VOLUME = "config-map";
// xtrabackup's --target-dir; not "xtrabackup-tmp", the name the security-context rule gives the sidecar's /tmp.
const BACKUP_TARGET_VOLUME = "backup-target";
const LOGIN_VOLUME = "login";
/** mysqld's data directory is a subdirectory of the volume, so a volume's lost+found is not taken for data. */
const DATA_SUBDIR = "mysql";
const dataMount: V1VolumeMount = { name: DATA_VOLUME, mountPath: DATA_DIR, subPath: DATA_SUBDIR };
const POD_NAME: V1EnvVar = { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };

function podSpec(cluster: MySQLCluster, names: Names, rootPassword: V1EnvVar, replicationPassword: V1EnvVar): V1PodSpec {
  const series = seriesOf(cluster.spec.version)!;
  const mysqlImage = `${MYSQL_IMAGE}:${cluster.spec.version}`;
  const resources = (key: ContainerKey) => resourceValues(cluster.policy.resources[key]!);
  const peerDomain = `${names.headless}.${cluster.namespace}.svc`;
  const shell = (script: string) => ["/bin/sh", "-c", script];
  const bash = (script: string) => ["/bin/bash", "-c", script];
  const initConfig: V1Container = {
    name: "init-config",
    image: mysqlImage,
    command: shell(INIT_CONFIG_SCRIPT),
    env: [POD_NAME, { name: "SERVER_ID_OFFSET", value: String(SERVER_ID_OFFSET) }, { name: "DATA_SUBDIR", value: DATA_SUBDIR }],
    resources: resources("init-config"),
    // The volume's root, not the subPath: it creates the data directory, so the mysql user owns it (one the kubelet made for a subPath would be root's).
    volumeMounts: [{ name: CONF_VOLUME, mountPath: CONF_D }, { name: CONFIG_MAP_VOLUME, mountPath: CONFIG_MAP_DIR, readOnly: true }, { name: DATA_VOLUME, mountPath: DATA_ROOT }],
  };
  const clone: V1Container = {
    name: "clone-mysql",
    image: series.xtrabackupImage,
    command: bash(CLONE_SCRIPT),
    env: [POD_NAME, { name: "SET_NAME", value: names.set }, { name: "PEER_DOMAIN", value: peerDomain }],
    resources: resources("xtrabackup"),
    volumeMounts: [dataMount, { name: CONF_VOLUME, mountPath: MYSQL_CONF_D }],
  };
  const mysql: V1Container = {
    name: "mysql",
    image: mysqlImage,
    env: [{ ...rootPassword, name: "MYSQL_ROOT_PASSWORD" }],
    ports: [{ name: "mysql", containerPort: MYSQL_PORT }],
    // No liveness probe: a member in crash recovery answers nothing for as long as recovery takes,
    // and a liveness probe would kill it again and again (the seed's mysqladmin ping would).
    readinessProbe: { exec: { command: shell(READINESS_SCRIPT) }, initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
    resources: resources("mysql"),
    volumeMounts: [dataMount, { name: CONF_VOLUME, mountPath: MYSQL_CONF_D }],
  };
  const sidecar: V1Container = {
    name: "xtrabackup",
    image: series.xtrabackupImage,
    command: bash(sidecarScript(series.major)),
    env: [
      POD_NAME,
      { name: "PRIMARY_HOST", value: `${names.set}-0.${peerDomain}` },
      rootPassword,
      replicationPassword,
    ],
    ports: [{ name: "xtrabackup", containerPort: CLONE_PORT }],
    resources: resources("xtrabackup"),
    volumeMounts: [dataMount, { name: CONF_VOLUME, mountPath: MYSQL_CONF_D }, { name: BACKUP_TARGET_VOLUME, mountPath: XTRABACKUP_TMP }, { name: LOGIN_VOLUME, mountPath: LOGIN_DIR }],
  };
  return {
    initContainers: [initConfig, clone],
    containers: [mysql, sidecar],
    volumes: [
      { name: CONF_VOLUME, emptyDir: {} },
      { name: CONFIG_MAP_VOLUME, configMap: { name: names.config } },
      { name: BACKUP_TARGET_VOLUME, emptyDir: {} },
      // Holds root's password for xtrabackup: in memory, never on the node's disk.
      { name: LOGIN_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ],
  };
}
