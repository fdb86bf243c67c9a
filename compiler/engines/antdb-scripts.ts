import { shellScript } from "./shared/shell.js";

/**
 * The shell scripts AntDB's pods and its registration Job run. They use only what the AntDB rpm installs
 * under /opt/app/antdb (its default path: ADBSQL/docs AntDB/antdb-admin-manual.md, "rpm -ivh"), never
 * the helper scripts baked into the source article's image, whose content the article does not show.
 */

/** Where the rpm installs AntDB, and so the image's ADB_HOME. */
export const ADB_HOME = "/opt/app/antdb";
const ADB_BIN = `${ADB_HOME}/bin`;
/** The user the article's image runs as; adbmgr's superuser, since initmgr runs as it. */
export const ANTDB_USER = "antdb";
/** The mount point of every pod's data volume; each node's data directory is `<root>/<node name>`. */
export const DATA_ROOT = "/data/antdb";

/** Ports from the adbmgr manual's examples (AntDB/antdb-admin-manual.md); one node per pod, so one port per kind. */
export const PORTS = { agent: 8432, mgr: 6432, gtmcoord: 6655, coordinator: 5432, datanode: 14332 } as const;

/** The registration Job's exit code when `INIT ALL` reports a failed step: retrying cannot help, a person must clean up. */
export const INIT_FAILED_EXIT = 3;

/** `mgr "COMMAND"` runs one adbmgr command through psql, unaligned (fields split by |), no headers. */
const MGR_FUNCTION = `mgr() { ${ADB_BIN}/psql -h "\${MGR_HOST}" -p ${PORTS.mgr} -U ${ANTDB_USER} -d postgres -v ON_ERROR_STOP=1 -qtAX -c "$1" </dev/null; }`;

/** The AntDB node name of this pod: its component's prefix and its StatefulSet ordinal (dn-1 is dn1). */
const NODE_NAME = 'node="${NODE_PREFIX}${POD_NAME##*-}"';

/**
 * Every node pod (gc, gcs, cn, dn, ds) runs adbmgr's agent in the foreground: the manager starts, stops
 * and initialises the node's database through it (adbmgr's START AGENT runs `bin/agent -b -P <port>`
 * over SSH, and answers success at once when the agent already listens: START AGENT in
 * ChengXiaoZ/AntDB src/adbmgrd/manager/cmd_host.c; -P and -b in src/bin/agent/agent.c). Started here, no
 * SSH server and no account password is needed.
 */
export const NODE_START_SCRIPT = shellScript(
  'set -eu',
  `exec ${ADB_BIN}/agent -P "\${AGENT_PORT}"`,
);

/**
 * AntDB stores its nodes' IP addresses, not names, and a recreated pod has a new one. After a restart of a
 * node that holds data, this postStart hook tells the manager the pod's address (ALTER HOST, then FLUSH
 * HOST rewrites it into every node: "flush host", AntDB/antdb-admin-manual.md) and starts the node's
 * database again (START <type> <name>, with the type the manager holds now: after a failover a
 * standby's node is a master). A pod without data is not in the cluster yet: the registration
 * Job registers it. It waits for the manager rather than fail: a failed hook would kill the container.
 * FLUSH HOST needs every agent at its recorded address; after a restart of several pods, an early one
 * can fail, and the last pod to re-register flushes every address.
 */
export const NODE_POST_START_SCRIPT = shellScript(
  'set -eu',
  NODE_NAME,
  `if [ ! -f "${DATA_ROOT}/\${node}/PG_VERSION" ]; then`,
  '  echo "${node} holds no data yet: the registration Job registers it with the manager"',
  '  exit 0',
  'fi',
  MGR_FUNCTION,
  'until address=$(mgr "LIST HOST (address) ${node}" 2>/dev/null) && [ -n "${address}" ]; do',
  '  echo "waiting for the manager at ${MGR_HOST} to re-register ${node} at ${POD_IP}"',
  '  sleep 5',
  'done',
  'moved=false',
  'if [ "${address}" != "${POD_IP}" ]; then',
  `  mgr "ALTER HOST \${node} (ADDRESS='\${POD_IP}')" >/dev/null`,
  '  echo "${node} moved from ${address} to ${POD_IP}: address updated in the manager"',
  '  moved=true',
  'fi',
  'until mgr "MONITOR AGENT ${node}" | grep -q "^${node}|t|"; do',
  '  echo "waiting until the manager reaches the agent of ${node}"',
  '  sleep 2',
  'done',
  'if [ "${moved}" = true ]; then',
  '  mgr "FLUSH HOST" || echo "FLUSH HOST failed (another restarted pod is not re-registered yet); the last pod to re-register flushes every address"',
  'fi',
  'role=$(mgr "LIST NODE (type) ${node}")',
  'result=$(mgr "START ${role} ${node}")',
  'printf \'%s\\n\' "${result}"',
  'if printf \'%s\\n\' "${result}" | grep -Eq \'(^|[|])f([|]|$)\'; then',
  '  echo "the manager could not start ${node}: see docs/antdb-runbook.md#a-node-does-not-start" >&2',
  '  exit 1',
  'fi',
);

