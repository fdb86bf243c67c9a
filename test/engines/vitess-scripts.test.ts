import type { V1Container } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScript, type Answer, type Call } from "../harness/run-script.js";
import type { RenderedObject } from "../helpers.js";
import { COMMERCE, COMMERCE_WITH_SCHEMA, containerOf, envOf, renderVitess } from "./commerce.js";

/** The Vitess start scripts and Jobs run for real, in the states a cluster goes through. */

const only = (calls: Call[], name: string): Call => {
  const found = calls.filter((c) => c.name === name);
  assert.equal(found.length, 1, `${name} runs once (calls: ${calls.map((c) => c.name).join(", ")})`);
  return found[0]!;
};

async function tabletSet(version = "v19.0.4"): Promise<RenderedObject> {
  return (await renderVitess({ "clusters/commerce.yaml": COMMERCE.replace("v19.0.4", version) })).find("StatefulSet", "commerce-commerce-0-replica");
}

const uidBase = (set: RenderedObject) => Number(envOf(containerOf(set, "mysqld")).TABLET_UID_BASE);

describe("tablet pod start scripts", () => {
  it("init-vt-root copies mysqlctld, the MySQL config and init_db.sql into vt-root and writes the my.cnf extras", async () => {
    // GIVEN the init container of a tablet pod, over a vitess/lite image's /vt
    const set = await tabletSet();
    const init = containerOf(set, "init-vt-root") as V1Container;
    // WHEN it runs
    const run = await runScript({
      container: init, hostname: "commerce-commerce-0-replica-0", dirs: ["/vt/bin", "/vt/config", "/vt/socket"], stubs: { ln: [{}] },
      files: { "/vt/bin/mysqlctld": "binary", "/vt/config/mycnf/default.cnf": "[mysqld]\n", "/vt/config/init_db.sql": "CREATE USER vt_dba;\n" },
    });
    // THEN vt-root holds what the mysqld container runs and reads
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.files.get("/mnt/vt/bin/mysqlctld"), "binary");
    assert.equal(run.files.get("/mnt/vt/config/mycnf/default.cnf"), "[mysqld]\n");
    assert.equal(run.files.get("/mnt/vt/config/init_db.sql"), "CREATE USER vt_dba;\n");
    assert.equal(run.files.get("/mnt/vt/config/mycnf/rbr.cnf"), "binlog_format=row\n");
    assert.equal(run.files.get("/mnt/vt/config/mycnf/socket.cnf"), "socket = /vt/socket/mysql.sock\n");
    assert.equal(run.files.get("/mnt/vt/config/mycnf/log-error.cnf"), "log-error = /vt/config/stderr.symlink\n");
    assert.deepEqual(only(run.calls, "ln").args, ["-sf", "/dev/stderr", "/mnt/vt/config/stderr.symlink"], "mysqld logs to the container's stderr");
    // AND the my.cnf extras it writes are exactly the ones both containers are told to read
    const extras = String(envOf(containerOf(set, "mysqld")).EXTRA_MY_CNF).split(":");
    for (const file of extras) assert.ok(run.files.has(file.replace("/vt/config", "/mnt/vt/config")), file);
  });

  for (const state of [
    { name: "first boot (no data directory)", files: {} as Record<string, string> },
    { name: "restart with data", files: { "/vt/vtdataroot/vt_X/data/ibdata1": "data" } },
  ]) {
    it(`mysqlctld, ${state.name}: runs mysqlctld with this pod's tablet uid, which decides init or start itself`, async () => {
      const set = await tabletSet();
      const mysqld = containerOf(set, "mysqld") as V1Container;
      const run = await runScript({ container: mysqld, hostname: "commerce-commerce-0-replica-1", env: { POD_NAME: "commerce-commerce-0-replica-1" }, stubs: { "/vt/bin/mysqlctld": [{}] }, files: state.files });
      assert.equal(run.exitCode, 0, run.stderr);
      const args = only(run.calls, "/vt/bin/mysqlctld").args;
      assert.ok(args.includes(`--tablet_uid=${uidBase(set) + 1}`), args.join(" "));
      assert.ok(args.includes("--mysql_socket=/vt/socket/mysql.sock"));
      assert.ok(args.includes("--socket_file=/vt/socket/mysqlctl.sock"));
      assert.ok(args.includes("--init_db_sql_file=/vt/config/init_db.sql"));
      assert.equal(args.some((a) => a.startsWith("--mysql_server_version")), false, "v19's mysqld is in the image to ask");
    });
  }

  it("mysqlctld on v20 (mysqld from mysql:8.0.40) is told the MySQL version", async () => {
    const mysqld = containerOf(await tabletSet("v20.0.2"), "mysqld") as V1Container;
    const run = await runScript({ container: mysqld, hostname: "commerce-commerce-0-replica-0", env: { POD_NAME: "commerce-commerce-0-replica-0" }, stubs: { "/vt/bin/mysqlctld": [{}] } });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(only(run.calls, "/vt/bin/mysqlctld").args.includes("--mysql_server_version=8.0.40-Vitess"));
  });

  it("vttablet registers as <cell>-<uid, 10 digits>, the uid mysqlctld got, with its keyspace, shard and type", async () => {
    const set = await tabletSet();
    const vttablet = containerOf(set, "vttablet") as V1Container;
    const run = await runScript({
      container: vttablet, hostname: "commerce-commerce-0-replica-1", dirs: ["/vitess"],
      env: { POD_NAME: "commerce-commerce-0-replica-1", POD_IP: "10.1.2.3" }, stubs: { "/vt/bin/vttablet": [{}] },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    const args = only(run.calls, "/vt/bin/vttablet").args;
    assert.ok(args.includes(`--tablet-path=zone1-${String(uidBase(set) + 1).padStart(10, "0")}`), args.join(" "));
    for (const flag of ["--tablet_hostname=10.1.2.3", "--init_keyspace=commerce", "--init_shard=0", "--init_tablet_type=replica", "--mysqlctl_socket=/vt/socket/mysqlctl.sock", "--topo_global_root=/vitess/global"]) {
      assert.ok(args.includes(flag), flag);
    }
  });
});

const exists = (command: string): Answer => ({ when: { args: [`^${command}$`] } });
const missing = (command: string): Answer => ({ when: { args: [`^${command}$`] }, exitCode: 1, stderr: `${command}: node doesn't exist\n` });

interface TopologyCase {
  state: string;
  vtctl: Answer[];
  /** The topology-changing commands it runs, in order. */
  writes: string[];
  exitCode: number;
}

const TOPOLOGY_CASES: TopologyCase[] = [
  {
    state: "first sync: registers the cell and creates the keyspace with its durability policy",
    vtctl: [missing("GetCellInfo"), missing("GetKeyspace"), {}],
    writes: ["AddCellInfo --root=/vitess/zone1 --server-address=commerce-etcd.vitess.svc:2379 zone1", "CreateKeyspace --durability-policy=semi_sync commerce", "SetKeyspaceDurabilityPolicy --durability-policy=semi_sync commerce"],
    exitCode: 0,
  },
  {
    state: "a re-sync: leaves the cell and keyspace as they are, sets the durability policy again",
    vtctl: [exists("GetCellInfo"), exists("GetKeyspace"), {}],
    writes: ["SetKeyspaceDurabilityPolicy --durability-policy=semi_sync commerce"],
    exitCode: 0,
  },
  {
    state: "etcd does not answer: fails at the first write, so the Job retries",
    vtctl: [{ exitCode: 1, stderr: "context deadline exceeded\n" }],
    writes: ["AddCellInfo --root=/vitess/zone1 --server-address=commerce-etcd.vitess.svc:2379 zone1"],
    exitCode: 1,
  },
];

describe("topology Job, by state of the global topology", () => {
  for (const c of TOPOLOGY_CASES) {
    it(c.state, async () => {
      const job = (await renderVitess()).find("Job", "commerce-topology");
      const container = job.spec.template.spec.containers[0] as V1Container;
      const run = await runScript({ container, hostname: "commerce-topology-x1", dirs: ["/vitess"], stubs: { "/vt/bin/vtctl": c.vtctl } });
      assert.equal(run.exitCode, c.exitCode, run.stderr);
      for (const call of run.calls) {
        assert.deepEqual(call.args.slice(0, 4), ["--topo_implementation=etcd2", "--topo_global_server_address=commerce-etcd.vitess.svc:2379", "--topo_global_root=/vitess/global", "VtctldCommand"]);
      }
      const writes = run.calls.map((call) => call.args.slice(4).join(" ")).filter((a) => !/^Get/.test(a));
      assert.deepEqual(writes, c.writes);
    });
  }
});

/** GetTablets' default output: alias keyspace shard type address mysql-address tags primary-term-start. */
const tablets = (...types: string[]) => types.map((t, i) => `zone1-${String(100 + i).padStart(10, "0")} commerce 0 ${t} 10.0.0.${i}:15000 10.0.0.${i}:3306 [] <null>\n`).join("");
const getTablets = (answer: Omit<Answer, "when">, times?: number): Answer => ({ when: { args: ["^GetTablets$"] }, ...answer, ...(times && { times }) });
const PRS: Answer = { when: { args: ["^PlannedReparentShard$"] } };

interface ElectionCase {
  state: string;
  vtctldclient: Answer[];
  elects: boolean;
  waits: number;
}

const ELECTION_CASES: ElectionCase[] = [
  {
    state: "first boot, tablets still registering: waits for both replicas, then elects ordinal 0",
    vtctldclient: [getTablets({ exitCode: 1, stderr: "rpc error: code = Unavailable\n" }, 1), getTablets({ stdout: tablets("replica") }, 1), getTablets({ stdout: tablets("replica", "rdonly", "replica") }), PRS],
    elects: true, waits: 2,
  },
  {
    state: "a primary is already elected (a re-sync, a rerun): exits without a reparent",
    vtctldclient: [getTablets({ stdout: tablets("primary", "replica", "rdonly") })],
    elects: false, waits: 0,
  },
];

describe("primary election Job, by state of the shard", () => {
  for (const c of ELECTION_CASES) {
    it(c.state, async () => {
      const { find } = await renderVitess();
      const job = find("Job", "commerce-commerce-0-elect");
      const container = job.spec.template.spec.containers[0] as V1Container;
      const run = await runScript({ container, hostname: "commerce-commerce-0-elect-x1", stubs: { "/vt/bin/vtctldclient": c.vtctldclient }, guardSeconds: 10 });
      assert.equal(run.timedOut, false);
      assert.equal(run.exitCode, 0, run.stderr);
      for (const call of run.calls.filter((call) => call.name !== "sleep")) assert.equal(call.args[0], "--server=commerce-vtctld.vitess.svc:15999");
      const reparents = run.calls.filter((call) => call.args.includes("PlannedReparentShard"));
      const primary = `zone1-${String(uidBase(find("StatefulSet", "commerce-commerce-0-replica"))).padStart(10, "0")}`;
      assert.deepEqual(reparents.map((call) => call.args.slice(1)), c.elects ? [["PlannedReparentShard", "commerce/0", `--new-primary=${primary}`]] : []);
      assert.equal(run.calls.filter((call) => call.name === "sleep").length, c.waits);
    });
  }
});

describe("schema Job", () => {
  for (const c of [
    { has: "schema and VSchema", files: { "/schema/schema.sql": "CREATE TABLE IF NOT EXISTS t (id BIGINT);\n", "/schema/vschema.json": "{}\n" } as Record<string, string>, applies: ["ApplySchema --sql-file=/schema/schema.sql commerce", "ApplyVSchema --vschema-file=/schema/vschema.json commerce"] },
    { has: "a VSchema only", files: { "/schema/vschema.json": "{}\n" }, applies: ["ApplyVSchema --vschema-file=/schema/vschema.json commerce"] },
  ]) {
    it(`a keyspace with ${c.has}: applies what it has through vtctld, the schema first`, async () => {
      const job = (await renderVitess({ "clusters/commerce.yaml": COMMERCE_WITH_SCHEMA })).find("Job", "commerce-commerce-schema");
      const container = job.spec.template.spec.containers[0] as V1Container;
      const run = await runScript({ container, hostname: "commerce-commerce-schema-x1", stubs: { "/vt/bin/vtctldclient": [{}] }, files: c.files });
      assert.equal(run.exitCode, 0, run.stderr);
      for (const call of run.calls) assert.equal(call.args[0], "--server=commerce-vtctld.vitess.svc:15999");
      assert.deepEqual(run.calls.map((call) => call.args.slice(1).join(" ")), c.applies);
    });
  }

  it("a failed ApplySchema fails the Job (it retries) and applies no VSchema for a schema that is not there", async () => {
    const job = (await renderVitess({ "clusters/commerce.yaml": COMMERCE_WITH_SCHEMA })).find("Job", "commerce-commerce-schema");
    const container = job.spec.template.spec.containers[0] as V1Container;
    const run = await runScript({
      container, hostname: "commerce-commerce-schema-x1", stubs: { "/vt/bin/vtctldclient": [{ exitCode: 1, stderr: "rpc error: no primary\n" }] },
      files: { "/schema/schema.sql": "CREATE TABLE t (id BIGINT);\n", "/schema/vschema.json": "{}\n" },
    });
    assert.notEqual(run.exitCode, 0);
    assert.equal(run.calls.length, 1);
  });
});
