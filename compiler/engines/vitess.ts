import type { Origin } from "../diagnostics.js";
import type { Resources } from "../fleet/policy.js";
import type { VitessClusterDocument } from "../schema/vitess.js";
import { replicasOf } from "./shared/placement.js";
import type { Engine } from "./types.js";
import { vtctldObjects, vtgateComponent, vtgateObjects } from "./vitess/control-plane.js";
import { APP_NAME, ref } from "./vitess/names.js";
import { VITESS_CONTAINER_NEEDS, vitessTraffic } from "./vitess/privileges.js";
import { schemaObjects } from "./vitess/schema-jobs.js";
import { electionJobs, shardGroup, tabletObjects, tabletSets } from "./vitess/tablets.js";
import { etcdObjects, topologyJob } from "./vitess/topology.js";
import { LITE_IMAGE } from "./vitess/versions.js";

type VitessComponent = "etcd" | "vtctld" | "vtgate" | "vttablet" | "mysqld";

/** Built-in resources per container, the lowest layer of resource defaults (limits within 8x of requests). */
const DEFAULT_RESOURCES: Record<VitessComponent, Resources> = {
  etcd: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  vtctld: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  vtgate: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  vttablet: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  mysqld: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
};

/**
 * VitessCluster without an operator: etcd for the topology, vtctld, a vttablet StatefulSet per
 * keyspace, shard and tablet type (vttablet beside mysqld), vtgate per cell, and the Jobs that
 * register cells and keyspaces, elect each shard's first primary and apply each keyspace's schema.
 */
export const vitessEngine: Engine<VitessClusterDocument> = {
  kind: "VitessCluster",
  appName: APP_NAME,
  resourceDefaults: (Object.keys(DEFAULT_RESOURCES) as VitessComponent[]).map((component) => ({ component, defaults: DEFAULT_RESOURCES[component], specPath: [component] })),
  replicas: (cluster) => ({
    etcd: cluster.spec.etcd.replicas,
    vtctld: cluster.spec.vtctld.replicas,
    ...Object.fromEntries(cluster.spec.cells.map((cell) => [vtgateComponent(cell), cluster.spec.vtgate.replicas])),
    ...Object.fromEntries(tabletSets(cluster).map((set) => [set.componentName, set.replicas])),
  }),
  // etcd's first members list each other in --initial-cluster.
  bootstrapped: ["etcd"],
  containers: VITESS_CONTAINER_NEEDS,
  // Vitess guarantees compatibility when upgrading to a newer patch or minor release, nothing for going
  // back (vitess.io/docs/user-guides/operating-vitess/upgrading-vitess); the tablets' mysqld goes back
  // with the release (versions.ts), and MySQL does not start on data a newer release wrote.
  release: {
    field: "version",
    images: [LITE_IMAGE],
    downgrade: (cluster, from, to) => ({
      steps: [
        `set spec.version back to ${from}`,
        `to run ${to}, restore the keyspaces' backups into a new VitessCluster of ${to}, and move clients to it from ${cluster.name}`,
      ],
      runbook: "docs/vitess-runbook.md#what-happens-on-upgrade",
    }),
  },
  expand(cluster, state) {
    const origin = (...path: (string | number)[]): Origin => ({ ...cluster.origin, path: ["spec", ...path] });
    const sets = tabletSets(cluster);
    const etcd = etcdObjects(cluster, origin, state.bootstrap.etcd ?? cluster.spec.etcd.replicas);
    const vtctld = vtctldObjects(cluster, origin);
    const tablets = tabletObjects(cluster, sets, origin);
    const vtgate = vtgateObjects(cluster, origin);
    const shards = [...new Map(sets.map((s) => [`${s.keyspace}/${s.shard}`, s])).values()];
    return {
      cluster,
      manifests: [...etcd.manifests, topologyJob(cluster, origin), ...vtctld.manifests, ...tablets.manifests, ...electionJobs(cluster, sets, origin), ...schemaObjects(cluster, origin), ...vtgate.manifests],
      components: [etcd.component, vtctld.component, ...tablets.components, ...vtgate.components],
      // etcd is a Raft quorum; a shard loses one tablet at a time, so a drain never takes its primary and its candidates together.
      disruptionBudgets: [replicasOf(ref(cluster, "etcd")), ...shards.map((s) => shardGroup(cluster, sets, s.keyspace, s.shard))],
      traffic: vitessTraffic(cluster, origin),
    };
  },
};
