import type { V1Container } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScript, type Answer, type Call } from "../harness/run-script.js";
import { THREE_NODE_POOL, compileProject } from "../helpers.js";
import { ENDGAME, renderEndgame } from "./endgame.js";

/** The TiDB start scripts run for real, in the lifecycle states a cluster goes through. */

async function container(kind: string, name: string): Promise<V1Container> {
  return (await renderEndgame()).find(kind, name).spec.template.spec.containers[0];
}

const only = (calls: Call[], name: string): Call => {
  const found = calls.filter((c) => c.name === name);
  assert.equal(found.length, 1, `${name} runs once (calls: ${calls.map((c) => c.name).join(", ")})`);
  return found[0]!;
};

const PEER = (i: number) => `endgame-pd-${i}=http://endgame-pd-${i}.endgame-pd-peer.db.svc:2380`;
const BOOTSTRAP_SET = `--initial-cluster=${[0, 1, 2].map(PEER).join(",")}`;
const CLIENT = "http://endgame-pd.db.svc:2379";
const WAL = "/var/lib/pd/member/wal/0000000000000000-0000000000000000.wal";

/** The body of PD's /pd/api/v1/members, as its API renders it (indented JSON). */
function membersList(...names: string[]): string {
  const members = names.map((n, i) => `    {\n      "name": "${n}",\n      "member_id": ${1000 + i},\n      "peer_urls": [\n        "http://${n}.endgame-pd-peer.db.svc:2380"\n      ]\n    }`);
  return `{\n  "members": [\n${members.join(",\n")}\n  ]\n}\n`;
}

const wgetMembers = (answer: Omit<Answer, "when">): Answer => ({ when: { args: ["/pd/api/v1/members$"] }, ...answer });
const wgetHealth = (answer: Omit<Answer, "when">): Answer => ({ when: { args: ["/pd/api/v1/health$"] }, ...answer });
const REFUSED: Omit<Answer, "when"> = { exitCode: 4, stderr: "wget: can't connect to remote host: Connection refused\n" };

interface PdCase {
  state: string;
  pod: string;
  files?: Record<string, string>;
  wget: Answer[];
  /** The cluster flag pd-server gets, or none. */
  flag: string | undefined;
  /** The files under /var/lib/pd afterwards. */
  dataAfter?: string[];
}

const PD_CASES: PdCase[] = [
  {
    state: "first boot with peers down: bootstraps with the whole bootstrap set",
    pod: "endgame-pd-0",
    wget: [wgetMembers(REFUSED)],
    flag: BOOTSTRAP_SET,
  },
  {
    state: "first boot with peers up (a slow member): still bootstraps, never joins (PD refuses a join from a listed name)",
    pod: "endgame-pd-2",
    wget: [wgetMembers({ stdout: membersList("endgame-pd-0", "endgame-pd-1", "endgame-pd-2") })],
    flag: BOOTSTRAP_SET,
  },
  {
    state: "restart with data (a WAL): starts from it with no cluster flag, data untouched",
    pod: "endgame-pd-1",
    files: { [WAL]: "wal", "/var/lib/pd/member/snap/db": "db" },
    wget: [],
    flag: undefined,
    dataAfter: ["/var/lib/pd/member/snap/db", WAL],
  },
  {
    state: "restart after a failed first start (member/ without a WAL): bootstraps again with the same set, half-made dir moved aside",
    pod: "endgame-pd-1",
    files: { "/var/lib/pd/member/snap/db": "half-made" },
    wget: [wgetMembers(REFUSED)],
    flag: BOOTSTRAP_SET,
    dataAfter: ["/var/lib/pd/member.no-wal/snap/db"],
  },
  {
    state: "scale-up member: waits until the client Service answers, then joins",
    pod: "endgame-pd-3",
    wget: [wgetHealth({ ...REFUSED, times: 2 }), wgetHealth({})],
    flag: `--join=${CLIENT}`,
  },
  {
    state: "scale-up member restarting with data: starts from its WAL",
    pod: "endgame-pd-4",
    files: { [WAL]: "wal" },
    wget: [],
    flag: undefined,
  },
  {
    state: "bootstrap member replaced after `pd-ctl member delete` (the running cluster no longer lists it): joins as a new member",
    pod: "endgame-pd-1",
    wget: [wgetMembers({ stdout: membersList("endgame-pd-0", "endgame-pd-2") })],
    flag: `--join=${CLIENT}`,
  },
];