/** How long a stopping node pod waits for its fast shutdown (a checkpoint) before the kubelet kills it. */
export const NODE_GRACE_SECONDS = 120;

/**
 * Before a node pod stops, the manager stops its database in fast mode ("stop", AntDB/antdb-admin-manual.md:
 * open sessions are cut, the database checkpoints and exits cleanly) rather than have it killed with the
 * container and recover from its WAL. A manager that does not answer within its connect timeout does
 * not hold the pod up: the database then stops with it.
 */
export const NODE_PRE_STOP_SCRIPT = shellScript(
  'set -eu',
  NODE_NAME,
  `[ -f "${DATA_ROOT}/\${node}/PG_VERSION" ] || exit 0`,
  MGR_FUNCTION,
  'export PGCONNECT_TIMEOUT=5',
  'if ! role=$(mgr "LIST NODE (type) ${node}") || [ -z "${role}" ]; then',
  '  echo "the manager does not answer: ${node} stops with its pod and recovers from its WAL on the next start"',
  '  exit 0',
  'fi',
  'mgr "STOP ${role} ${node} MODE FAST" || echo "the manager could not stop ${node}: it stops with its pod"',
);

/**
 * Ready means: the node's database accepts connections, once it has data. Before the registration Job
 * initialises the cluster a node has none and is ready as soon as it runs: the Job comes last, so
 * waiting for a database here would hold back every start-up stage for ever.
 */
export const NODE_READINESS_SCRIPT = shellScript(
  NODE_NAME,
  `[ -f "${DATA_ROOT}/\${node}/PG_VERSION" ] || exit 0`,
  `exec ${ADB_BIN}/pg_isready -q -h 127.0.0.1 -p "\${NODE_PORT}"`,
);

/**
 * The manager (adbmgr) initialises its own data directory on first start (initmgr, then port and
 * listen_addresses as "修改Adbmgr配置参数" in AntDB/antdb-admin-manual.md sets them) into a scratch
 * directory moved into place at the end, so a failed first start never looks like data. It then runs
 * adbmgrd in the foreground (mgr_ctl starts `adbmgrd -D <dir>`, the manual's process list shows).
 */
export const MGR_START_SCRIPT = shellScript(
  'set -eu',
  `data=${DATA_ROOT}/mgr`,
  'if [ ! -f "${data}/PG_VERSION" ]; then',
  '  if [ -e "${data}" ]; then',
  '    echo "${data} exists but holds no PG_VERSION: not a manager data directory; move it away (docs/antdb-runbook.md#the-manager-does-not-start)" >&2',
  '    exit 1',
  '  fi',
  '  rm -rf "${data}.init"',
  '  mkdir -m 0700 "${data}.init"',
  `  ${ADB_BIN}/initmgr -D "\${data}.init"`,
  `  printf "port = ${PORTS.mgr}\\nlisten_addresses = '*'\\n" >> "\${data}.init/postgresql.conf"`,
  "  printf 'host all all 0.0.0.0/0 trust\\n' >> \"${data}.init/pg_hba.conf\"",
  '  mv "${data}.init" "${data}"',
  '  echo "manager data directory initialised in ${data}"',
  'fi',
  `exec ${ADB_BIN}/adbmgrd -D "\${data}"`,
);

export const MGR_READINESS_SCRIPT = shellScript(
  `exec ${ADB_BIN}/pg_isready -q -h 127.0.0.1 -p ${PORTS.mgr}`,
);

