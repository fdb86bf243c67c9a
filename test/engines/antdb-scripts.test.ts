import type { V1Container } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScript, type Answer, type Call } from "../harness/run-script.js";
import { ADB, adbWith, pool, renderAdb } from "./adb.js";

/** AntDB's scripts run for real: the registration Job, the node hook and probe, the manager's start. */

const PSQL = "/opt/app/antdb/bin/psql";

/** The manager's answer to one command (psql -c "COMMAND"), matched by the command's start. */
const mgr = (command: string, answer: Omit<Answer, "when"> = {}): Answer => ({ when: { args: [`^${command.replace(/[()]/g, "\\$&")}`] }, ...answer });
const DOWN: Omit<Answer, "when"> = { exitCode: 2, stderr: "psql: could not connect to server: Connection refused\n" };

/** The mgr commands the script ran, in order. */
const commands = (calls: Call[]) => calls.filter((c) => c.name === PSQL).map((c) => c.args[c.args.indexOf("-c") + 1]!);
const changes = (calls: Call[]) => commands(calls).filter((c) => !/^(LIST|MONITOR)/.test(c));

async function jobContainer(spec = ADB): Promise<V1Container> {
  const { find } = await renderAdb(spec, { "clusters/pool.yaml": pool(6) });
  return find("Job", "adb-register").spec.template.spec.containers[0];
}

async function podContainer(component: string, which: "containers" | "initContainers" = "containers"): Promise<V1Container> {
  const { find } = await renderAdb();
  return find("StatefulSet", `adb-${component}`).spec.template.spec[which][0];
}

const FIRST = ["gc0", "gcs0", "dn0", "ds0", "dn1", "ds1", "cn0"];
const POD_OF: Record<string, string> = {
  gc0: "adb-gc-0.adb-gc-peer", gcs0: "adb-gcs-0.adb-gcs-peer", cn0: "adb-cn-0.adb-cn-peer",
  dn0: "adb-dn-0.adb-dn-peer", dn1: "adb-dn-1.adb-dn-peer", dn2: "adb-dn-2.adb-dn-peer",
  ds0: "adb-ds-0.adb-ds-peer", ds1: "adb-ds-1.adb-ds-peer", ds2: "adb-ds-2.adb-ds-peer",
};
const ip = (node: string) => `10.9.0.${Object.keys(POD_OF).indexOf(node) + 1}`;
/** getent's answer for each pod's DNS name. */
const getent = (nodes: string[]): Answer[] => nodes.map((n) => ({ when: { args: [`^${POD_OF[n]!.replaceAll(".", "\\.")}\\.antdb\\.svc$`] }, stdout: `${ip(n)}       ${POD_OF[n]}.antdb.svc.cluster.local\n` }));
const hostTable = (nodes: string[]) => nodes.map((n) => `${n}|${ip(n)}`).join("\n") + "\n";
const nodeTable = (nodes: [string, boolean][]) => nodes.map(([n, init]) => `${n}|${init ? "t" : "f"}`).join("\n") + "\n";
const agentsUp = (nodes: string[]) => nodes.map((n) => `${n}|t|running`).join("\n") + "\n";

