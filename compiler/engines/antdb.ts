import type { V1Container, V1EnvVar, V1Probe } from "@kubernetes/client-node";
import type { Origin } from "../diagnostics.js";
import type { Cluster } from "../fleet/fleet.js";
import { resourceValues, type Resources } from "../fleet/policy.js";
import type { AntDBClusterDocument } from "../schema/antdb.js";
import {
  ADB_HOME, DATA_ROOT, INIT_FAILED_EXIT, MGR_READINESS_SCRIPT, MGR_START_SCRIPT, NODE_GRACE_SECONDS, NODE_POST_START_SCRIPT, NODE_PRE_STOP_SCRIPT, NODE_READINESS_SCRIPT,
  NODE_START_SCRIPT, PORTS, REGISTER_SCRIPT,
} from "./antdb-scripts.js";
import { ANTDB_CONTAINER_NEEDS, antdbTraffic } from "./antdb-privileges.js";
import { DATA_VOLUME, statefulComponent } from "./shared/components.js";
import { hookJob } from "./shared/jobs.js";
import { SYNC_STEP } from "./shared/procedures.js";
import { selectorLabels, type ComponentRef } from "./shared/metadata.js";
import { preferredApart, replicasOf, requiredApart } from "./shared/placement.js";
import { headlessService, service, tcpPort } from "./shared/workloads.js";
import type { Component, Engine, Manifest, PodSet, Procedure, Separation } from "./types.js";

type AntDBCluster = Cluster<AntDBClusterDocument>;

type ComponentName = "gc" | "gcs" | "cn" | "dn" | "ds" | "mgr";

/**
 * Argo CD sync waves, as the issue orders start-up: the GTM first (cn and dn take their GTM address from
 * the manager when it initialises them), then the datanode pairs, the coordinators, the manager, and the
 * registration Job (a PostSync hook) last, once every pod runs.
 */
export const ANTDB_WAVES: Record<ComponentName, number> = { gc: 0, gcs: 0, dn: 1, ds: 1, cn: 2, mgr: 3 };

/** The source article's resource table ("资源设置"), exactly: the lowest layer of resource defaults. */
const NODE_RESOURCES: Resources = { requests: { cpu: "1", memory: "500M" }, limits: { cpu: "2", memory: "1G" } };
const DEFAULT_RESOURCES: Record<ComponentName, Resources> = {
  gc: NODE_RESOURCES,
  gcs: NODE_RESOURCES,
  cn: { requests: { cpu: "1", memory: "256M" }, limits: { cpu: "2", memory: "512M" } },
  dn: NODE_RESOURCES,
  ds: NODE_RESOURCES,
  mgr: NODE_RESOURCES,
};

/** Where each component's resources are overridden in the spec: a standby is sized like its master, which it replaces on failover. */
const SPEC_PATHS: Record<ComponentName, string> = { gc: "gtm", gcs: "gtm", cn: "coordinators", dn: "datanodes", ds: "datanodes", mgr: "mgr" };

/** What the manager calls each node component (ADD / APPEND <type> <role>), and its port. */
const NODE_KINDS: Record<Exclude<ComponentName, "mgr">, { type: string; role: "MASTER" | "SLAVE"; port: number; masterOf?: ComponentName }> = {
  gc: { type: "GTMCOORD", role: "MASTER", port: PORTS.gtmcoord },
  gcs: { type: "GTMCOORD", role: "SLAVE", port: PORTS.gtmcoord, masterOf: "gc" },
  dn: { type: "DATANODE", role: "MASTER", port: PORTS.datanode },
  ds: { type: "DATANODE", role: "SLAVE", port: PORTS.datanode, masterOf: "dn" },
  cn: { type: "COORDINATOR", role: "MASTER", port: PORTS.coordinator },
};

