import type { ComponentTraffic, ContainerNeeds, NetworkPeer } from "../types.js";
import type { OriginAt, VitessCluster } from "./names.js";

// Least privilege for the Vitess engine (issue 13): what each image needs, and who connects to whom.
// Declarations only; the security-context, network-policies and pod-security rules enforce them.
// Container and port names are those of engines/vitess/*.ts.

/**
 * vitess/lite runs as its user vitess, and the mysql image as mysql, both 999:999; vitess-operator
 * runs every Vitess pod as 999 with fsGroup 999 (DefaultVitessRunAsUser, DefaultVitessFSGroup in
 * pkg/apis/planetscale/v2/defaults.go). Vitess's programs log through glog, which writes files to
 * the temp directory unless told --logtostderr (the Jobs' vtctl and vtctldclient are not), hence /tmp.
 */
const VITESS_USER = { uid: 999, gid: 999 };
const VITESS = { runAs: VITESS_USER, scratch: ["/tmp"] } as const satisfies ContainerNeeds;

/**
 * The etcd image is distroless and sets no user; etcd needs none of root's rights: it writes only
 * its --data-dir, on the claim (fsGroup makes it writable). 65532 is distroless's "nonroot" user.
 */
const ETCD_USER = { uid: 65532, gid: 65532 };

export const VITESS_CONTAINER_NEEDS: Record<string, ContainerNeeds> = {
  etcd: { runAs: ETCD_USER, scratch: [] },
  vtctld: VITESS,
  vtgate: VITESS,
  // vttablet and mysqlctld write their data under VTDATAROOT (the claim) and their sockets in vt-root.
  vttablet: VITESS,
  mysqld: VITESS,
  "init-vt-root": { runAs: VITESS_USER, scratch: [] },
  register: VITESS,
  elect: VITESS,
  apply: VITESS,
};

/**
 * Who connects to which port: every Vitess process reads the topology from etcd's client port, etcd
 * members replicate over the peer port; the Jobs call vtctld's gRPC; vtctld (tablet manager RPCs: the
 * election, reparents), vtgate (queries) and other tablets (VReplication streams) call a tablet's gRPC;
 * a replica's mysqld replicates from the primary's on 3306. The web ports serve /metrics.
 */
export function vitessTraffic(cluster: VitessCluster, origin: OriginAt): ComponentTraffic[] {
  const { service, clients } = cluster.spec.vtgate;
  // A ClusterIP Service serves the cluster's pods; NodePort and LoadBalancer ones serve outside clients too.
  const sqlClients: NetworkPeer[] = clients ?? (service.type === "ClusterIP" ? [{ namespaceSelector: {} }] : []);
  return [
    { component: "etcd", origin: origin("etcd"), ports: [
      { port: "client", peers: ["topology", "vtctld", "vttablet", "vtgate"], metrics: true },
      { port: "peer", peers: ["etcd"] },
    ] },
    { component: "vtctld", origin: origin("vtctld"), ports: [
      { port: "web", peers: [], metrics: true },
      { port: "grpc", peers: ["primary-election", "schema"] },
    ] },
    { component: "vttablet", origin: origin("keyspaces"), ports: [
      { port: "web", peers: ["vtctld"], metrics: true },
      { port: "grpc", peers: ["vtctld", "vtgate", "vttablet"] },
      { port: "mysql", peers: ["vttablet"] },
    ] },
    { component: "vtgate", origin: origin("vtgate"), ports: [
      { port: "mysql", peers: [], clients: sqlClients },
      { port: "web", peers: [], metrics: true },
    ] },
  ];
}
