import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScript, type Answer, type Call } from "../harness/run-script.js";
import { ORDERS, ordersAt, renderMySQL } from "./orders.js";

/** The MySQL init containers, sidecar and probe run for real, across the states a member goes through. */

const DATA = "/var/lib/mysql";
const PRIMARY = "orders-mysql-0.orders-mysql.shop.svc";
const calls = (run: { calls: Call[] }, name: string) => run.calls.filter((c) => c.name === name);

/** A password with what SQL quoting must survive: quote, backslash, percent, dollar, space. */
const REPL_PASSWORD = String.raw`re'pl \pa$s%`;
const REPL_PASSWORD_SQL = String.raw`re''pl \\pa$s%`;
const ROOT_PASSWORD = String.raw`root"pw-secret\x`;
/** The option file that hands ROOT_PASSWORD to xtrabackup: quoted, with `"` and `\` escaped as option files read them. */
const XTRABACKUP_LOGIN = String.raw`[xtrabackup]
user=root
password="root\"pw-secret\\x"
`;

describe("init-config: the config by ordinal", () => {
  const cases = [
    { pod: "orders-mysql-0", file: "primary.cnf", serverId: 100 },
    { pod: "orders-mysql-1", file: "replica.cnf", serverId: 101 },
    { pod: "orders-mysql-12", file: "replica.cnf", serverId: 112 },
  ];
  for (const c of cases) {
    it(`${c.pod} gets ${c.file} and server-id ${c.serverId}, and creates the data directory as the mysql user`, async () => {
      // GIVEN the init container and the ConfigMap as rendered
      const { container, find } = await renderMySQL();
      const cnf = find("ConfigMap", "orders-mysql").data as Record<string, string>;
      // WHEN it runs in pod c.pod
      const run = await runScript({
        container: container("init-config"), hostname: c.pod, env: { POD_NAME: c.pod },
        stubs: { mkdir: [{}] },
        files: { "/mnt/config-map/primary.cnf": cnf["primary.cnf"]!, "/mnt/config-map/replica.cnf": cnf["replica.cnf"]! },
      });
      // THEN conf.d holds exactly that role's file and a non-zero server-id
      assert.equal(run.exitCode, 0, run.stderr);
      const confD = [...run.files].filter(([f]) => f.startsWith("/mnt/conf.d/"));
      assert.deepEqual(confD, [
        [`/mnt/conf.d/${c.file}`, cnf[c.file]],
        ["/mnt/conf.d/server-id.cnf", `[mysqld]\nserver-id=${c.serverId}\n`],
      ].sort(([a], [b]) => a!.localeCompare(b!)));
      // AND it creates the subPath directory the other containers mount as /var/lib/mysql, on the volume's root, as
      // itself: no chown, which a restricted container could not do
      assert.deepEqual(calls(run, "mkdir").map((call) => call.args), [["-p", "/mnt/data/mysql"]]);
      assert.equal(container("init-config").volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/mnt/data").subPath, undefined);
      assert.equal(container("mysql").volumeMounts.find((m: { mountPath: string }) => m.mountPath === DATA).subPath, "mysql");
    });
  }

  it("a replica's config is super-read-only and every member keeps a binary log with GTIDs", async () => {
    const cnf = (await renderMySQL()).find("ConfigMap", "orders-mysql").data as Record<string, string>;
    for (const file of ["primary.cnf", "replica.cnf"]) {
      assert.match(cnf[file]!, /^\[mysqld\]\n/);
      for (const line of ["log_bin = mysql-bin", "gtid_mode = ON", "enforce_gtid_consistency = ON"]) assert.ok(cnf[file]!.includes(`${line}\n`), `${file}: ${line}`);
    }
    assert.ok(cnf["replica.cnf"]!.includes("super_read_only = ON\n"));
    assert.ok(!cnf["primary.cnf"]!.includes("read_only"));
  });

  it("refuses a pod name without an ordinal instead of guessing a role", async () => {
    const { container, find } = await renderMySQL();
    const cnf = find("ConfigMap", "orders-mysql").data as Record<string, string>;
    const run = await runScript({
      container: container("init-config"), hostname: "orders-mysql", env: { POD_NAME: "orders-mysql" }, stubs: { mkdir: [{}] },
      files: { "/mnt/config-map/primary.cnf": cnf["primary.cnf"]!, "/mnt/config-map/replica.cnf": cnf["replica.cnf"]! },
    });
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /cannot read a StatefulSet ordinal/);
  });
});