export const antdbEngine: Engine<AntDBClusterDocument> = {
  kind: "AntDBCluster",
  appName: "antdb",
  resourceDefaults: (Object.keys(DEFAULT_RESOURCES) as ComponentName[]).map((component) => ({
    component, defaults: DEFAULT_RESOURCES[component], specPath: [SPEC_PATHS[component]],
  })),
  replicas: ({ spec }) => ({
    gc: 1, ...(spec.gtm.standby && { gcs: 1 }), cn: spec.coordinators.replicas,
    dn: spec.datanodes.replicas, ...(spec.datanodes.standby && { ds: spec.datanodes.replicas }), mgr: 1,
  }),
  containers: ANTDB_CONTAINER_NEEDS,
  expand(cluster) {
    const ref = (component: string): ComponentRef => ({ cluster, appName: "antdb", component });
    const origin = (...path: (string | number)[]): Origin => ({ ...cluster.origin, path: ["spec", ...path] });
    const set = (component: ComponentName): PodSet => replicasOf(ref(component));
    const { gtm, datanodes, coordinators } = cluster.spec;
    // The seed's relations: a datanode master and a standby never share a node, declared on both sides;
    // GTM master and standby avoid each other with weight 100. Replicas of one kind spread where they can.
    const nodes: { component: Exclude<ComponentName, "mgr">; replicas: number; apart: Separation[]; at: Origin }[] = [
      { component: "gc", replicas: 1, apart: gtm.standby ? [preferredApart(set("gcs"), 100)] : [], at: origin("gtm") },
      ...(gtm.standby ? [{ component: "gcs" as const, replicas: 1, apart: [preferredApart(set("gc"), 100)], at: origin("gtm", "standby") }] : []),
      {
        component: "dn", replicas: datanodes.replicas, at: origin("datanodes"),
        apart: [...(datanodes.standby ? [requiredApart(set("ds"))] : []), preferredApart(set("dn"), 100)],
      },
      ...(datanodes.standby
        ? [{ component: "ds" as const, replicas: datanodes.replicas, apart: [requiredApart(set("dn")), preferredApart(set("ds"), 100)], at: origin("datanodes", "standby") }]
        : []),
      { component: "cn", replicas: coordinators.replicas, apart: [preferredApart(set("cn"), 100)], at: origin("coordinators") },
    ];
    const built = [...nodes.map((node) => nodeComponent(cluster, ref(node.component), node, origin)), mgrComponent(cluster, ref("mgr"), origin)];
    const register = registerJob(cluster, ref("register"), nodes, origin);
    const running = nodes.map((n) => n.component);
    return {
      cluster,
      manifests: [...built.flatMap((b) => b.manifests), register],
      components: built.map((b) => b.component),
      // The GTM pair and the datanode pairs are primary/standby sets: a drain takes one of their pods at a time.
      disruptionBudgets: [
        ...(gtm.standby ? [pairSet(cluster, "gtm", running)] : []),
        pairSet(cluster, "datanodes", running),
      ],
      traffic: antdbTraffic(cluster, origin),
    };
  },
};

/** The primary/standby sets: their pods carry `app.kubernetes.io/part-of: <set>`, so one budget selects masters and standbys. */
const PAIRS = { gtm: ["gc", "gcs"], datanodes: ["dn", "ds"] } as const satisfies Record<string, readonly ComponentName[]>;
const PART_OF = "app.kubernetes.io/part-of";
const COMPONENT_LABEL = "app.kubernetes.io/component";

function pairOf(component: ComponentName): keyof typeof PAIRS | undefined {
  return (Object.keys(PAIRS) as (keyof typeof PAIRS)[]).find((pair) => (PAIRS[pair] as readonly string[]).includes(component));
}

/** One pair set over the components of it that the cluster runs. */
function pairSet(cluster: AntDBCluster, pair: keyof typeof PAIRS, running: readonly string[]): PodSet {
  const ofCluster = Object.entries(selectorLabels({ cluster, appName: "antdb", component: pair })).filter(([key]) => key !== COMPONENT_LABEL);
  return { name: pair, selector: { ...Object.fromEntries(ofCluster), [PART_OF]: pair }, components: PAIRS[pair].filter((c) => running.includes(c)) };
}

function names(cluster: AntDBCluster, component: string) {
  const name = `${cluster.name}-${component}`;
  return { name, peer: `${name}-peer`, host: `${name}.${cluster.namespace}.svc` };
}