describe("registration Job", () => {
  it("first install: adds every pod as a host at its address, every node in order, then runs INIT ALL once", async () => {
    // GIVEN a manager that holds nothing yet, and pods that resolve
    const run = await runScript({
      container: await jobContainer(), hostname: "adb-register-x7k2p",
      stubs: {
        [PSQL]: [mgr("LIST HOST", { stdout: "" }), mgr("LIST NODE", { stdout: "" }), mgr("ADD "), mgr("MONITOR AGENT ALL", { stdout: agentsUp(FIRST) }),
          mgr("INIT ALL", { stdout: "init gtmcoord master|gc0|t|success\nstart gtmcoord master|gc0|t|success\nconfig coordinator|cn0|t|success\n" })],
        getent: getent(FIRST),
      },
    });
    // THEN it registered everything, a master before its standby, and initialised the cluster
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), [
      ...["gc0", "gcs0", "dn0", "ds0", "dn1", "ds1", "cn0"].flatMap((n) => {
        const node = {
          gc0: "ADD GTMCOORD MASTER gc0 (HOST=gc0, PORT=6655, PATH='/data/antdb/gc0')",
          gcs0: "ADD GTMCOORD SLAVE gcs0 FOR gc0 (HOST=gcs0, PORT=6655, PATH='/data/antdb/gcs0')",
          dn0: "ADD DATANODE MASTER dn0 (HOST=dn0, PORT=14332, PATH='/data/antdb/dn0')",
          ds0: "ADD DATANODE SLAVE ds0 FOR dn0 (HOST=ds0, PORT=14332, PATH='/data/antdb/ds0')",
          dn1: "ADD DATANODE MASTER dn1 (HOST=dn1, PORT=14332, PATH='/data/antdb/dn1')",
          ds1: "ADD DATANODE SLAVE ds1 FOR dn1 (HOST=ds1, PORT=14332, PATH='/data/antdb/ds1')",
          cn0: "ADD COORDINATOR MASTER cn0 (HOST=cn0, PORT=5432, PATH='/data/antdb/cn0')",
        }[n]!;
        return [`ADD HOST IF NOT EXISTS ${n} (USER=antdb, ADDRESS='${ip(n)}', AGENTPORT=8432, ADBHOME='/opt/app/antdb')`, node];
      }),
      "INIT ALL",
    ]);
    assert.match(run.stdout, /cluster initialised/);
  });

  it("re-run with nothing new: changes nothing, initialises nothing", async () => {
    const run = await runScript({
      container: await jobContainer(), hostname: "adb-register-q1w2e",
      stubs: {
        [PSQL]: [mgr("LIST HOST", { stdout: hostTable(FIRST) }), mgr("LIST NODE", { stdout: nodeTable(FIRST.map((n) => [n, true])) }),
          mgr("MONITOR AGENT ALL", { stdout: agentsUp(FIRST) })],
        getent: getent(FIRST),
      },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), []);
    assert.match(run.stdout, /already initialised; 0 new node\(s\) appended/);
  });

  it("scale-up of the datanode pairs: adds and appends only the new master and its standby, master first; never INIT ALL", async () => {
    // GIVEN an initialised cluster and a spec with a third datanode pair
    const after = [...FIRST, "dn2", "ds2"];
    const run = await runScript({
      container: await jobContainer(adbWith(["replicas: 2, standby: true", "replicas: 3, standby: true"])), hostname: "adb-register-z9x8c",
      stubs: {
        [PSQL]: [mgr("LIST HOST", { stdout: hostTable(FIRST) }),
          mgr("LIST NODE", { times: 1, stdout: nodeTable(FIRST.map((n) => [n, true])) }),
          mgr("LIST NODE", { stdout: nodeTable([...FIRST.map((n): [string, boolean] => [n, true]), ["dn2", false], ["ds2", false]]) }),
          mgr("ADD "), mgr("MONITOR AGENT ALL", { stdout: agentsUp(after) }), mgr("APPEND ", { stdout: "append datanode|dn2|t|success\n" })],
        getent: getent(after),
      },
    });
    // THEN only the new pair is registered and appended, the master before its standby
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), [
      `ADD HOST IF NOT EXISTS dn2 (USER=antdb, ADDRESS='${ip("dn2")}', AGENTPORT=8432, ADBHOME='/opt/app/antdb')`,
      "ADD DATANODE MASTER dn2 (HOST=dn2, PORT=14332, PATH='/data/antdb/dn2')",
      `ADD HOST IF NOT EXISTS ds2 (USER=antdb, ADDRESS='${ip("ds2")}', AGENTPORT=8432, ADBHOME='/opt/app/antdb')`,
      "ADD DATANODE SLAVE ds2 FOR dn2 (HOST=ds2, PORT=14332, PATH='/data/antdb/ds2')",
      "APPEND DATANODE MASTER dn2",
      "APPEND DATANODE SLAVE ds2",
    ]);
    assert.match(run.stdout, /2 new node\(s\) appended/);
  });

  it("a pod that moved before the cluster was initialised gets its new address", async () => {
    const stale = hostTable(FIRST).replace(`dn1|${ip("dn1")}`, "dn1|10.9.9.9");
    const run = await runScript({
      container: await jobContainer(), hostname: "adb-register-m5n6b",
      stubs: {
        [PSQL]: [mgr("LIST HOST", { stdout: stale }), mgr("LIST NODE", { stdout: nodeTable(FIRST.map((n) => [n, false])) }), mgr("ALTER HOST"),
          mgr("MONITOR AGENT ALL", { stdout: agentsUp(FIRST) }), mgr("INIT ALL", { stdout: "init gtmcoord master|gc0|t|success\n" })],
        getent: getent(FIRST),
      },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), [`ALTER HOST dn1 (ADDRESS='${ip("dn1")}')`, "INIT ALL"]);
  });

  it("waits for the manager and for every agent instead of failing", async () => {
    const run = await runScript({
      container: await jobContainer(), hostname: "adb-register-w3e4r",
      stubs: {
        [PSQL]: [mgr("LIST HOST", { ...DOWN, times: 2 }), mgr("LIST HOST", { stdout: hostTable(FIRST) }), mgr("LIST NODE", { stdout: nodeTable(FIRST.map((n) => [n, true])) }),
          mgr("MONITOR AGENT ALL", { times: 1, stdout: agentsUp(FIRST).replace("ds1|t|running", "ds1|f|not running") }), mgr("MONITOR AGENT ALL", { stdout: agentsUp(FIRST) })],
        getent: getent(FIRST),
      },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.calls.filter((c) => c.name === "sleep").length, 3, "two pauses for the manager, one for the agent");
  });

  it("INIT ALL that reports a failed step: exits with the no-retry code, says what to do, and never cleans a node", async () => {
    const run = await runScript({
      container: await jobContainer(), hostname: "adb-register-t5y6u",
      stubs: {
        [PSQL]: [mgr("LIST HOST", { stdout: hostTable(FIRST) }), mgr("LIST NODE", { stdout: nodeTable(FIRST.map((n) => [n, false])) }),
          mgr("MONITOR AGENT ALL", { stdout: agentsUp(FIRST) }),
          mgr("INIT ALL", { stdout: "init gtmcoord master|gc0|t|success\ninit datanode master|dn1|f|could not create directory\n" })],
        getent: getent(FIRST),
      },
    });
    assert.equal(run.exitCode, 3);
    assert.match(run.stderr, /docs\/antdb-runbook\.md#init-all-failed/);
    assert.ok(!commands(run.calls).some((c) => /CLEAN/i.test(c)));
  });
});

