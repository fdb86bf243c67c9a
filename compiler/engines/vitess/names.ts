import type { Origin } from "../../diagnostics.js";
import type { Cluster } from "../../fleet/fleet.js";
import type { VitessClusterDocument } from "../../schema/vitess.js";
import type { ComponentRef } from "../shared/metadata.js";

export type VitessCluster = Cluster<VitessClusterDocument>;
export type OriginAt = (...path: (string | number)[]) => Origin;

export const APP_NAME = "vitess";

/** Argo CD sync waves, the start order Vitess needs: each step reads what the one before wrote to the topology. */
export const VITESS_WAVES = { etcd: 0, topology: 1, vtctld: 2, vttablet: 3, election: 4, schema: 5, vtgate: 6 } as const;

export const WEB_PORT = 15000;
export const GRPC_PORT = 15999;
export const MYSQL_PORT = 3306;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

/** Where the global topology lives in etcd (as Vitess's examples lay it out; each cell's is /vitess/<cell>). */
export const GLOBAL_ROOT = "/vitess/global";

export function ref(cluster: VitessCluster, component: string, labels?: Record<string, string>): ComponentRef {
  return { cluster, appName: APP_NAME, component, ...(labels && { labels }) };
}

export function svcHost(cluster: VitessCluster, service: string): string {
  return `${service}.${cluster.namespace}.svc`;
}

export const etcdName = (cluster: VitessCluster): string => `${cluster.name}-etcd`;
export const vtctldName = (cluster: VitessCluster): string => `${cluster.name}-vtctld`;

/** The etcd client address every Vitess process reads the topology from. */
export function topoAddress(cluster: VitessCluster): string {
  return `${svcHost(cluster, etcdName(cluster))}:${ETCD_CLIENT_PORT}`;
}

/** The flags that point a Vitess process at the global topology (Vitess examples' TOPOLOGY_FLAGS). */
export function topoFlags(cluster: VitessCluster): string[] {
  return ["--topo_implementation=etcd2", `--topo_global_server_address=${topoAddress(cluster)}`, `--topo_global_root=${GLOBAL_ROOT}`];
}