function execProbe(script: string): V1Probe {
  return { exec: { command: ["/bin/sh", "-c", script] }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
}

const POD_ENV: V1EnvVar[] = [
  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
];

function nodeComponent(
  cluster: AntDBCluster, ref: ComponentRef,
  node: { component: Exclude<ComponentName, "mgr">; replicas: number; apart: Separation[]; at: Origin },
  origin: (...path: (string | number)[]) => Origin,
): { manifests: Manifest[]; component: Component } {
  const kind = NODE_KINDS[node.component];
  const wave = ANTDB_WAVES[node.component];
  const { name, peer } = names(cluster, node.component);
  const container: V1Container = {
    name: node.component,
    image: cluster.spec.image,
    command: ["/bin/sh", "-c", NODE_START_SCRIPT],
    env: [
      ...POD_ENV,
      { name: "NODE_PREFIX", value: node.component },
      { name: "NODE_PORT", value: String(kind.port) },
      { name: "AGENT_PORT", value: String(PORTS.agent) },
      { name: "MGR_HOST", value: names(cluster, "mgr").host },
    ],
    ports: [
      { name: "agent", containerPort: PORTS.agent },
      { name: "db", containerPort: kind.port },
    ],
    readinessProbe: execProbe(NODE_READINESS_SCRIPT),
    lifecycle: {
      postStart: { exec: { command: ["/bin/sh", "-c", NODE_POST_START_SCRIPT] } },
      preStop: { exec: { command: ["/bin/sh", "-c", NODE_PRE_STOP_SCRIPT] } },
    },
    resources: resourceValues(cluster.policy.resources[node.component]!),
    volumeMounts: [{ name: DATA_VOLUME, mountPath: DATA_ROOT }],
  };
  const stateful = statefulComponent(ref, {
    name, wave, serviceName: peer, replicas: node.replicas, apart: node.apart,
    pod: { containers: [container], terminationGracePeriodSeconds: NODE_GRACE_SECONDS },
    ...(pairOf(node.component) && { podLabels: { [PART_OF]: pairOf(node.component)! } }), storage: cluster.spec.storage, origin: node.at, storageOrigin: origin("storage"),
  });
  const ports = [tcpPort("agent", PORTS.agent), tcpPort("db", kind.port)];
  const scaleDown = SCALE_DOWN[node.component];
  return {
    manifests: [
      { object: headlessService(ref, peer, wave, ports), origin: node.at },
      ...(node.component === "cn" ? [{ object: service(ref, name, wave, "ClusterIP", [tcpPort("db", kind.port)]), origin: node.at }] : []),
      stateful.manifest,
    ],
    component: { ...stateful.component, ...(scaleDown && { scaleDownProcedure: scaleDown(cluster) }) },
  };
}

/** adbmgr's shell on the manager pod (docs/antdb-runbook.md). */
function managerShell(cluster: AntDBCluster): string {
  return `kubectl -n ${cluster.namespace} exec -it ${names(cluster, "mgr").name}-0 -- /opt/app/antdb/bin/psql -p ${PORTS.mgr} -U antdb -d postgres`;
}

/** pod `<cluster>-cn-K` is AntDB node cnK. */
function nodeName(pod: string): string {
  const [, component, ordinal] = /-(\w+)-(\d+)$/.exec(pod)!;
  return `${component}${ordinal}`;
}

/**
 * What to do before lowering replicas: the manager keeps a stopped coordinator in the cluster until
 * it is removed (adbmgr's STOP/REMOVE COORDINATOR), and a datanode's data would go with it. The pair
 * warns once, at datanodes.replicas.
 */
const SCALE_DOWN: Partial<Record<ComponentName, (cluster: AntDBCluster) => (pods: readonly string[]) => Procedure>> = {
  cn: (cluster) => (pods) => ({
    steps: [
      `in ${managerShell(cluster)}: ${pods.map(nodeName).map((node) => `STOP COORDINATOR MASTER ${node} MODE FAST; REMOVE COORDINATOR MASTER ${node};`).join(" ")}`,
      SYNC_STEP,
    ],
    runbook: "docs/antdb-runbook.md#remove-a-coordinator",
  }),
  dn: () => () => ({
    steps: ["keep spec.datanodes.replicas as it was: clusterc does not move a datanode's data off, so its pair cannot go"],
    runbook: "docs/antdb-runbook.md#datanodes-do-not-scale-down",
  }),
};

function mgrComponent(cluster: AntDBCluster, ref: ComponentRef, origin: (...path: (string | number)[]) => Origin): { manifests: Manifest[]; component: Component } {
  const wave = ANTDB_WAVES.mgr;
  const { name, peer } = names(cluster, "mgr");
  const container: V1Container = {
    name: "mgr",
    image: cluster.spec.image,
    command: ["/bin/sh", "-c", MGR_START_SCRIPT],
    ports: [{ name: "mgr", containerPort: PORTS.mgr }],
    readinessProbe: execProbe(MGR_READINESS_SCRIPT),
    resources: resourceValues(cluster.policy.resources.mgr!),
    volumeMounts: [{ name: DATA_VOLUME, mountPath: DATA_ROOT }],
  };
  const at = origin("mgr");
  const stateful = statefulComponent(ref, {
    name, wave, serviceName: peer, replicas: 1, apart: [],
    pod: { containers: [container] }, storage: cluster.spec.storage, origin: at, storageOrigin: origin("storage"),
  });
  const ports = [tcpPort("mgr", PORTS.mgr)];
  return {
    manifests: [
      { object: headlessService(ref, peer, wave, ports), origin: at },
      { object: service(ref, name, wave, "ClusterIP", ports), origin: at },
      stateful.manifest,
    ],
    component: stateful.component,
  };
}

/**
 * The registration Job's node list, one line a node, `name type role master port dns`, in the order the
 * manager needs: the GTM master, its standby, each datanode master followed by its standby, then the
 * coordinators. The pod's DNS name is how the Job finds the address the manager needs (it takes IPs only).
 */
function nodeLines(cluster: AntDBCluster, nodes: readonly { component: Exclude<ComponentName, "mgr">; replicas: number }[]): string {
  const line = (component: Exclude<ComponentName, "mgr">, ordinal: number) => {
    const kind = NODE_KINDS[component];
    const { name, peer } = names(cluster, component);
    const master = kind.masterOf ? `${kind.masterOf}${ordinal}` : "-";
    return `${component}${ordinal} ${kind.type} ${kind.role} ${master} ${kind.port} ${name}-${ordinal}.${peer}.${cluster.namespace}.svc`;
  };
  const replicasOfNode = (component: Exclude<ComponentName, "mgr">) => nodes.find((n) => n.component === component)?.replicas ?? 0;
  const ordinals = (component: Exclude<ComponentName, "mgr">) => Array.from({ length: replicasOfNode(component) }, (_, i) => i);
  return [
    ...ordinals("gc").map((i) => line("gc", i)),
    ...ordinals("gcs").map((i) => line("gcs", i)),
    ...ordinals("dn").flatMap((i) => [line("dn", i), ...(replicasOfNode("ds") > i ? [line("ds", i)] : [])]),
    ...ordinals("cn").map((i) => line("cn", i)),
  ].join("\n");
}

function registerJob(
  cluster: AntDBCluster, ref: ComponentRef, nodes: readonly { component: Exclude<ComponentName, "mgr">; replicas: number }[],
  origin: (...path: (string | number)[]) => Origin,
): Manifest {
  const container: V1Container = {
    name: "register",
    image: cluster.spec.image,
    command: ["/bin/sh", "-c", REGISTER_SCRIPT],
    env: [
      { name: "MGR_HOST", value: names(cluster, "mgr").host },
      { name: "AGENT_PORT", value: String(PORTS.agent) },
      { name: "ADB_HOME", value: ADB_HOME },
      { name: "DATA_ROOT", value: DATA_ROOT },
      { name: "GTM_MASTER", value: "gc0" },
      { name: "NODES", value: nodeLines(cluster, nodes) },
    ],
  };
  const job = hookJob(ref, { name: `${cluster.name}-register`, wave: ANTDB_WAVES.mgr, hook: "PostSync", container, noRetryExitCode: INIT_FAILED_EXIT });
  return { object: job, origin: origin() };
}

