import type { Origin } from "../diagnostics.js";
import type { Cluster } from "../fleet/fleet.js";
import type { MySQLClusterDocument } from "../schema/mysql.js";
import type { ComponentTraffic, ContainerNeeds, NetworkPeer } from "./types.js";

// Least privilege for the MySQL engine (issue 13): what each image needs, and who connects to whom.
// Declarations only; the security-context, network-policies and pod-security rules enforce them.
// Container and port names are those of engines/mysql.ts.

/**
 * The mysql image's own user (docker-library/mysql 8.0 and 8.4 Dockerfile.oracle: groupadd --gid 999
 * mysql, useradd --uid 999 --gid 999). Its entrypoint supports a non-root start: it creates the
 * directories of datadir, socket, pid-file and secure-file-priv (docker_create_db_directories) and
 * steps down with gosu only when it runs as root. The XtraBackup containers run as this user too,
 * not as the percona image's own 1001 (percona/percona-docker percona-xtrabackup-8.0 and 8.x
 * Dockerfile: useradd -u 1001, USER 1001), because they read and write the files mysqld owns; the
 * percona image installs its tools under /usr/bin for any user.
 */
const MYSQL_USER = { uid: 999, gid: 999 };

export const MYSQL_CONTAINER_NEEDS: Record<string, ContainerNeeds> = {
  // Writes only its emptyDir (conf.d) and creates the data directory on the volume; /bin/sh is bash, run without a here-document.
  "init-config": { runAs: MYSQL_USER, scratch: [] },
  // mysqld's sockets and pid file are in /var/run/mysqld (the Dockerfile moves the socket there and makes the directory
  // world-writable "regardless of the UID our mysqld instance ends up having"; pid-file is there in the package's
  // /etc/my.cnf); tmpdir defaults to /tmp, where the entrypoint's bash also keeps the here-documents of its first-start SQL;
  // secure-file-priv is /var/lib/mysql-files (that my.cnf), which the entrypoint creates and SELECT ... INTO OUTFILE writes.
  mysql: { runAs: MYSQL_USER, scratch: ["/tmp", "/var/run/mysqld", "/var/lib/mysql-files"] },
  // The sidecar's bash writes the here-documents of its SQL to /tmp (the images' UBI bash), and xtrabackup --backup
  // keeps its temporary files in tmpdir, /tmp by default; its --target-dir is an emptyDir of the engine's own.
  xtrabackup: { runAs: MYSQL_USER, scratch: ["/tmp"] },
  // xbstream and xtrabackup --prepare write the data directory; /tmp is a precaution for xtrabackup's tmpdir, not a write
  // found in --prepare.
  "clone-mysql": { runAs: MYSQL_USER, scratch: ["/tmp"] },
};

/**
 * Who connects to which port, from the start scripts: every member's clone-mysql init container streams
 * a backup from the xtrabackup port of the member before it (ordinal 0 asks replica 1 whether it serves
 * clones); each replica's mysqld replicates from the primary's MySQL port (CHANGE REPLICATION SOURCE TO
 * SOURCE_HOST = the primary's pod name, SOURCE_PORT = 3306). The sidecar and the readiness probe talk to
 * mysqld on 127.0.0.1, which no NetworkPolicy filters. The members are one component, so those are
 * mysql -> mysql. Neither image serves metrics (there is no exporter sidecar), so no port is open to
 * monitoring.
 */
export function mysqlTraffic(cluster: Cluster<MySQLClusterDocument>, origin: Origin): ComponentTraffic[] {
  // Both client Services are ClusterIP: by default every pod of the cluster may connect.
  const clients: NetworkPeer[] = cluster.spec.clients ?? [{ namespaceSelector: {} }];
  return [
    { component: "mysql", origin, ports: [
      { port: "mysql", peers: ["mysql"], clients },
      { port: "xtrabackup", peers: ["mysql"] },
    ] },
  ];
}