describe("node pod postStart hook", () => {
  const DATA = { "/data/antdb/dn1/PG_VERSION": "11\n" };
  const hook = async (env: Record<string, string>, stubs: Answer[], files?: Record<string, string>) => {
    const dn = await podContainer("dn");
    return runScript({
      container: dn, command: dn.lifecycle!.postStart!.exec!.command!, hostname: "adb-dn-1",
      env: { POD_NAME: "adb-dn-1", ...env }, stubs: { [PSQL]: stubs }, ...(files && { files }),
    });
  };

  it("a pod without data (first boot, a scale-up) leaves registration to the Job and asks the manager nothing", async () => {
    const run = await hook({ POD_IP: "10.9.0.5" }, []);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(commands(run.calls), []);
  });

  it("restart at the same address: starts its database through the manager, changes no address", async () => {
    const run = await hook({ POD_IP: "10.9.0.5" }, [mgr("LIST HOST", { stdout: "10.9.0.5\n" }), mgr("MONITOR AGENT dn1", { stdout: "dn1|t|running\n" }), mgr("LIST NODE", { stdout: "datanode master\n" }), mgr("START", { stdout: "dn1|t|success\n" })], DATA);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), ["START datanode master dn1"]);
  });

  it("recreated pod at a new address: re-registers it (ALTER HOST, FLUSH HOST) before it starts its database", async () => {
    const run = await hook({ POD_IP: "10.9.0.42" }, [mgr("LIST HOST", { stdout: "10.9.0.5\n" }), mgr("ALTER HOST"),
      mgr("MONITOR AGENT dn1", { times: 1, stdout: "dn1|f|not running\n" }), mgr("MONITOR AGENT dn1", { stdout: "dn1|t|running\n" }),
      mgr("FLUSH HOST"), mgr("LIST NODE", { stdout: "datanode master\n" }), mgr("START", { stdout: "dn1|t|success\n" })], DATA);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), ["ALTER HOST dn1 (ADDRESS='10.9.0.42')", "FLUSH HOST", "START datanode master dn1"]);
  });

  it("after a failover, starts the node in the role the manager holds now, not the one its pod was made for", async () => {
    const ds = await podContainer("ds");
    const run = await runScript({
      container: ds, command: ds.lifecycle!.postStart!.exec!.command!, hostname: "adb-ds-1", env: { POD_NAME: "adb-ds-1", POD_IP: "10.9.0.8" },
      stubs: { [PSQL]: [mgr("LIST HOST", { stdout: "10.9.0.8\n" }), mgr("MONITOR AGENT ds1", { stdout: "ds1|t|running\n" }),
        mgr("LIST NODE", { stdout: "datanode master\n" }), mgr("START", { stdout: "ds1|t|success\n" })] },
      files: { "/data/antdb/ds1/PG_VERSION": "11\n" },
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), ["START datanode master ds1"]);
  });

  it("waits for the manager rather than fail (a failed hook kills the container)", async () => {
    const run = await hook({ POD_IP: "10.9.0.5" }, [mgr("LIST HOST", { ...DOWN, times: 3 }), mgr("LIST HOST", { stdout: "10.9.0.5\n" }),
      mgr("MONITOR AGENT dn1", { stdout: "dn1|t|running\n" }), mgr("LIST NODE", { stdout: "datanode master\n" }), mgr("START", { stdout: "dn1|t|success\n" })], DATA);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.calls.filter((c) => c.name === "sleep").length, 3);
  });

  it("a FLUSH HOST that fails while other pods are stale still starts the node", async () => {
    const run = await hook({ POD_IP: "10.9.0.42" }, [mgr("LIST HOST", { stdout: "10.9.0.5\n" }), mgr("ALTER HOST"), mgr("MONITOR AGENT dn1", { stdout: "dn1|t|running\n" }),
      mgr("FLUSH HOST", { exitCode: 1, stderr: "ERROR:  could not connect to agent of ds0\n" }), mgr("LIST NODE", { stdout: "datanode master\n" }), mgr("START", { stdout: "dn1|t|success\n" })], DATA);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, /the last pod to re-register flushes every address/);
    assert.deepEqual(changes(run.calls).at(-1), "START datanode master dn1");
  });

  it("a database the manager cannot start fails the hook, so the kubelet restarts the container", async () => {
    const run = await hook({ POD_IP: "10.9.0.5" }, [mgr("LIST HOST", { stdout: "10.9.0.5\n" }), mgr("MONITOR AGENT dn1", { stdout: "dn1|t|running\n" }),
      mgr("LIST NODE", { stdout: "datanode master\n" }), mgr("START", { stdout: "dn1|f|could not start\n" })], DATA);
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /docs\/antdb-runbook\.md#a-node-does-not-start/);
  });
});