describe("PD start script, by lifecycle state", () => {
  for (const c of PD_CASES) {
    it(c.state, async () => {
      // GIVEN a PD pod in this state
      const pd = await container("StatefulSet", "endgame-pd");
      // WHEN its start script runs
      const run = await runScript({
        container: pd, hostname: c.pod, env: { POD_NAME: c.pod, NAMESPACE: "db" },
        stubs: { "/pd-server": [{}], wget: c.wget }, ...(c.files && { files: c.files }),
      });
      // THEN it starts pd-server once, as this member, with the expected cluster flag and nothing else
      assert.equal(run.timedOut, false);
      assert.equal(run.exitCode, 0, run.stderr);
      const args = only(run.calls, "/pd-server").args;
      assert.ok(args.includes(`--name=${c.pod}`));
      assert.ok(args.includes(`--advertise-peer-urls=http://${c.pod}.endgame-pd-peer.db.svc:2380`));
      assert.ok(args.includes("--data-dir=/var/lib/pd"));
      const clusterFlags = args.filter((a) => /^--(join|initial-cluster)/.test(a));
      assert.deepEqual(clusterFlags, c.flag === undefined ? [] : [c.flag]);
      if (c.dataAfter) assert.deepEqual([...run.files.keys()].sort(), c.dataAfter);
    });
  }

  it("a scale-up member never bootstraps a cluster of its own while the client Service is down", async () => {
    // GIVEN a scale-up member whose PD cluster does not answer for a while
    const pd = await container("StatefulSet", "endgame-pd");
    const run = await runScript({
      container: pd, hostname: "endgame-pd-3", env: { POD_NAME: "endgame-pd-3", NAMESPACE: "db" },
      stubs: { "/pd-server": [{}], wget: [wgetHealth({ ...REFUSED, times: 5 }), wgetHealth({})] },
    });
    // THEN it waited (one pause per refused attempt) and then joined; it never started on its own
    assert.equal(run.calls.filter((c) => c.name === "sleep").length, 5);
    assert.deepEqual(only(run.calls, "/pd-server").args.filter((a) => a.startsWith("--initial-cluster")), []);
  });
});

describe("PD preStop hook", () => {
  const LEADER = (name: string) => `{\n  "name": "${name}",\n  "member_id": 1000\n}\n`;
  const cases: { state: string; show: Answer; resigns: boolean }[] = [
    { state: "the leader resigns PD leadership before it stops", show: { stdout: LEADER("endgame-pd-1") }, resigns: true },
    { state: "a follower leaves leadership alone", show: { stdout: LEADER("endgame-pd-0") }, resigns: false },
    { state: "a PD that does not answer stops without waiting", show: { exitCode: 1, stderr: "connection refused\n" }, resigns: false },
  ];
  for (const c of cases) {
    it(c.state, async () => {
      const pd = await container("StatefulSet", "endgame-pd");
      const run = await runScript({
        container: pd, command: pd.lifecycle!.preStop!.exec!.command!, hostname: "endgame-pd-1",
        env: { POD_NAME: "endgame-pd-1", NAMESPACE: "db" },
        stubs: { "/pd-ctl": [{ when: { args: ["^show$"] }, ...c.show }, { when: { args: ["^resign$"] } }] },
      });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.calls.some((call) => call.args.join(" ").endsWith("member leader resign")), c.resigns);
    });
  }
});