const CLONE_OK: Record<string, Answer[]> = { socat: [{ stdout: "stream" }], xbstream: [{}], xtrabackup: [{}] };

interface CloneCase {
  state: string;
  pod: string;
  files?: Record<string, string>;
  stubs: Record<string, Answer[]>;
  /** The peer it clones from, or none. */
  peer?: string;
  /** How many times ordinal 0 asks replica 1 whether it serves clones. */
  probes?: number;
  /** How many failed attempts it waits out. */
  retries?: number;
  /** The files under the data directory afterwards. */
  dataAfter: string[];
}

const CLONE_CASES: CloneCase[] = [
  {
    state: "ordinal 0, the primary, empty on a first start (replica 1 does not serve yet): never clones, the mysql image initialises it",
    pod: "orders-mysql-0", stubs: { socat: [{ exitCode: 1, stderr: "socat: Connection refused\n" }] }, probes: 1, dataAfter: [],
  },
  {
    state: "ordinal 0 with data: starts from it, asks no one", pod: "orders-mysql-0",
    files: { [`${DATA}/mysql/db.opt`]: "x" }, stubs: {}, dataAfter: [`${DATA}/mysql/db.opt`],
  },
  {
    state: "a replica with data (a restart): no clone, data untouched", pod: "orders-mysql-1",
    files: { [`${DATA}/mysql/db.opt`]: "x", [`${DATA}/ibdata1`]: "y" }, stubs: {}, dataAfter: [`${DATA}/ibdata1`, `${DATA}/mysql/db.opt`],
  },
  {
    state: "a new replica with its peer up: streams a backup from ordinal - 1, extracts and prepares it", pod: "orders-mysql-1",
    stubs: CLONE_OK, peer: "orders-mysql-0.orders-mysql.shop.svc", dataAfter: [],
  },
  {
    state: "a new replica whose peer is down (or still cloning): waits and tries again, then clones", pod: "orders-mysql-2",
    stubs: { ...CLONE_OK, socat: [{ exitCode: 1, stderr: "socat: Connection refused\n", times: 2 }, { stdout: "stream" }] },
    peer: "orders-mysql-1.orders-mysql.shop.svc", retries: 2, dataAfter: [],
  },
  {
    state: "a replica whose peer broke off mid-stream: the prepare fails, the half clone is wiped and it tries again", pod: "orders-mysql-1",
    stubs: { ...CLONE_OK, xtrabackup: [{ exitCode: 1, stderr: "xtrabackup: Error: cannot open ./xtrabackup_checkpoints\n", times: 1 }, {}] },
    peer: "orders-mysql-0.orders-mysql.shop.svc", retries: 1, dataAfter: [],
  },
  {
    state: "a replica killed during an earlier clone (marker left): wipes what it got and clones again", pod: "orders-mysql-1",
    files: { [`${DATA}/mysql/half`]: "x", [`${DATA}/.clusterc-clone-incomplete`]: "" },
    stubs: CLONE_OK, peer: "orders-mysql-0.orders-mysql.shop.svc", dataAfter: [],
  },
];

describe("clone-mysql: the first start of a replica", () => {
  for (const c of CLONE_CASES) {
    it(c.state, async () => {
      // GIVEN the clone init container of a member in this state
      const { container } = await renderMySQL();
      // WHEN it runs
      const run = await runScript({ container: container("clone-mysql"), hostname: c.pod, env: { POD_NAME: c.pod }, stubs: c.stubs, ...(c.files && { files: c.files }) });
      // THEN it clones from the expected peer, or not at all
      assert.equal(run.exitCode, 0, run.stderr);
      const socat = calls(run, "socat");
      if (c.peer === undefined) {
        assert.deepEqual(run.calls.filter((call) => call.name !== "sleep").map((call) => [call.name, ...call.args]),
          Array.from({ length: c.probes ?? 0 }, () => ["socat", "-u", "/dev/null", "TCP:orders-mysql-1.orders-mysql.shop.svc:3307,connect-timeout=5"]));
      } else {
        assert.equal(socat.length, (c.retries ?? 0) + 1, "one stream per attempt");
        for (const call of socat) assert.deepEqual(call.args, ["-u", `TCP:${c.peer}:3307,connect-timeout=10`, "STDOUT"]);
        const last = run.calls.filter((call) => call.name !== "sleep").slice(-3);
        assert.deepEqual(last.map((call) => [call.name, ...call.args]).slice(1), [
          ["xbstream", "-x", "-C", DATA],
          ["xtrabackup", "--prepare", `--target-dir=${DATA}`],
        ]);
        assert.equal(calls(run, "sleep").length, c.retries ?? 0);
      }
      // AND the data directory holds what it should; no marker of an unfinished clone is left
      assert.deepEqual([...run.files.keys()].filter((f) => f.startsWith(`${DATA}/`)).sort(), c.dataAfter);
    });
  }
});

