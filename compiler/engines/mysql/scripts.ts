import { refuseEmptySecret, shellScript } from "../shared/shell.js";

/** Where each container sees the member's data, its ConfigMap and the config it assembles. */
export const DATA_DIR = "/var/lib/mysql";
export const CONFIG_MAP_DIR = "/mnt/config-map";
export const CONF_D = "/mnt/conf.d";
/** Where init-config sees the root of the data volume, in which it creates the data directory. */
export const DATA_ROOT = "/mnt/data";
/** Where the mysql image reads extra config (its /etc/my.cnf ends with !includedir /etc/mysql/conf.d/: docker-library/mysql Dockerfile.oracle). */
export const MYSQL_CONF_D = "/etc/mysql/conf.d";
/** Scratch space of `xtrabackup --backup --stream`, an emptyDir. */
export const XTRABACKUP_TMP = "/tmp/xtrabackup";
/** An in-memory emptyDir for the option file that carries root's password to xtrabackup. */
export const LOGIN_DIR = "/run/clusterc";
const XTRABACKUP_LOGIN = `${LOGIN_DIR}/xtrabackup.cnf`;

export const CLONE_PORT = 3307;
export const REPLICATION_USER = "repl";
/** CHANGE REPLICATION SOURCE TO takes a SOURCE_PASSWORD of at most 32 characters (MySQL 8.0 and 8.4 reference manual). */
const SOURCE_PASSWORD_MAX = 32;

const ORDINAL = [
  'ordinal="${POD_NAME##*-}"',
  'case "${ordinal}" in',
  '  "" | *[!0-9]*) echo "cannot read a StatefulSet ordinal from the pod name ${POD_NAME}" >&2; exit 1 ;;',
  'esac',
];

/**
 * The seed's init-mysql, from the pod's ordinal (metadata.name, not the runtime's hostname): ordinal 0
 * gets primary.cnf, the others replica.cnf, and every member server-id = offset + ordinal, never 0
 * (0 refuses to replicate). It also creates the data directory (the subdirectory DATA_SUBDIR of the
 * volume that the other containers mount by subPath) as the mysql user it runs as, so that user owns
 * it: a subPath directory the kubelet creates is root's. The volume's root is the user's through
 * fsGroup on a claimed volume, and through the ownership step on a hostPath one.
 */
export const INIT_CONFIG_SCRIPT = shellScript(
  'set -eu',
  ...ORDINAL,
  'if [ "${ordinal}" -eq 0 ]; then role=primary; else role=replica; fi',
  'server_id=$((SERVER_ID_OFFSET + ordinal))',
  `cp "${CONFIG_MAP_DIR}/\${role}.cnf" "${CONF_D}/\${role}.cnf"`,
  `printf '[mysqld]\\nserver-id=%s\\n' "\${server_id}" > "${CONF_D}/server-id.cnf"`,
  `mkdir -p "${DATA_ROOT}/\${DATA_SUBDIR}"`,
  'echo "ordinal ${ordinal}: ${role}, server-id ${server_id}"',
);

/**
 * The seed's clone-mysql, made safe to interrupt: a replica without data streams a backup from the
 * member before it (`<set>-<ordinal-1>`), extracts it (xbstream) and prepares it (xtrabackup --prepare)
 * in its data directory. A marker file says a clone is under way, so a clone cut short (peer gone,
 * pod killed) is wiped and started again rather than taken for data. While the peer does not serve
 * yet (it is still cloning, or down) it retries. socat, xbstream and xtrabackup ship in the
 * percona/percona-xtrabackup image (percona/percona-docker percona-xtrabackup-8.*\/Dockerfile).
 */