describe("TiKV start script", () => {
  it("starts one store at its stable peer address, its capacity the volume's size", async () => {
    const tikv = await container("StatefulSet", "endgame-tikv");
    // (its pool names no zones: no topology file is mounted, and the store reports no labels)
    const run = await runScript({
      container: tikv, hostname: "endgame-tikv-2", env: { POD_NAME: "endgame-tikv-2", NAMESPACE: "db" },
      stubs: { "/tikv-server": [{}] }, dirs: ["/etc/tikv-topology"],
    });
    assert.equal(run.exitCode, 0, run.stderr);
    const args = only(run.calls, "/tikv-server").args;
    assert.ok(args.includes("--advertise-addr=endgame-tikv-2.endgame-tikv-peer.db.svc:20160"));
    assert.ok(args.includes("--pd=endgame-pd.db.svc:2379"));
    assert.ok(args.includes("--capacity=100GB"), "100Gi is 100 GiB, which TiKV writes 100GB");
    assert.ok(!args.some((a) => a.startsWith("--labels")));
  });

  it("reports the zone clusterc placed it in as a store label, from the file its ConfigMap mounts", async () => {
    // GIVEN endgame on a pool whose nodes name zones
    const zoned = THREE_NODE_POOL.replace(/- \{ name: (n\d), /g, "- { name: $1, zone: zone-$1, ");
    const { objects } = await compileProject({ "clusters/pool.yaml": zoned, "clusters/prod/endgame.yaml": ENDGAME });
    const find = (kind: string, name: string) => [...objects.values()].find((o) => o.kind === kind && o.metadata.name === name)!;
    const tikv = find("StatefulSet", "endgame-tikv").spec.template.spec.containers[0] as V1Container;
    const topology = find("ConfigMap", "endgame-tikv-topology");
    const mount = tikv.volumeMounts!.find((m) => m.name === "topology")!;
    // WHEN store 2 starts with its ConfigMap's files mounted
    const files = Object.fromEntries(Object.entries(topology.data as Record<string, string>).map(([key, value]) => [`${mount.mountPath}/${key}`, value]));
    const run = await runScript({ container: tikv, hostname: "endgame-tikv-2", env: { POD_NAME: "endgame-tikv-2", NAMESPACE: "db" }, stubs: { "/tikv-server": [{}] }, files });
    // THEN it reports the zone of the node its volume is pinned to
    const pv = find("PersistentVolume", "db-data-endgame-tikv-2");
    const node = pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0];
    assert.ok(only(run.calls, "/tikv-server").args.includes(`--labels=zone=zone-${node}`), run.calls.map((c) => c.args.join(" ")).join("\n"));
    // AND PD is configured to isolate replicas by that label
    assert.match(find("ConfigMap", "endgame-pd-config").data["pd.toml"], /^\[replication\]\nlocation-labels = \["zone"\]$/m);
  });
});

/** A password with every character SQL quoting must survive: quote, backslash, percent, dollar, space. */
const PASSWORD = String.raw`It's a \secret% $HOME`;
const PASSWORD_SQL = String.raw`It''s a \\secret% $HOME`;

describe("TiDB start script", () => {
  it("hands tidb-server an initialize-sql-file that sets the Secret's password, and never shows the password", async () => {
    // GIVEN a TiDB pod whose Secret holds a password that needs quoting
    const tidb = await container("Deployment", "endgame-tidb");
    // WHEN its start script runs
    const run = await runScript({
      container: tidb, hostname: "endgame-tidb-6d9f-x2k4q", env: { POD_IP: "10.0.0.7", ROOT_PASSWORD: PASSWORD },
      stubs: { "/tidb-server": [{}] },
    });
    // THEN tidb-server bootstraps with an SQL file, on the in-memory volume, that sets exactly that password
    assert.equal(run.exitCode, 0, run.stderr);
    const server = only(run.calls, "/tidb-server");
    const flag = server.args.find((a) => a.startsWith("--initialize-sql-file="));
    assert.ok(flag, "tidb-server gets --initialize-sql-file");
    const file = flag.slice("--initialize-sql-file=".length);
    assert.equal(run.files.get(file), `ALTER USER 'root'@'%' IDENTIFIED BY '${PASSWORD_SQL}';\n`);
    assert.ok(tidb.volumeMounts!.some((m) => file.startsWith(`${m.mountPath}/`)), "the file is on a mounted emptyDir");
    // AND the password is in no output, no command line and not in tidb-server's environment
    for (const call of run.calls) assert.ok(!call.args.join(" ").includes("secret"), `${call.name} argv`);
    assert.ok(!`${run.stdout}${run.stderr}`.includes("secret"));
    assert.equal(server.env.ROOT_PASSWORD, undefined);
  });

  it("refuses to start with an empty Secret, which would leave root without a password", async () => {
    const tidb = await container("Deployment", "endgame-tidb");
    const run = await runScript({ container: tidb, hostname: "endgame-tidb-6d9f-x2k4q", env: { POD_IP: "10.0.0.7", ROOT_PASSWORD: "" }, stubs: { "/tidb-server": [{}] } });
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /spec\.rootPassword\) is empty; put a password in it/);
    assert.deepEqual(run.calls, [], "tidb-server never starts");
  });
});