const SELECT_1: Answer = { when: { args: ["^--execute=SELECT 1$"] } };
const NOT_UP: Answer = { when: { args: ["^--execute=SELECT 1$"] }, exitCode: 1, stderr: "ERROR 2003 (HY000): Can't connect to MySQL server on '127.0.0.1:3306' (111)\n" };
const CONFIGURED = (count: number): Answer => ({ when: { args: ["replication_connection_configuration"] }, stdout: `${count}\n` });
const ANY_SQL: Answer = { when: { stdin: "." } };
/** xtrabackup_binlog_info as XtraBackup 8.0 writes it: file, position, and a GTID set that may run over several lines. */
const BINLOG_INFO = "mysql-bin.000003\t1577\t3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n4f22ab58-82db-22f2-af44-d91bb0530673:1-3\n";
const GTIDS = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4f22ab58-82db-22f2-af44-d91bb0530673:1-3";

function replicaSetUp(reset: string): string {
  return [
    "SET GLOBAL super_read_only = OFF;",
    `${reset};`,
    `SET GLOBAL gtid_purged = '${GTIDS}';`,
    `CHANGE REPLICATION SOURCE TO SOURCE_HOST = '${PRIMARY}', SOURCE_PORT = 3306, SOURCE_USER = 'repl', SOURCE_PASSWORD = '${REPL_PASSWORD_SQL}', SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = 10;`,
    "START REPLICA;",
    "SET GLOBAL super_read_only = ON;",
    "",
  ].join("\n");
}

interface SidecarCase {
  state: string;
  version: string;
  pod: string;
  files?: Record<string, string>;
  mysql: Answer[];
  /** The SQL it sends on stdin, in order. */
  sql: string[];
  /** Files under the data directory afterwards. */
  dataAfter: string[];
  waits?: number;
}

const PRIMARY_USER_SQL = [
  `CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '${REPL_PASSWORD_SQL}';`,
  `ALTER USER 'repl'@'%' IDENTIFIED BY '${REPL_PASSWORD_SQL}';`,
  "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';",
  "",
].join("\n");

const SIDECAR_CASES: SidecarCase[] = [
  {
    state: "ordinal 0 (8.0): waits for mysqld, then creates the replication user idempotently with the Secret's password",
    version: "8.0.36", pod: "orders-mysql-0", mysql: [{ ...NOT_UP, times: 2 }, SELECT_1, ANY_SQL], sql: [PRIMARY_USER_SQL], dataAfter: [], waits: 2,
  },
  {
    state: "ordinal 0 (8.4): the same statements, none of them removed in 8.4",
    version: "8.4.3", pod: "orders-mysql-0", mysql: [SELECT_1, ANY_SQL], sql: [PRIMARY_USER_SQL], dataAfter: [],
  },
  {
    state: "a replica after its clone (8.0): RESET MASTER, gtid_purged from the backup, auto-position replication, once",
    version: "8.0.36", pod: "orders-mysql-1", files: { [`${DATA}/xtrabackup_binlog_info`]: BINLOG_INFO },
    mysql: [SELECT_1, CONFIGURED(0), ANY_SQL], sql: [replicaSetUp("RESET MASTER")], dataAfter: [`${DATA}/xtrabackup_binlog_info.applied`],
  },
  {
    state: "a replica after its clone (8.4): RESET BINARY LOGS AND GTIDS instead of the removed RESET MASTER",
    version: "8.4.3", pod: "orders-mysql-2", files: { [`${DATA}/xtrabackup_binlog_info`]: BINLOG_INFO },
    mysql: [SELECT_1, CONFIGURED(0), ANY_SQL], sql: [replicaSetUp("RESET BINARY LOGS AND GTIDS")], dataAfter: [`${DATA}/xtrabackup_binlog_info.applied`],
  },
  {
    state: "a replica whose sidecar restarted after it set up replication: leaves it alone (no second RESET)",
    version: "8.0.36", pod: "orders-mysql-1", files: { [`${DATA}/xtrabackup_binlog_info`]: BINLOG_INFO },
    mysql: [SELECT_1, CONFIGURED(1)], sql: [], dataAfter: [`${DATA}/xtrabackup_binlog_info.applied`],
  },
  {
    state: "a replica restarting with its data (no fresh clone): only serves clones",
    version: "8.0.36", pod: "orders-mysql-1", files: { [`${DATA}/xtrabackup_binlog_info.applied`]: BINLOG_INFO },
    mysql: [SELECT_1], sql: [], dataAfter: [`${DATA}/xtrabackup_binlog_info.applied`],
  },
];