describe("node pod preStop hook", () => {
  const preStop = async (stubs: Answer[], files?: Record<string, string>) => {
    const gcs = await podContainer("gcs");
    return runScript({
      container: gcs, command: gcs.lifecycle!.preStop!.exec!.command!, hostname: "adb-gcs-0",
      env: { POD_NAME: "adb-gcs-0", POD_IP: "10.9.0.2" }, stubs: { [PSQL]: stubs }, ...(files && { files }),
    });
  };
  const DATA = { "/data/antdb/gcs0/PG_VERSION": "11\n" };

  it("stops the node's database through the manager, in fast mode and in its current role", async () => {
    const run = await preStop([mgr("LIST NODE", { stdout: "gtmcoord slave\n" }), mgr("STOP", { stdout: "gcs0|t|success\n" })], DATA);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), ["STOP gtmcoord slave gcs0 MODE FAST"]);
    assert.equal(run.calls.find((c) => c.name === PSQL)!.env.PGCONNECT_TIMEOUT, "5", "a manager that is down cannot hold the pod up");
  });

  it("a manager that does not answer lets the pod stop", async () => {
    const run = await preStop([mgr("LIST NODE", DOWN)], DATA);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(changes(run.calls), []);
  });

  it("a pod whose node holds no data yet asks nothing", async () => {
    const run = await preStop([]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.calls, []);
  });
});

