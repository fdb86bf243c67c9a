import type { Origin } from "../diagnostics.js";
import type { Cluster } from "../fleet/fleet.js";
import type { AntDBClusterDocument } from "../schema/antdb.js";
import type { ComponentTraffic, ContainerNeeds, NetworkPeer } from "./types.js";

// Least privilege for the AntDB engine (issue 13): what each container needs, and who connects to whom.
// Declarations only; the security-context, network-policies and pod-security rules enforce them.
// Container and port names are those of engines/antdb.ts; "ChengXiaoZ/AntDB" is AntDB's source.

/**
 * The source article's Dockerfile (centos:7.7.1908) creates the user with `groupadd antdb && useradd -g
 * antdb antdb`, the first of either in the image, so CentOS 7's login.defs (UID_MIN and GID_MIN 1000)
 * gives it 1000:1000; it chowns /opt/app/antdb to antdb and ends with `USER antdb`. The UID must be the
 * image's: initdb and the server look the running user up in /etc/passwd. No capability is needed: every
 * port is above 1024.
 */
const ANTDB_USER = { uid: 1000, gid: 1000 };

/**
 * Every node's database (gtmcoord, coordinator, datanode) and the manager are PostgreSQL servers: each
 * opens its Unix socket and lock file in /tmp (DEFAULT_PGSOCKET_DIR, ChengXiaoZ/AntDB
 * src/include/pg_config_manual.h), and an agent writes APPEND's schema dump to /tmp/pg_dumpall_temp_*
 * (PG_DUMPALL_TEMP_FILE, src/adbmgrd/manager/cmd_node.c). Data, postmaster.pid and the server log
 * (`pg_ctl ... -l <node path>/logfile`, cmd_node.c) stay on the data volume. The agent appends PATH to
 * ~/.bashrc when it starts (agt_add_environment_var, src/bin/agent/agent.c) and only warns when it
 * cannot: the image's ENV PATH already has /opt/app/antdb/bin, so the home directory stays read-only.
 */
const NODE: ContainerNeeds = { runAs: ANTDB_USER, scratch: ["/tmp"] };

export const ANTDB_CONTAINER_NEEDS: Record<string, ContainerNeeds> = {
  gc: NODE,
  gcs: NODE,
  cn: NODE,
  dn: NODE,
  ds: NODE,
  // adbmgrd's socket and lock file in /tmp; initmgr writes only the directory it is given, on the volume.
  mgr: NODE,
  // The image's /bin/sh is bash (CentOS 7), which writes the registration script's here-documents
  // (the node list on descriptor 3) to files in /tmp.
  register: { runAs: ANTDB_USER, scratch: ["/tmp"] },
};

/** The components that serve SQL and exchange rows: coordinators and datanodes (a standby is a master after a failover). */
const SQL_NODES = ["cn", "dn", "ds"];

/**
 * Who connects to which port, from the scripts and AntDB's source:
 * - the manager drives every node through its agent (port 8432: ma_connect_hostoid in
 *   src/adbmgrd/manager/cmd_node.c) and reaches every node's database itself (monitor_job.c PQping,
 *   PQsetdbLogin to coordinators in cmd_node.c);
 * - the node pods' postStart and preStop hooks and the registration Job call the manager (psql to
 *   C-mgr:6432); its probes, like the nodes', stay on 127.0.0.1;
 * - coordinators and datanodes are the GTM's clients (agtm_host/agtm_port, mgr_get_agtm_host_and_port
 *   in cmd_node.c); a standby copies and streams from its master (pg_basebackup -h <master>,
 *   mgr_pgbasebackup) and a master from its old standby when it rejoins after a failover, so each of
 *   a pair reaches the other;
 * - coordinators read datanodes and each other; a new datanode's agent loads the schema from a
 *   coordinator (pg_dumpall -h <coordinator>, then psql into the datanode, cmd_node.c);
 * - AntDB 4.0 and later run queries that redistribute rows through "reduce" processes, which listen on
 *   a port each picks when it starts and report to their peers (GetReduceListenPort, rdc_listen_port in
 *   src/backend/reduce): coordinators and datanodes reach each other on every port.
 * No exporter runs (the pods override the image's CMD, which starts node_exporter), so no port serves metrics.
 */
export function antdbTraffic(cluster: Cluster<AntDBClusterDocument>, origin: (...path: string[]) => Origin): ComponentTraffic[] {
  const { gtm, datanodes, coordinators } = cluster.spec;
  // A ClusterIP Service serves the cluster's pods, of any namespace unless the spec names clients.
  const sqlClients: NetworkPeer[] = coordinators.clients ?? [{ namespaceSelector: {} }];
  const gtmPair = gtm.standby ? ["gc", "gcs"] : ["gc"];
  const sqlNodes = SQL_NODES.filter((c) => c !== "ds" || datanodes.standby);
  const node = (component: string, at: Origin, db: readonly string[], extra: ComponentTraffic["ports"] = []): ComponentTraffic => ({
    component, origin: at, ports: [
      { port: "agent", peers: ["mgr"] },
      { port: "db", peers: ["mgr", ...db] },
      ...extra,
    ],
  });
  const reduce = { peers: sqlNodes, dynamic: "AntDB's reduce processes listen on ports they pick at run time" };
  return [
    ...gtmPair.map((c) => node(c, c === "gcs" ? origin("gtm", "standby") : origin("gtm"), [...gtmPair.filter((p) => p !== c), ...sqlNodes])),
    node("dn", origin("datanodes"), sqlNodes, [reduce]),
    ...(datanodes.standby ? [node("ds", origin("datanodes", "standby"), sqlNodes, [reduce])] : []),
    {
      component: "cn", origin: origin("coordinators"), ports: [
        { port: "agent", peers: ["mgr"] },
        { port: "db", peers: ["mgr", ...sqlNodes], clients: sqlClients },
        reduce,
      ],
    },
    { component: "mgr", origin: origin("mgr"), ports: [{ port: "mgr", peers: [...gtmPair, ...sqlNodes, "register"] }] },
  ];
}