describe("clone-mysql on ordinal 0: a primary that lost its data", () => {
  it("refuses to start empty while replica 1 serves clones (the cluster has data), and says what to do", async () => {
    // GIVEN the primary's pod on an empty volume, and replica 1 up and serving
    const { container } = await renderMySQL();
    // WHEN its clone init container runs
    const run = await runScript({ container: container("clone-mysql"), hostname: "orders-mysql-0", env: { POD_NAME: "orders-mysql-0" }, stubs: { socat: [{}] } });
    // THEN it stops the pod before the mysql image initialises an empty database
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /has no data, but orders-mysql-1 serves clones.*docs\/mysql-runbook\.md#promote-a-replica/);
    assert.deepEqual(run.calls.map((call) => call.name), ["socat"], "it only asked; it fetched no backup");
  });
});

describe("xtrabackup sidecar: replication and serving clones", () => {
  for (const c of SIDECAR_CASES) {
    it(c.state, async () => {
      // GIVEN the sidecar of a member in this state
      const { container } = await renderMySQL(ordersAt(c.version));
      // WHEN it runs
      const run = await runScript({
        container: container("xtrabackup"), hostname: c.pod,
        env: { POD_NAME: c.pod, MYSQL_PWD: ROOT_PASSWORD, REPLICATION_PASSWORD: REPL_PASSWORD },
        stubs: { mysql: c.mysql, socat: [{}] }, dirs: ["/tmp"], ...(c.files && { files: c.files }),
      });
      // THEN it sends exactly this SQL, as root with the password from the environment
      assert.equal(run.exitCode, 0, run.stderr);
      const mysql = calls(run, "mysql");
      assert.deepEqual(mysql.filter((call) => call.stdin !== "").map((call) => call.stdin), c.sql);
      for (const call of mysql) {
        assert.ok(call.args.includes("--user=root") && call.args.includes("--host=127.0.0.1"));
        assert.equal(call.env.MYSQL_PWD, ROOT_PASSWORD);
      }
      assert.equal(calls(run, "sleep").length, c.waits ?? 0);
      // AND then serves clones on 3307 with xtrabackup, which logs in through an option file on the in-memory volume
      const [serve, ...more] = calls(run, "socat");
      assert.deepEqual(more, []);
      assert.deepEqual(serve!.args, ["-U", "TCP-LISTEN:3307,reuseaddr,fork,max-children=1",
        "EXEC:xtrabackup --defaults-extra-file=/run/clusterc/xtrabackup.cnf --backup --stream=xbstream --host=127.0.0.1 --port=3306 --datadir=/var/lib/mysql --target-dir=/tmp/xtrabackup"]);
      assert.equal(run.files.get("/run/clusterc/xtrabackup.cnf"), XTRABACKUP_LOGIN);
      assert.deepEqual([serve!.env.MYSQL_PWD, serve!.env.REPLICATION_PASSWORD], [undefined, undefined], "what it execs sees no password in its environment");
      // AND no password is on a command line or in the output
      for (const call of run.calls) assert.ok(!/pw-secret|pa\$s/.test(call.args.join(" ")), `${call.name} argv`);
      assert.ok(!/pw-secret|pa\$s/.test(run.stdout + run.stderr));
      assert.deepEqual([...run.files.keys()].filter((f) => f.startsWith(`${DATA}/`)).sort(), c.dataAfter);
    });
  }

  const refusals = [
    { state: "an empty replication password", env: { MYSQL_PWD: ROOT_PASSWORD, REPLICATION_PASSWORD: "" }, says: /replication password Secret \(spec\.replicationPassword\) is empty/ },
    { state: "an empty root password", env: { MYSQL_PWD: "", REPLICATION_PASSWORD: REPL_PASSWORD }, says: /root password Secret \(spec\.rootPassword\) is empty/ },
    { state: "a replication password longer than CHANGE REPLICATION SOURCE TO takes (32)", env: { MYSQL_PWD: ROOT_PASSWORD, REPLICATION_PASSWORD: "x".repeat(33) }, says: /more than 32 characters/ },
  ];
  for (const r of refusals) {
    it(`refuses ${r.state}, saying which Secret to fix, before it talks to mysqld`, async () => {
      const { container } = await renderMySQL();
      const run = await runScript({ container: container("xtrabackup"), hostname: "orders-mysql-0", env: { POD_NAME: "orders-mysql-0", ...r.env }, stubs: { mysql: [{}], socat: [{}] }, dirs: ["/tmp"] });
      assert.equal(run.exitCode, 1);
      assert.match(run.stderr, r.says);
      assert.deepEqual(run.calls, []);
    });
  }

  it("refuses a GTID set it cannot read rather than put it into SQL", async () => {
    const { container } = await renderMySQL();
    const run = await runScript({
      container: container("xtrabackup"), hostname: "orders-mysql-1", env: { POD_NAME: "orders-mysql-1", MYSQL_PWD: ROOT_PASSWORD, REPLICATION_PASSWORD: REPL_PASSWORD },
      stubs: { mysql: [SELECT_1, CONFIGURED(0), ANY_SQL], socat: [{}] }, dirs: ["/tmp"],
      files: { [`${DATA}/xtrabackup_binlog_info`]: "mysql-bin.000003\t1577\tx'; DROP DATABASE shop; --\n" },
    });
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /holds no GTID set clusterc can read/);
    assert.deepEqual(calls(run, "mysql").filter((call) => call.stdin !== ""), []);
  });
});