export const CLONE_SCRIPT = shellScript(
  'set -euo pipefail',
  ...ORDINAL,
  `data=${DATA_DIR}`,
  'incomplete="${data}/.clusterc-clone-incomplete"',
  // An empty primary whose replica 1 serves clones lost its data: the mysql image would initialise an
  // empty database, which the replicas refuse to follow. Stop and say so (on a first start replica 1
  // cannot serve yet: it waits for ordinal 0).
  'if [ "${ordinal}" -eq 0 ]; then',
  `  if [ ! -d "\${data}/mysql" ] && socat -u /dev/null "TCP:\${SET_NAME}-1.\${PEER_DOMAIN}:${CLONE_PORT},connect-timeout=5" 2> /dev/null; then`,
  '    echo "ordinal 0, the primary, has no data, but ${SET_NAME}-1 serves clones: the cluster has data that an empty primary would lose for every replica. Follow docs/mysql-runbook.md#promote-a-replica" >&2',
  '    exit 1',
  '  fi',
  '  echo "ordinal 0 is the primary: it starts from its own data, no clone"',
  '  exit 0',
  'fi',
  'if [ -d "${data}/mysql" ] && [ ! -e "${incomplete}" ]; then',
  '  echo "${data} holds data: no clone"',
  '  exit 0',
  'fi',
  'peer="${SET_NAME}-$((ordinal - 1)).${PEER_DOMAIN}"',
  'clone() {',
  '  rm -rf "${data:?}"/* "${data:?}"/.[!.]*',
  '  touch "${incomplete}"',
  `  socat -u "TCP:\${peer}:${CLONE_PORT},connect-timeout=10" STDOUT | xbstream -x -C "\${data}" &&`,
  '    xtrabackup --prepare --target-dir="${data}"',
  '}',
  'until clone; do',
  `  echo "no complete backup from \${peer}:${CLONE_PORT} yet (it may still be starting); trying again in 10 s"`,
  '  sleep 10',
  'done',
  // A replica must not keep its source's server_uuid (replication stops on "equal MySQL server UUIDs"):
  // without auto.cnf, mysqld generates a new one at its first start (MySQL manual, server_uuid).
  'rm -f "${data}/auto.cnf" "${incomplete}"',
  'echo "cloned from ${peer}"',
);

/** The statement that forgets the binary logs and GTIDs: RESET MASTER until 8.4 removed it for RESET BINARY LOGS AND GTIDS (new in 8.2). */
export function resetStatement(major: "8.0" | "8.4"): string {
  return major === "8.0" ? "RESET MASTER" : "RESET BINARY LOGS AND GTIDS";
}

/**
 * The seed's xtrabackup sidecar, for 8.0.23+ and 8.4:
 * - on ordinal 0 it creates the replication user, idempotently, and sets its password from the Secret
 *   (again on every start, so a restart applies a rotated Secret there);
 * - on a replica with a fresh clone (xtrabackup_binlog_info in the data directory) it starts GTID
 *   replication from the clone's position once: the backup's GTID set becomes gtid_purged (after the
 *   RESET that empties gtid_executed, as Percona's "How to create a new (or repair a broken)
 *   GTID-based replica" does), then SOURCE_AUTO_POSITION=1 fetches the rest. GET_SOURCE_PUBLIC_KEY=1
 *   lets caching_sha2_password, the default, log the replica in without TLS. A replica already
 *   configured (the sidecar restarted after the statements ran) is left alone;
 * - then it serves clones on 3307, one at a time, with socat and xtrabackup --backup.
 * Passwords never reach a command line: the mysql client reads MYSQL_PWD (sql-common/client.cc reads
 * it in client builds) and SQL on stdin; xtrabackup, whose build of that file may be a server one,
 * reads an option file written with umask 077 on an in-memory volume, the value double-quoted with
 * `\\` and `\"` escaped as option files read them (MySQL manual, "Using Option Files"), and never
 * sees the environment's passwords.
 */