const DENIED = (using: "YES" | "NO"): Omit<Answer, "when"> =>
  ({ exitCode: 1, stderr: `ERROR 1045 (28000): Access denied for user 'root'@'10.0.0.9' (using password: ${using})\n` });
const CANNOT_CONNECT: Omit<Answer, "when"> = { exitCode: 1, stderr: "ERROR 2003 (HY000): Can't connect to MySQL server on 'endgame-tidb.db.svc:4000' (111)\n" };
const withSecret = (answer: Omit<Answer, "when">, times?: number): Answer => ({ when: { env: { MYSQL_PWD: PASSWORD } }, ...answer, ...(times && { times }) });
const withEmpty = (answer: Omit<Answer, "when">, times?: number): Answer => ({ when: { args: ["^--password=$"], env: { MYSQL_PWD: null }, stdin: "^$" }, ...answer, ...(times && { times }) });
const ALTER: Answer = { when: { args: ["^--password=$"], stdin: "ALTER USER" } };

interface InitCase {
  state: string;
  /** What the Secret holds; PASSWORD unless said. */
  secret?: string;
  mysql: Answer[];
  exitCode: number;
  setsPassword: boolean;
  waits: number;
  says: RegExp;
}

const INIT_CASES: InitCase[] = [
  {
    state: "a TiDB whose root has no password yet (bootstrapped before initialize-sql-file): sets the Secret's",
    mysql: [withSecret(DENIED("YES")), withEmpty({}), ALTER], exitCode: 0, setsPassword: true, waits: 0, says: /root password set/,
  },
  {
    state: "the Secret's password already works: changes nothing (idempotent)",
    mysql: [withSecret({})], exitCode: 0, setsPassword: false, waits: 0, says: /already set/,
  },
  {
    state: "a wrong or rotated password (both denied): exits at once, non-zero, with what to do",
    mysql: [withSecret(DENIED("YES")), withEmpty(DENIED("NO"))], exitCode: 3, setsPassword: false, waits: 0,
    says: /denies root both.*docs\/tidb-runbook\.md#rotate-the-root-password/,
  },
  {
    state: "an empty Secret: exits at once, non-zero, and never logs in with it",
    secret: "", mysql: [], exitCode: 3, setsPassword: false, waits: 0, says: /spec\.rootPassword\) is empty/,
  },
  {
    state: "TiDB not reachable yet: waits, then sets the password",
    mysql: [withSecret(CANNOT_CONNECT, 2), withSecret(DENIED("YES")), withEmpty({}), ALTER], exitCode: 0, setsPassword: true, waits: 2, says: /waiting for TiDB[\s\S]*root password set/,
  },
];

describe("TiDB init Job, by state of the root password", () => {
  for (const c of INIT_CASES) {
    it(c.state, async () => {
      // GIVEN the init Job's container and a TiDB that answers as in this state
      const job = (await renderEndgame()).find("Job", "endgame-tidb-init");
      const init: V1Container = job.spec.template.spec.containers[0];
      // WHEN it runs
      const run = await runScript({
        container: init, hostname: "endgame-tidb-init-abcde", env: { ROOT_PASSWORD: c.secret ?? PASSWORD }, stubs: { mysql: c.mysql }, guardSeconds: 10,
      });
      // THEN it ends as expected, says why, and sets the password only when root had none
      assert.equal(run.timedOut, false, "it does not wait on an answer");
      assert.equal(run.exitCode, c.exitCode, run.stderr);
      assert.match(`${run.stdout}${run.stderr}`, c.says);
      const alters = run.calls.filter((call) => call.stdin.includes("ALTER USER"));
      assert.deepEqual(alters.map((a) => a.stdin), c.setsPassword ? [`ALTER USER 'root'@'%' IDENTIFIED BY '${PASSWORD_SQL}';\nFLUSH PRIVILEGES;\n`] : []);
      assert.equal(run.calls.filter((call) => call.name === "sleep").length, c.waits);
      // AND the password is never on a command line or in the output
      for (const call of run.calls) assert.ok(!call.args.join(" ").includes("secret"), `${call.name} argv`);
      assert.ok(!`${run.stdout}${run.stderr}`.includes("secret"));
      if (c.exitCode === 3) {
        const policy = job.spec.podFailurePolicy.rules[0];
        assert.deepEqual([policy.action, policy.onExitCodes.values], ["FailJob", [3]], "that exit fails the Job without retries");
      }
    });
  }
});