describe("mysql readiness probe", () => {
  it("asks the server for SELECT 1 as root, the password from the environment, never on the command line", async () => {
    const { container } = await renderMySQL();
    const mysql = container("mysql");
    const run = await runScript({ container: mysql, command: mysql.readinessProbe.exec.command, hostname: "orders-mysql-1", env: { MYSQL_ROOT_PASSWORD: ROOT_PASSWORD }, stubs: { mysql: [{}] } });
    assert.equal(run.exitCode, 0, run.stderr);
    const [call] = calls(run, "mysql");
    assert.deepEqual(call!.args, ["--host=127.0.0.1", "--port=3306", "--user=root", "--connect-timeout=1", "--execute=SELECT 1"]);
    assert.equal(call!.env.MYSQL_PWD, ROOT_PASSWORD);
  });

  it("fails while the server does not answer (a replica still starting leaves the read Service)", async () => {
    const { container } = await renderMySQL();
    const mysql = container("mysql");
    const run = await runScript({ container: mysql, command: mysql.readinessProbe.exec.command, hostname: "orders-mysql-1", env: { MYSQL_ROOT_PASSWORD: ROOT_PASSWORD }, stubs: { mysql: [NOT_UP] } });
    assert.equal(run.exitCode, 1);
  });
});

describe("nothing rendered for 8.4 uses what 8.4 removed", () => {
  it("no CHANGE MASTER, START/STOP SLAVE, RESET MASTER/SLAVE, SHOW SLAVE|MASTER STATUS or MASTER_* options in any 8.4 script or config", async () => {
    for (const version of ["8.4.0", "8.4.3"]) {
      const { all } = await renderMySQL(ordersAt(version));
      const text = JSON.stringify(all);
      for (const removed of [/CHANGE MASTER/i, /\b(START|STOP|RESET) SLAVE\b/i, /RESET MASTER/i, /SHOW (SLAVE|MASTER) STATUS/i, /\bMASTER_[A-Z_]+\s*=/]) {
        assert.doesNotMatch(text, removed, `${version}: ${removed}`);
      }
    }
    assert.match(JSON.stringify((await renderMySQL(ORDERS)).all), /RESET MASTER/, "8.0 keeps the statement it has");
  });
});