export function sidecarScript(major: "8.0" | "8.4"): string {
  return shellScript(
    'set -euo pipefail',
    refuseEmptySecret("MYSQL_PWD", "root password", "rootPassword", 1),
    refuseEmptySecret("REPLICATION_PASSWORD", "replication password", "replicationPassword", 1),
    `[ "\${#REPLICATION_PASSWORD}" -le ${SOURCE_PASSWORD_MAX} ] || { echo "the replication password Secret (spec.replicationPassword) holds more than ${SOURCE_PASSWORD_MAX} characters, the most CHANGE REPLICATION SOURCE TO accepts; use a shorter one" >&2; exit 1; }`,
    ...ORDINAL,
    `data=${DATA_DIR}`,
    'sql() { mysql --host=127.0.0.1 --port=3306 --user=root --connect-timeout=5 "$@"; }',
    'until sql --execute="SELECT 1" > /dev/null; do',
    '  echo "waiting for mysqld on 127.0.0.1:3306"',
    '  sleep 5',
    'done',
    // bash's own substitutions (quote removal in the replacement since bash 4.3; the images' UBI 8 and 9
    // ship 4.4 and 5.1), so the sidecar needs no sed: backslash and quote doubled for a quoted SQL string.
    'escaped="${REPLICATION_PASSWORD//\\\\/\\\\\\\\}"',
    'escaped="${escaped//\\\'/\\\'\\\'}"',
    'if [ "${ordinal}" -eq 0 ]; then',
    '  sql <<SQL',
    `CREATE USER IF NOT EXISTS '${REPLICATION_USER}'@'%' IDENTIFIED BY '\${escaped}';`,
    `ALTER USER '${REPLICATION_USER}'@'%' IDENTIFIED BY '\${escaped}';`,
    `GRANT REPLICATION SLAVE ON *.* TO '${REPLICATION_USER}'@'%';`,
    'SQL',
    `  echo "replication user ${REPLICATION_USER} is ready"`,
    'elif [ -f "${data}/xtrabackup_binlog_info" ]; then',
    '  configured=$(sql --skip-column-names --execute="SELECT COUNT(*) FROM performance_schema.replication_connection_configuration")',
    '  if [ "${configured}" = "0" ]; then',
    // The third tab-separated field on, its lines joined: the GTID set may run over several lines.
    '    gtids="$(< "${data}/xtrabackup_binlog_info")"',
    '    gtids="${gtids#*$\'\\t\'}"',
    '    gtids="${gtids#*$\'\\t\'}"',
    '    gtids="${gtids//$\'\\n\'/}"',
    '    case "${gtids}" in',
    '      *[!A-Za-z0-9_:,-]*) echo "${data}/xtrabackup_binlog_info holds no GTID set clusterc can read; see docs/mysql-runbook.md#rebuild-a-replica" >&2; exit 1 ;;',
    '    esac',
    '    purge=""',
    '    if [ -n "${gtids}" ]; then purge="SET GLOBAL gtid_purged = \'${gtids}\';"; fi',
    '    sql <<SQL',
    'SET GLOBAL super_read_only = OFF;',
    `${resetStatement(major)};`,
    '${purge}',
    `CHANGE REPLICATION SOURCE TO SOURCE_HOST = '\${PRIMARY_HOST}', SOURCE_PORT = 3306, SOURCE_USER = '${REPLICATION_USER}', SOURCE_PASSWORD = '\${escaped}', SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = 10;`,
    'START REPLICA;',
    'SET GLOBAL super_read_only = ON;',
    'SQL',
    '    echo "replicating from ${PRIMARY_HOST}, starting after the clone\'s GTID set"',
    '  else',
    '    echo "replication is configured already"',
    '  fi',
    '  mv "${data}/xtrabackup_binlog_info" "${data}/xtrabackup_binlog_info.applied"',
    'fi',
    'umask 077',
    'login="${MYSQL_PWD//\\\\/\\\\\\\\}"',
    'login="${login//\\"/\\\\\\"}"',
    `printf '[xtrabackup]\\nuser=root\\npassword="%s"\\n' "\${login}" > ${XTRABACKUP_LOGIN}`,
    'unset MYSQL_PWD REPLICATION_PASSWORD escaped login',
    `echo "serving clones on ${CLONE_PORT}"`,
    `exec socat -U TCP-LISTEN:${CLONE_PORT},reuseaddr,fork,max-children=1 "EXEC:xtrabackup --defaults-extra-file=${XTRABACKUP_LOGIN} --backup --stream=xbstream --host=127.0.0.1 --port=3306 --datadir=${DATA_DIR} --target-dir=${XTRABACKUP_TMP}"`,
  );
}

/** Readiness: the server answers SQL, as root with the password from the environment (MYSQL_PWD, never an argument). */
export const READINESS_SCRIPT = 'MYSQL_PWD="${MYSQL_ROOT_PASSWORD}" exec mysql --host=127.0.0.1 --port=3306 --user=root --connect-timeout=1 --execute="SELECT 1"';