describe("node pod start script, readiness probe and data ownership", () => {
  it("runs the agent in the foreground on the agent port", async () => {
    const cn = await podContainer("cn");
    const run = await runScript({ container: cn, hostname: "adb-cn-0", env: { POD_NAME: "adb-cn-0", POD_IP: "10.9.0.3" }, stubs: { "/opt/app/antdb/bin/agent": [{}] } });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.calls.map((c) => [c.name, c.args]), [["/opt/app/antdb/bin/agent", ["-P", "8432"]]]);
  });

  const probeCases: { state: string; files?: Record<string, string>; answer?: Answer; ready: boolean; asks: boolean }[] = [
    { state: "before the Job initialised it: ready, so start-up can reach the Job", ready: true, asks: false },
    { state: "with data and a database that accepts connections: ready", files: { "/data/antdb/ds0/PG_VERSION": "11\n" }, answer: {}, ready: true, asks: true },
    { state: "with data and a database that is down: not ready", files: { "/data/antdb/ds0/PG_VERSION": "11\n" }, answer: { exitCode: 2 }, ready: false, asks: true },
  ];
  for (const c of probeCases) {
    it(`readiness ${c.state}`, async () => {
      const ds = await podContainer("ds");
      const run = await runScript({
        container: ds, command: ds.readinessProbe!.exec!.command!, hostname: "adb-ds-0", env: { POD_NAME: "adb-ds-0", POD_IP: "10.9.0.7" },
        stubs: { "/opt/app/antdb/bin/pg_isready": c.answer ? [c.answer] : [] }, ...(c.files && { files: c.files }),
      });
      assert.equal(run.exitCode === 0, c.ready);
      assert.equal(run.calls.some((call) => call.name === "/opt/app/antdb/bin/pg_isready" && call.args.join(" ") === "-q -h 127.0.0.1 -p 14332"), c.asks);
    });
  }

  const ownership: [string, string, [string, string[]][]][] = [
    ["a directory root made (a new pool directory) is given to antdb, 1000:1000", "0:0\n", [["stat", ["-c", "%u:%g", "/data/antdb"]], ["chown", ["-R", "1000:1000", "/data/antdb"]]]],
    ["a directory antdb already owns is left alone", "1000:1000\n", [["stat", ["-c", "%u:%g", "/data/antdb"]]]],
  ];
  for (const [name, owner, calls] of ownership) {
    it(`the ownership init container: ${name}`, async () => {
      const step = await podContainer("gc", "initContainers");
      assert.equal(step.name, "own-data");
      const run = await runScript({ container: step, hostname: "adb-gc-0", stubs: { stat: [{ stdout: owner }], chown: [{}] } });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.calls.map((c) => [c.name, c.args]), calls);
    });
  }
});

describe("manager start script", () => {
  const start = async (files?: Record<string, string>) => runScript({
    container: await podContainer("mgr"), hostname: "adb-mgr-0",
    stubs: { "/opt/app/antdb/bin/initmgr": [{}], "/opt/app/antdb/bin/adbmgrd": [{}] }, ...(files && { files }),
  });

  it("first boot: initialises into a scratch directory, listens on 6432 for the pods, moves it into place, runs adbmgrd", async () => {
    const run = await start();
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.calls.map((c) => [c.name, c.args]), [
      ["/opt/app/antdb/bin/initmgr", ["-D", "/data/antdb/mgr.init"]],
      ["/opt/app/antdb/bin/adbmgrd", ["-D", "/data/antdb/mgr"]],
    ]);
    assert.equal(run.files.get("/data/antdb/mgr/postgresql.conf"), "port = 6432\nlisten_addresses = '*'\n");
    assert.match(run.files.get("/data/antdb/mgr/pg_hba.conf")!, /^host all all 0\.0\.0\.0\/0 trust$/m);
    assert.ok(![...run.files.keys()].some((f) => f.startsWith("/data/antdb/mgr.init")));
  });

  it("restart with data: runs adbmgrd on it, initialises nothing", async () => {
    const run = await start({ "/data/antdb/mgr/PG_VERSION": "11\n", "/data/antdb/mgr/postgresql.conf": "port = 6432\n" });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.calls.map((c) => c.name), ["/opt/app/antdb/bin/adbmgrd"]);
    assert.equal(run.files.get("/data/antdb/mgr/postgresql.conf"), "port = 6432\n");
  });

  it("after a first boot that died half-way, starts over from a clean scratch directory", async () => {
    const run = await start({ "/data/antdb/mgr.init/half": "made" });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.files.has("/data/antdb/mgr/half"), false);
    assert.ok(run.files.has("/data/antdb/mgr/postgresql.conf"));
  });

  it("a directory that is not a manager's data: refuses to start, touches nothing", async () => {
    const run = await start({ "/data/antdb/mgr/notes.txt": "mine" });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.calls, []);
    assert.equal(run.files.get("/data/antdb/mgr/notes.txt"), "mine");
  });
});