/**
 * Registers every node with the manager and initialises the cluster, without a person at a prompt.
 * NODES lists one node a line, in the order the manager needs them (a master before its standby):
 * `name type role master port dns`. Idempotent, from what the manager already holds:
 * - a host (one per pod) the manager lacks is added (ADD HOST IF NOT EXISTS) at the address its pod's
 *   DNS name resolves to; before initialisation, a host whose pod moved gets its new address;
 * - a node the manager lacks is added (ADD GTMCOORD | COORDINATOR | DATANODE MASTER | SLAVE ... FOR);
 * - once every agent answers (MONITOR AGENT ALL), a cluster whose GTM master is not initialised is
 *   initialised with INIT ALL, which starts with the GTM master; in one that is, each node that is not
 *   is added by APPEND (a scale-up), in NODES order, so a datanode master comes before its standby.
 * NODES is read on file descriptor 3, so no command inside the loops can swallow the rest of the list.
 * A re-run with nothing new does nothing. A step the manager reports failed (status f) ends the Job:
 * INIT ALL with INIT_FAILED_EXIT, since the manual's remedy, CLEAN ALL, destroys data and is for a person.
 */
export const REGISTER_SCRIPT = shellScript(
  'set -eu',
  MGR_FUNCTION,
  "failed() { printf '%s\\n' \"$1\" | grep -Eq '(^|[|])f([|]|$)'; }",
  'until hosts=$(mgr "LIST HOST (name, address)" 2>/dev/null); do',
  '  echo "waiting for the manager at ${MGR_HOST}"',
  '  sleep 5',
  'done',
  'registered=$(mgr "LIST NODE (name, initialized)")',
  'initialised=false',
  'if printf \'%s\\n\' "${registered}" | grep -q "^${GTM_MASTER}|t"; then initialised=true; fi',
  'while read -r name type role master port dns <&3; do',
  '  until address=$(getent hosts "${dns}" | awk \'{ print $1; exit }\') && [ -n "${address}" ]; do',
  '    echo "waiting for ${dns} to resolve"',
  '    sleep 5',
  '  done',
  '  known=$(printf \'%s\\n\' "${hosts}" | awk -F\'|\' -v h="${name}" \'$1 == h { print $2 }\')',
  '  if [ -z "${known}" ]; then',
  `    mgr "ADD HOST IF NOT EXISTS \${name} (USER=${ANTDB_USER}, ADDRESS='\${address}', AGENTPORT=\${AGENT_PORT}, ADBHOME='\${ADB_HOME}')" >/dev/null`,
  '    echo "host ${name} added at ${address}"',
  '  elif [ "${known}" != "${address}" ] && [ "${initialised}" = false ]; then',
  `    mgr "ALTER HOST \${name} (ADDRESS='\${address}')" >/dev/null`,
  '    echo "host ${name} moved from ${known} to ${address}"',
  '  fi',
  '  if ! printf \'%s\\n\' "${registered}" | grep -q "^${name}|"; then',
  '    if [ "${role}" = SLAVE ]; then',
  `      mgr "ADD \${type} SLAVE \${name} FOR \${master} (HOST=\${name}, PORT=\${port}, PATH='\${DATA_ROOT}/\${name}')" >/dev/null`,
  '    else',
  `      mgr "ADD \${type} MASTER \${name} (HOST=\${name}, PORT=\${port}, PATH='\${DATA_ROOT}/\${name}')" >/dev/null`,
  '    fi',
  '    echo "node ${name} added (${type} ${role})"',
  '  fi',
  'done 3<<EOF',
  '${NODES}',
  'EOF',
  'until agents=$(mgr "MONITOR AGENT ALL") && ! failed "${agents}"; do',
  '  echo "waiting until the manager reaches every agent"',
  '  sleep 5',
  'done',
  'if [ "${initialised}" = false ]; then',
  '  result=$(mgr "INIT ALL")',
  '  printf \'%s\\n\' "${result}"',
  '  if failed "${result}"; then',
  '    echo "INIT ALL failed at the steps marked f above; clusterc never runs CLEAN ALL, which empties every node: follow docs/antdb-runbook.md#init-all-failed" >&2',
  `    exit ${INIT_FAILED_EXIT}`,
  '  fi',
  '  echo "cluster initialised"',
  '  exit 0',
  'fi',
  'registered=$(mgr "LIST NODE (name, initialized)")',
  'appended=0',
  'while read -r name type role _ _ _ <&3; do',
  '  printf \'%s\\n\' "${registered}" | grep -q "^${name}|f" || continue',
  '  result=$(mgr "APPEND ${type} ${role} ${name}")',
  '  printf \'%s\\n\' "${result}"',
  '  if failed "${result}"; then',
  '    echo "APPEND of ${name} failed; see docs/antdb-runbook.md#a-node-does-not-start" >&2',
  '    exit 1',
  '  fi',
  '  appended=$((appended + 1))',
  'done 3<<EOF',
  '${NODES}',
  'EOF',
  'echo "cluster already initialised; ${appended} new node(s) appended"',
);
