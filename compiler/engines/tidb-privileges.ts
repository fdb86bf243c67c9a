import type { Origin } from "../diagnostics.js";
import type { Cluster } from "../fleet/fleet.js";
import type { TiDBClusterDocument } from "../schema/tidb.js";
import type { ComponentTraffic, ContainerNeeds, NetworkPeer } from "./types.js";

// Least privilege for the TiDB engine (issue 13): what each image needs, and who connects to whom.
// Declarations only; the security-context, network-policies and pod-security rules enforce them.
// Container and port names are those of engines/tidb.ts.

/**
 * The pingcap images set no USER, so they would run as root, yet nothing in them needs root: the
 * binaries sit world-executable at / (tikv/pd Dockerfile: alpine, ENTRYPOINT /pd-server; pingcap/tidb
 * Dockerfile: WORKDIR /, /tidb-server; tikv/tikv Dockerfile: /tikv-server), and the processes write
 * only their --data-dir and the temp directory. Any non-root UID works once it owns the data directory.
 */
const PINGCAP_USER = { uid: 1000, gid: 1000 };

export const TIDB_CONTAINER_NEEDS: Record<string, ContainerNeeds> = {
  // PD's embedded TiDB Dashboard keeps its data under --data-dir (tikv/pd pkg/dashboard/adapter/config.go). /tmp, here
  // and for TiKV, is a precaution for on-demand profiles, not a write found in their defaults.
  pd: { runAs: PINGCAP_USER, scratch: ["/tmp"] },
  // TiKV writes its stores, raft log and import files under --data-dir.
  tikv: { runAs: PINGCAP_USER, scratch: ["/tmp"] },
  // TiDB spills to tmp-storage-path and temp-dir under /tmp and opens /tmp/tidb-4000.sock (pingcap/tidb pkg/config/config.go
  // defaults); its slow log, slow-query-file "tidb-slow.log", is relative to the working directory, "/" in the image.
  tidb: { runAs: PINGCAP_USER, scratch: ["/tmp", "/var/log/tidb"], workingDir: "/var/log/tidb" },
  // The mysql image's own user (docker-library/mysql 8.0 Dockerfile.oracle: useradd --uid 999 --gid 999 mysql); its
  // /bin/sh is bash, which writes the init script's here-document to a file in /tmp.
  "set-root-password": { runAs: { uid: 999, gid: 999 }, scratch: ["/tmp"] },
};

/**
 * Who connects to which port, from the start scripts and upstream: PD members join and forward through
 * the client port and replicate over the peer port; TiKV (--pd) and TiDB (--path) are PD clients; TiKV
 * stores replicate to each other and TiDB reads and writes them on 20160; PD reads each store's /config
 * on its status port (tikv/pd server/cluster/cluster.go, syncStoreConfig) and TiDB reads every server's
 * status port for its CLUSTER_* tables (pingcap/tidb pkg/executor/memtable_reader.go, fetchClusterConfig);
 * PD's TiDB Dashboard signs in over SQL and reads TiDB's status port; the init Job sets the password over SQL.
 */
export function tidbTraffic(cluster: Cluster<TiDBClusterDocument>, origin: (...path: string[]) => Origin): ComponentTraffic[] {
  const { service, clients } = cluster.spec.tidb;
  // A ClusterIP Service serves the cluster's pods; NodePort and LoadBalancer ones serve outside clients too.
  const sqlClients: NetworkPeer[] = clients ?? (service.type === "ClusterIP" ? [{ namespaceSelector: {} }] : []);
  return [
    { component: "pd", origin: origin("pd"), ports: [
      { port: "client", peers: ["pd", "tikv", "tidb"], metrics: true },
      { port: "peer", peers: ["pd"] },
    ] },
    { component: "tikv", origin: origin("tikv"), ports: [
      { port: "server", peers: ["tikv", "tidb"] },
      { port: "status", peers: ["pd", "tidb"], metrics: true },
    ] },
    { component: "tidb", origin: origin("tidb"), ports: [
      { port: "mysql-client", peers: ["init", "pd"], clients: sqlClients },
      { port: "status", peers: ["pd", "tidb"], metrics: true },
    ] },
  ];
}
