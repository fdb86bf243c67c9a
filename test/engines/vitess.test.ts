import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evenShards } from "../../compiler/schema/key-ranges.js";
import { tabletUidBase } from "../../compiler/schema/tablet-uids.js";
import { THREE_NODE_POOL, compileProject, type RenderedObject } from "../helpers.js";
import { COMMERCE, COMMERCE_WITH_SCHEMA, SPLIT, containerOf, containersOf, envOf, renderVitess, vitessSpec } from "./commerce.js";

const WAVE = "argocd.argoproj.io/sync-wave";
const wave = (o: RenderedObject) => Number(o.metadata.annotations?.[WAVE]);
const flags = (c: { command?: string[]; args?: string[] }) => [...(c.command ?? []), ...(c.args ?? [])].join("\n");

/** Errors of a project holding one spec, as `FILE:LINE:COL rule message` lines. */
async function errorsOf(spec: string): Promise<string[]> {
  const { diagnostics } = await compileProject({ "clusters/vt.yaml": spec });
  return diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line}:${d.col} ${d.ruleId} ${d.message}`);
}

describe("VitessCluster: SPEC.md's minimal spec", () => {
  it("renders as written: etcd, the topology Job, vtctld, a StatefulSet per tablet type, the election Job, vtgate", async () => {
    const { all } = await renderVitess();
    assert.deepEqual(all.map((o) => `${o.kind} ${o.metadata.name}`).sort(), [
      "Deployment commerce-vtctld",
      "Deployment commerce-vtgate-zone1",
      "Job commerce-commerce-0-elect",
      "Job commerce-topology",
      "NetworkPolicy commerce-default-deny",
      "NetworkPolicy commerce-etcd",
      "NetworkPolicy commerce-vtctld",
      "NetworkPolicy commerce-vtgate",
      "NetworkPolicy commerce-vttablet",
      "PodDisruptionBudget commerce-commerce-0",
      "PodDisruptionBudget commerce-etcd",
      "Service commerce-etcd",
      "Service commerce-etcd-peer",
      "Service commerce-vtctld",
      "Service commerce-vtgate-zone1",
      "Service commerce-vttablet",
      "StatefulSet commerce-commerce-0-rdonly",
      "StatefulSet commerce-commerce-0-replica",
      "StatefulSet commerce-etcd",
    ]);
    for (const o of all) {
      assert.equal(o.metadata.namespace, "vitess");
      assert.equal(o.metadata.labels?.["app.kubernetes.io/name"], "vitess");
      assert.equal(o.metadata.labels?.["app.kubernetes.io/instance"], "commerce");
    }
  });

  it("starts etcd -> topology Job -> vtctld -> vttablets -> election Job -> vtgate, one stage folder each for Flux", async () => {
    const { find, files } = await renderVitess();
    const order = [
      find("StatefulSet", "commerce-etcd"), find("Job", "commerce-topology"), find("Deployment", "commerce-vtctld"),
      find("StatefulSet", "commerce-commerce-0-replica"), find("Job", "commerce-commerce-0-elect"), find("Deployment", "commerce-vtgate-zone1"),
    ];
    assert.deepEqual(order.map(wave), [0, 1, 2, 3, 4, 6], "wave 5 is the schema Job's, of keyspaces that have a schema");
    const stages = [...new Set(files.map((f) => f.split("/")[1]))].sort();
    assert.deepEqual(stages, ["0-etcd", "1-topology", "2-vtctld", "3-vttablet", "4-primary-election", "5-vtgate", "6-network"]);
    for (const job of [order[1]!, order[4]!]) {
      assert.equal(job.metadata.annotations?.["argocd.argoproj.io/hook"], "Sync", "a hook that runs in its wave");
      assert.equal(job.metadata.annotations?.["argocd.argoproj.io/hook-delete-policy"], "BeforeHookCreation");
      assert.equal(job.metadata.annotations?.["kustomize.toolkit.fluxcd.io/force"], "enabled");
    }
  });
});

describe("VitessCluster: schema and VSchema", () => {
  it("a keyspace's schema and VSchema go into a ConfigMap that a Job applies after the election, before vtgate", async () => {
    const { find, files } = await renderVitess({ "clusters/commerce.yaml": COMMERCE_WITH_SCHEMA });
    const config = find("ConfigMap", "commerce-commerce-schema");
    assert.match(config.data["schema.sql"], /^CREATE TABLE IF NOT EXISTS product .*\nCREATE TABLE IF NOT EXISTS customer .*\n$/);
    assert.deepEqual(JSON.parse(config.data["vschema.json"]), { tables: { product: {}, customer: {} } });
    const job = find("Job", "commerce-commerce-schema");
    assert.deepEqual(job.spec.template.spec.volumes[0], { name: "schema", configMap: { name: "commerce-commerce-schema" } });
    assert.deepEqual([find("Job", "commerce-commerce-0-elect"), job, config, find("Deployment", "commerce-vtgate-zone1")].map(wave), [4, 5, 5, 6]);
    assert.equal(job.metadata.annotations?.["argocd.argoproj.io/hook"], "Sync");
    assert.deepEqual([...new Set(files.map((f) => f.split("/")[1]))].sort().slice(-3), ["5-schema", "6-vtgate", "7-network"]);
  });

  it("no schema Job for a keyspace without schema or VSchema", async () => {
    const { all } = await renderVitess();
    assert.ok(!all.some((o) => o.metadata.name.endsWith("-schema")));
  });

  it("SQL that sets a password is refused: the ConfigMap would hold it in the clear", async () => {
    const spec = COMMERCE_WITH_SCHEMA.replace("        CREATE TABLE IF NOT EXISTS product", "        CREATE USER IF NOT EXISTS app IDENTIFIED BY 'hunter2-secret';\n        CREATE TABLE IF NOT EXISTS product");
    const errors = await errorsOf(spec);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0]!, /^clusters\/vt\.yaml:11:7 secrets-hygiene ConfigMap commerce-commerce-schema/);
    assert.ok(!errors[0]!.includes("hunter2"), "the message never shows the value");
  });
});

/** COMMERCE_WITH_SCHEMA with its schema and VSchema in files next to the spec, holding the same SQL and VSchema. */
const SQL = COMMERCE_WITH_SCHEMA.split("      schema: |\n")[1]!.split("      vschema:")[0]!.replace(/^ {8}/gm, "");
const WITH_FILES = COMMERCE.replace("      tablets: { replica: 2, rdonly: 1, storage: { size: 2Gi } }\n", `      tablets: { replica: 2, rdonly: 1, storage: { size: 2Gi } }
      schema: { file: commerce.sql }
      vschema: { file: vschema/commerce.json }
`);
const FILES = {
  "clusters/staging/commerce.yaml": WITH_FILES,
  "clusters/staging/commerce.sql": SQL,
  "clusters/staging/vschema/commerce.json": '{\n  "tables": {\n    "product": {},\n    "customer": {}\n  }\n}\n',
};

describe("VitessCluster: schema and VSchema in files next to the spec", () => {
  it("render the same ConfigMap and Job as the same schema and VSchema inline; the files are not read as specs", async () => {
    // GIVEN the seed article's schema inline in one project, and in files next to the spec in another
    const inline = await renderVitess({ "clusters/staging/commerce.yaml": COMMERCE_WITH_SCHEMA });
    // WHEN both render (renderVitess fails on any finding: a .sql or .json file taken for a spec would be one)
    const files = await renderVitess(FILES);
    // THEN the schema objects are identical
    for (const kind of ["ConfigMap", "Job"]) assert.deepEqual(files.find(kind, "commerce-commerce-schema"), inline.find(kind, "commerce-commerce-schema"));
    assert.deepEqual(files.all.length, inline.all.length);
  });

  const errors: { case: string; files: Record<string, string>; at: RegExp }[] = [
    { case: "a missing file is an error at the field, naming the path",
      files: { ...FILES, "clusters/staging/commerce.sql": undefined as unknown as string },
      at: /^clusters\/staging\/commerce\.yaml:11:17 source-file-reference names clusters\/staging\/commerce\.sql, which does not exist/ },
    { case: "a path with '..' is refused at its line",
      files: { ...FILES, "clusters/staging/commerce.yaml": WITH_FILES.replace("file: commerce.sql", "file: ../prod/commerce.sql") },
      at: /^clusters\/staging\/commerce\.yaml:11:17 schema-value spec\.keyspaces\[0\]\.schema\.file: must be a path relative to the spec's folder, without '\.\.'/ },
    { case: "an absolute path is refused at its line",
      files: { ...FILES, "clusters/staging/commerce.yaml": WITH_FILES.replace("file: commerce.sql", "file: /etc/passwd") },
      at: /^clusters\/staging\/commerce\.yaml:11:17 schema-value spec\.keyspaces\[0\]\.schema\.file: must be a path relative/ },
    { case: "a .yaml file is refused: the loader would read it as a spec",
      files: { ...FILES, "clusters/staging/commerce.yaml": WITH_FILES.replace("vschema/commerce.json", "vschema/commerce.txt.yml") },
      at: /^clusters\/staging\/commerce\.yaml:12:18 schema-value spec\.keyspaces\[0\]\.vschema\.file: must be a file not named \.yaml or \.yml/ },
    { case: "a VSchema file that is not valid JSON is an error at its own line and column",
      files: { ...FILES, "clusters/staging/vschema/commerce.json": '{\n  "tables": {\n    "product": {},\n    "customer": {}\n  \n}\n' },
      at: /^clusters\/staging\/vschema\/commerce\.json:7:1 yaml-syntax / },
    { case: "a VSchema file with a key twice is an error at the second one",
      files: { ...FILES, "clusters/staging/vschema/commerce.json": '{ "tables": {}, "tables": {} }\n' },
      at: /^clusters\/staging\/vschema\/commerce\.json:1:17 yaml-duplicate-key / },
    { case: "a VSchema file that holds no map is an error in that file",
      files: { ...FILES, "clusters/staging/vschema/commerce.json": '["product", "customer"]\n' },
      at: /^clusters\/staging\/vschema\/commerce\.json:1:1 schema-type must hold one map/ },
    { case: "a VSchema reference with another field beside file is an unknown field",
      files: { ...FILES, "clusters/staging/commerce.yaml": WITH_FILES.replace("vschema/commerce.json }", "vschema/commerce.json, tables: {} }") },
      at: /^clusters\/staging\/commerce\.yaml:12:47 schema-unknown-field spec\.keyspaces\[0\]\.vschema\.tables/ },
  ];
  it("a broken VSchema file stops its own cluster only: the others compile in the same run", async () => {
    // GIVEN the spec with a VSchema file that is no valid JSON, beside a second, valid cluster
    const { diagnostics, fleet } = await compileProject({
      ...FILES,
      "clusters/staging/vschema/commerce.json": "{ \"tables\": \n",
      "clusters/other.yaml": COMMERCE.replace("name: commerce, namespace: vitess", "name: other, namespace: other"),
    });
    // WHEN it compiles THEN the error is in the file, and only the other cluster compiled
    assert.deepEqual(diagnostics.filter((d) => d.severity === "error").map((d) => d.file), ["clusters/staging/vschema/commerce.json"]);
    assert.deepEqual(fleet?.clusters.map((c) => c.name), ["other"]);
  });

  for (const c of errors) {
    it(c.case, async () => {
      // GIVEN a spec whose keyspace names its schema files, with the one thing wrong
      const present = Object.fromEntries(Object.entries(c.files).filter(([, text]) => text !== undefined));
      // WHEN it compiles
      const { diagnostics } = await compileProject(present);
      // THEN one error, where the user must look, and nothing rendered
      const found = diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line}:${d.col} ${d.ruleId} ${d.message}`);
      assert.equal(found.length, 1, found.join("\n"));
      assert.match(found[0]!, c.at);
    });
  }
});

describe("VitessCluster: etcd topology", () => {
  it("bootstraps 3 members statically, pinned, with peers resolvable before they are ready, data on a claim", async () => {
    const { find } = await renderVitess();
    const etcd = find("StatefulSet", "commerce-etcd");
    assert.equal(etcd.spec.replicas, 3);
    assert.equal(etcd.spec.serviceName, "commerce-etcd-peer");
    const container = containerOf(etcd, "etcd");
    assert.equal(container.image, "quay.io/coreos/etcd:v3.5.17");
    const members = [0, 1, 2].map((i) => `commerce-etcd-${i}=http://commerce-etcd-${i}.commerce-etcd-peer.vitess.svc:2380`);
    assert.ok(container.args!.includes(`--initial-cluster=${members.join(",")}`));
    assert.ok(container.args!.includes("--name=$(POD_NAME)"), "Kubernetes fills in each member's name: the image has no shell");
    assert.ok(container.args!.includes("--initial-advertise-peer-urls=http://$(POD_NAME).commerce-etcd-peer.vitess.svc:2380"));
    assert.deepEqual(envOf(container).POD_NAME, { fieldRef: { fieldPath: "metadata.name" } });
    assert.equal(etcd.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "1Gi");
    const peer = find("Service", "commerce-etcd-peer");
    assert.equal(peer.spec.clusterIP, "None");
    assert.equal(peer.spec.publishNotReadyAddresses, true);
    assert.deepEqual(find("Service", "commerce-etcd").spec.ports.map((p: { port: number }) => p.port), [2379]);
  });

  it("keeps members on distinct nodes (required) and lets a drain take one at a time", async () => {
    const { find } = await renderVitess();
    const required = find("StatefulSet", "commerce-etcd").spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    assert.deepEqual(required.map((t: any) => t.labelSelector.matchLabels["app.kubernetes.io/component"]), ["etcd"]);
    const pdb = find("PodDisruptionBudget", "commerce-etcd");
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.equal(pdb.spec.selector.matchLabels["app.kubernetes.io/component"], "etcd");
  });
});

describe("VitessCluster: tablets", () => {
  it("runs vttablet beside mysqld with the topology, cell, keyspace, shard, type and ports of its set", async () => {
    const { find } = await renderVitess({ "clusters/shop.yaml": SPLIT });
    const set = find("StatefulSet", "shop-customer-80-x-replica");
    assert.equal(set.spec.replicas, 3);
    assert.deepEqual(set.spec.template.spec.containers.map((c: { name: string }) => c.name), ["vttablet", "mysqld"]);
    const vttablet = containerOf(set, "vttablet");
    const script = flags(vttablet);
    for (const flag of [
      "--topo_implementation=etcd2", "--topo_global_server_address=shop-etcd.vitess.svc:2379", "--topo_global_root=/vitess/global",
      "--init_keyspace=customer", "--init_shard=80-", "--init_tablet_type=replica", "--port=15000", "--grpc_port=15999",
    ]) assert.ok(script.includes(flag), flag);
    assert.equal(envOf(vttablet).CELL, "zone2", "the keyspace's cell");
    assert.equal(set.spec.template.metadata.labels["vitess.io/shard"], "80-x", "a label value cannot end in '-'");
    assert.equal(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "5Gi");
  });

  it("renders one StatefulSet per keyspace, shard and tablet type, and none for a type with no tablets", async () => {
    const { all } = await renderVitess({ "clusters/shop.yaml": SPLIT });
    assert.deepEqual(all.filter((o) => o.kind === "StatefulSet").map((o) => o.metadata.name).sort(), [
      "shop-commerce-0-rdonly", "shop-commerce-0-replica", "shop-customer-80-x-replica", "shop-customer-x-80-replica", "shop-etcd",
    ]);
  });

  it("gives every tablet a uid unique in the cluster that stays the same when keyspaces are added", async () => {
    const base = (o: RenderedObject) => envOf(containerOf(o, "vttablet")).TABLET_UID_BASE as string;
    const alone = await renderVitess();
    const grown = await renderVitess({ "clusters/commerce.yaml": COMMERCE.replace("keyspaces:\n", "keyspaces:\n    - { name: aaa, tablets: { storage: { size: 1Gi } } }\n") });
    const before = base(alone.find("StatefulSet", "commerce-commerce-0-replica"));
    assert.equal(base(grown.find("StatefulSet", "commerce-commerce-0-replica")), before, "adding a keyspace before it moves no uid");
    const sets = grown.all.filter((o) => o.kind === "StatefulSet" && o.metadata.name !== "commerce-etcd");
    const uids = sets.flatMap((o) => Array.from({ length: o.spec.replicas }, (_, i) => Number(base(o)) + i));
    assert.equal(new Set(uids).size, uids.length, "no uid twice");
    assert.ok(uids.every((u) => u > 0 && u < 2 ** 32), "uids are positive uint32 (MySQL server_id)");
    assert.equal(envOf(containerOf(alone.find("StatefulSet", "commerce-commerce-0-replica"), "mysqld")).TABLET_UID_BASE, before, "mysqlctld uses the same uid");
  });

  it("keeps a shard's primary candidates on distinct nodes, spreads the whole shard, and budgets it as one", async () => {
    const { find } = await renderVitess();
    const shard = { "app.kubernetes.io/component": "vttablet", "app.kubernetes.io/instance": "commerce", "app.kubernetes.io/name": "vitess", "vitess.io/keyspace": "commerce", "vitess.io/shard": "0" };
    const affinity = (name: string) => find("StatefulSet", name).spec.template.spec.affinity.podAntiAffinity;
    const replica = affinity("commerce-commerce-0-replica");
    assert.deepEqual(replica.requiredDuringSchedulingIgnoredDuringExecution.map((t: any) => t.labelSelector.matchLabels), [{ ...shard, "vitess.io/tablet-type": "replica" }]);
    assert.deepEqual(replica.preferredDuringSchedulingIgnoredDuringExecution.map((t: any) => t.podAffinityTerm.labelSelector.matchLabels), [shard]);
    const rdonly = affinity("commerce-commerce-0-rdonly");
    assert.equal(rdonly.requiredDuringSchedulingIgnoredDuringExecution, undefined);
    assert.deepEqual(rdonly.preferredDuringSchedulingIgnoredDuringExecution.map((t: any) => t.podAffinityTerm.labelSelector.matchLabels), [shard]);
    assert.deepEqual(find("PodDisruptionBudget", "commerce-commerce-0").spec.selector.matchLabels, shard);
  });

  it("places hostPath volumes of a shard's replicas on distinct nodes of the pool", async () => {
    const spec = COMMERCE.replace("storage: { size: 2Gi }", "storage: { size: 2Gi, hostPath: { pool: dc1 } }");
    const { all } = await renderVitess({ "clusters/pool.yaml": THREE_NODE_POOL, "clusters/commerce.yaml": spec });
    const node = (pv: RenderedObject) => pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0];
    const replicas = all.filter((o) => o.kind === "PersistentVolume" && o.spec.claimRef.name.includes("-replica-"));
    assert.equal(replicas.length, 2);
    assert.notEqual(node(replicas[0]!), node(replicas[1]!));
  });
});

describe("VitessCluster: vtctld and vtgate", () => {
  it("vtctld serves web and gRPC behind its Service", async () => {
    const { find } = await renderVitess();
    assert.deepEqual(find("Service", "commerce-vtctld").spec.ports.map((p: { port: number }) => p.port), [15000, 15999]);
    assert.match(flags(containerOf(find("Deployment", "commerce-vtctld"), "vtctld")), /--service_map=grpc-vtctl,grpc-vtctld/);
  });

  it("vtgate authenticates every MySQL client from a Secret file, <cluster>-vtgate-users by default, never from rendered values", async () => {
    const { find, all } = await renderVitess();
    const vtgate = find("Deployment", "commerce-vtgate-zone1");
    const args = flags(containerOf(vtgate, "vtgate"));
    assert.match(args, /--mysql_auth_server_impl=static/);
    assert.doesNotMatch(args, /mysql_auth_server_impl=none/);
    assert.match(args, /--mysql_auth_server_static_file=\/vt\/secrets\/mysql-auth\/users\.json/);
    assert.deepEqual(vtgate.spec.template.spec.volumes[0].secret, { secretName: "commerce-vtgate-users", items: [{ key: "users.json", path: "users.json" }] });
    assert.ok(!all.some((o) => o.kind === "Secret" || o.kind === "ConfigMap"), "no credentials rendered");
  });

  it("an externalSecret source renders the ExternalSecret before everything else and mounts the Secret it creates", async () => {
    const spec = COMMERCE.replace("cells: [zone1]", "cells: [zone1]\n  vtgate: { authentication: { externalSecret: { store: vault, remoteKey: vitess/users } } }");
    const { find } = await renderVitess({ "clusters/commerce.yaml": spec });
    assert.equal(wave(find("ExternalSecret", "commerce-vtgate-users")), -1);
    assert.equal(find("Deployment", "commerce-vtgate-zone1").spec.template.spec.volumes[0].secret.secretName, "commerce-vtgate-users");
  });

  it("one vtgate per cell, each watching every cell; a NodePort Service carries the MySQL port only", async () => {
    const spec = SPLIT.replace("cells: [zone1, zone2]", "cells: [zone1, zone2]\n  vtgate: { service: { type: NodePort } }");
    const { find } = await renderVitess({ "clusters/shop.yaml": spec });
    for (const cell of ["zone1", "zone2"]) {
      const vtgate = find("Deployment", `shop-vtgate-${cell}`);
      assert.match(flags(containerOf(vtgate, "vtgate")), new RegExp(`--cell=${cell}\\n[\\s\\S]*--cells_to_watch=zone1,zone2`));
      const service = find("Service", `shop-vtgate-${cell}`);
      assert.equal(service.spec.type, "NodePort");
      assert.deepEqual(service.spec.ports.map((p: { port: number }) => p.port), [3306]);
      assert.equal(service.spec.selector["vitess.io/cell"], cell);
    }
  });
});

describe("VitessCluster: versions", () => {
  const CASES = [
    { version: "v19.0.4", mysqld: "vitess/lite:v19.0.4", serverVersion: undefined },
    { version: "v20.0.2", mysqld: "mysql:8.0.40", serverVersion: "--mysql_server_version=8.0.40-Vitess" },
  ];
  for (const c of CASES) {
    it(`${c.version}: mysqld from ${c.mysqld}, mysqlctld copied in from vitess/lite`, async () => {
      const { find } = await renderVitess({ "clusters/commerce.yaml": COMMERCE.replace("v19.0.4", c.version) });
      const set = find("StatefulSet", "commerce-commerce-0-replica");
      assert.equal(containerOf(set, "mysqld").image, c.mysqld);
      assert.equal(containerOf(set, "vttablet").image, `vitess/lite:${c.version}`);
      assert.equal(containerOf(set, "init-vt-root").image, `vitess/lite:${c.version}`);
      for (const container of [containerOf(set, "vttablet"), containerOf(set, "mysqld"), containerOf(find("Deployment", "commerce-vtgate-zone1"), "vtgate")]) {
        const has = flags(container).includes("--mysql_server_version=");
        assert.equal(has, c.serverVersion !== undefined, `${container.name}: --mysql_server_version only where mysqld is not in vitess/lite`);
        if (c.serverVersion) assert.ok(flags(container).includes(c.serverVersion));
      }
    });
  }

  it("an unsupported version is an error at its line", async () => {
    for (const version of ["v18.0.5", "v21.0.1", "latest", "19.0.4"]) {
      const errors = await errorsOf(COMMERCE.replace("v19.0.4", version));
      assert.equal(errors.length, 1, errors.join("\n"));
      assert.match(errors[0]!, /^clusters\/vt\.yaml:5:3 schema-value spec\.version: must be a Vitess release clusterc supports: v19\.0\.x or v20\.0\.x/);
    }
  });
});

/**
 * Flags of each binary as vitessio/vitess lists them in go/flags/endtoend/<binary>.txt (its --help,
 * kept current by Vitess's CI), none marked deprecated, at every tag v19.0.0-v19.0.10 and
 * v20.0.0-v20.0.8. A flag clusterc starts passing must be checked there and added here.
 */
const UPSTREAM_FLAGS: Record<string, string[]> = {
  vtctld: ["logtostderr", "topo_implementation", "topo_global_server_address", "topo_global_root", "cell", "service_map", "port", "grpc_port"],
  vtgate: ["logtostderr", "topo_implementation", "topo_global_server_address", "topo_global_root", "cell", "cells_to_watch", "tablet_types_to_wait",
    "service_map", "port", "grpc_port", "mysql_server_port", "mysql_server_version", "mysql_auth_server_impl", "mysql_auth_server_static_file",
    "mysql_auth_static_reload_interval"],
  vttablet: ["logtostderr", "topo_implementation", "topo_global_server_address", "topo_global_root", "tablet-path", "tablet_hostname", "init_keyspace",
    "init_shard", "init_tablet_type", "port", "grpc_port", "service_map", "health_check_interval", "db_charset", "db_app_user", "db_dba_user",
    "db_repl_user", "db_filtered_user", "enable_replication_reporter", "mysql_server_version", "mysqlctl_socket", "mycnf_socket_file"],
  mysqlctld: ["logtostderr", "tablet_uid", "socket_file", "mysql_socket", "db_dba_user", "db_charset", "mysql_server_version", "init_db_sql_file", "wait_time"],
};

describe("VitessCluster: flags of the supported releases", () => {
  for (const version of ["v19.0.4", "v20.0.2"]) {
    it(`${version}: every flag given to vtctld, vtgate, vttablet and mysqlctld is one the release has`, async () => {
      // GIVEN the minimal spec at a release of each supported major
      const { find } = await renderVitess({ "clusters/commerce.yaml": COMMERCE.replace("v19.0.4", version) });
      const tablet = find("StatefulSet", "commerce-commerce-0-replica");
      const binaries: [string, ReturnType<typeof containerOf>][] = [
        ["vtctld", containerOf(find("Deployment", "commerce-vtctld"), "vtctld")],
        ["vtgate", containerOf(find("Deployment", "commerce-vtgate-zone1"), "vtgate")],
        ["vttablet", containerOf(tablet, "vttablet")],
        ["mysqlctld", containerOf(tablet, "mysqld")],
      ];
      for (const [binary, container] of binaries) {
        // WHEN its flags are read from the container's command (or start script)
        const given = [...flags(container).matchAll(/(?<![\w-])--([a-z][-a-z_]*)/g)].map((m) => m[1]!);
        // THEN each is in the release's flag list
        assert.ok(given.length > 0, `${binary} has flags`);
        assert.deepEqual(given.filter((flag) => !UPSTREAM_FLAGS[binary]!.includes(flag)), [], `${binary} ${version}`);
      }
    });
  }
});

describe("VitessCluster: shard key ranges", () => {
  /** Each a list a user might write, the error clusterc gives, at the line and column of the offending shard. */
  const BAD: { shards: string; at: string; says: RegExp }[] = [
    { shards: `["-40", "80-"]`, at: "9:23", says: /shards "-40" and "80-" leave a gap: keyspace ids from 40 to 80 belong to no shard/ },
    { shards: `["-80", "40-"]`, at: "9:23", says: /shards "-80" and "40-" overlap between 40 and 80/ },
    { shards: `["80-", "-80"]`, at: "9:23", says: /shard "-80" is out of order: it starts at or before "80-"/ },
    { shards: `["40-", "80-"]`, at: "9:16", says: /shard "40-" leaves a gap: keyspace ids below 40 belong to no shard/ },
    { shards: `["-80", "80-c0"]`, at: "9:23", says: /shard "80-c0" leaves a gap: keyspace ids from c0 on belong to no shard/ },
    { shards: `["-80", "80-", "0"]`, at: "9:30", says: /shard "0" covers the whole key space/ },
    { shards: `["-8", "8-"]`, at: "9:16", says: /shard "-8" is not a key range: .*whole bytes/ },
    { shards: `["-AA", "AA-"]`, at: "9:16", says: /shard "-AA" is not a key range: .*lower-case hex/ },
    { shards: `["-80", "80-80", "80-"]`, at: "9:23", says: /shard "80-80" is empty/ },
  ];
  for (const c of BAD) {
    it(`${c.shards}: an error at the offending shard`, async () => {
      const errors = await errorsOf(COMMERCE.replace(`["0"]`, c.shards));
      assert.ok(errors.length >= 1);
      assert.ok(errors[0]!.startsWith(`clusters/vt.yaml:${c.at} schema-value spec.keyspaces[0].shards[`), errors.join("\n"));
      assert.match(errors[0]!, c.says);
    });
  }

  it("accepts lists that cover the key space once, trailing zero bytes or not", async () => {
    for (const shards of [`["0"]`, `["-"]`, `["-80", "80-"]`, `["-4000", "40-80", "8000-c0", "c0-"]`]) {
      assert.deepEqual(await errorsOf(COMMERCE.replace(`["0"]`, shards)), [], shards);
    }
  });

  it("splits a count evenly, and every split passes its own validation", async () => {
    assert.deepEqual(evenShards(1), ["0"]);
    assert.deepEqual(evenShards(2), ["-80", "80-"]);
    assert.deepEqual(evenShards(4), ["-40", "40-80", "80-c0", "c0-"]);
    assert.deepEqual(evenShards(3), ["-5555", "5555-aaaa", "aaaa-"]);
    const { all } = await renderVitess({ "clusters/commerce.yaml": COMMERCE.replace(`["0"]`, "4") });
    assert.deepEqual(all.filter((o) => o.kind === "Job" && o.metadata.name.endsWith("-elect")).map((o) => o.metadata.name).sort(),
      ["commerce-commerce-40-80-elect", "commerce-commerce-80-c0-elect", "commerce-commerce-c0-x-elect", "commerce-commerce-x-40-elect"]);
  });
});

describe("VitessCluster: other spec errors", () => {
  it("a keyspace name that makes tablet StatefulSet names too long for Kubernetes to create their pods", async () => {
    const errors = await errorsOf(COMMERCE.replace("- name: commerce", "- name: commerce-orders-and-invoices-archive").replace(`["0"]`, `["-80", "80-"]`));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0]!, /^clusters\/vt\.yaml:8:7 schema-value spec\.keyspaces\[0\]\.name: the tablet StatefulSets .* up to 58 characters/);
  });

  it("a tablet cell that spec.cells does not list", async () => {
    const errors = await errorsOf(COMMERCE.replace("replica: 2,", "replica: 2, cell: zone9,"));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^clusters\/vt\.yaml:10:30 schema-value spec\.keyspaces\[0\]\.tablets\.cell: cell zone9 is not one of spec\.cells \(zone1\)/);
  });

  it("semi_sync with one replica tablet, whose writes nothing could acknowledge", async () => {
    const errors = await errorsOf(COMMERCE.replace("replica: 2", "replica: 1").replace(`shards: ["0"]`, `shards: ["0"]\n      durability: semi_sync`));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^clusters\/vt\.yaml:10:7 schema-value .*semi_sync needs 2 or more replica tablets/);
  });

  it("two keyspaces whose tablets would share uids: an error at the later keyspace's name", async () => {
    // GIVEN two keyspace names whose replica tablets hash to the same uid base (found by search, as a user might by chance)
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const name = `ks${i}`;
      const base = tabletUidBase(name, "0", "replica");
      const other = seen.get(base);
      if (other) pair = [other, name];
      seen.set(base, name);
    }
    const spec = vitessSpec("vt", `  version: v19.0.4
  cells: [zone1]
  keyspaces:
    - { name: ${pair[0]}, tablets: { storage: { size: 1Gi } } }
    - { name: ${pair[1]}, tablets: { storage: { size: 1Gi } } }
`);
    // WHEN it is compiled THEN the second keyspace's name is the error, naming both sets of tablets
    const errors = await errorsOf(spec);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0]!, new RegExp(`^clusters/vt\\.yaml:9:9 schema-value .*the ${pair[1]}/0 replica tablets would get the same tablet UIDs .* as the ${pair[0]}/0 replica tablets`));
  });
});

describe("VitessCluster: least privilege", () => {
  it("every container runs as its image's non-root user on a read-only root filesystem, the pods at restricted", async () => {
    const { all } = await renderVitess({ "clusters/commerce.yaml": COMMERCE_WITH_SCHEMA });
    const pods = all.filter((o) => o.spec?.template?.spec);
    assert.ok(pods.length >= 7);
    for (const o of pods) {
      for (const c of containersOf(o) as any[]) {
        assert.equal(c.securityContext?.runAsNonRoot, true, `${o.metadata.name}/${c.name}`);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${o.metadata.name}/${c.name}`);
        assert.equal(c.securityContext?.runAsUser, c.name === "etcd" ? 65532 : 999, `${o.metadata.name}/${c.name}`);
      }
    }
    const { diagnostics } = await compileProject({ "clusters/commerce.yaml": COMMERCE_WITH_SCHEMA });
    assert.deepEqual(diagnostics.filter((d) => d.ruleId === "pod-security"), [], "no pod below restricted");
  });

  it("MySQL on the tablets admits only tablets; vtctld's gRPC only the Jobs that call it; vtgate's MySQL port its clients", async () => {
    const { find } = await renderVitess();
    const admitted = (name: string, port: string) => {
      const rule = find("NetworkPolicy", name).spec.ingress.find((r: any) => r.ports[0].port === port);
      assert.ok(rule, `${name} admits ${port}`);
      return rule.from?.map((p: any) => p.podSelector?.matchLabels?.["app.kubernetes.io/component"] ?? p) ?? "every source";
    };
    assert.deepEqual(admitted("commerce-vttablet", "mysql"), ["vttablet"]);
    assert.deepEqual(admitted("commerce-vtctld", "grpc"), ["primary-election", "schema"]);
    assert.deepEqual(admitted("commerce-etcd", "peer"), ["etcd"]);
    assert.deepEqual(admitted("commerce-vtgate", "mysql"), [{ namespaceSelector: {} }], "ClusterIP: any pod of the cluster");
  });
});

describe("VitessCluster: resources", () => {
  it("every container, init containers and Jobs included, has requests and limits; a policy's VitessCluster defaults apply", async () => {
    const policy = `apiVersion: clusterc/v1
kind: Policy
metadata: { name: sizes }
spec:
  defaults:
    VitessCluster:
      mysqld: { requests: { cpu: "2", memory: 8Gi }, limits: { cpu: "4", memory: 16Gi } }
`;
    const { all, find } = await renderVitess({ "clusters/commerce.yaml": COMMERCE, "policies/sizes.yaml": policy });
    const containers = all.flatMap((o) => containersOf(o));
    assert.ok(containers.length >= 10);
    for (const c of containers) {
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.cpu && c.resources?.limits?.memory, c.name);
    }
    assert.deepEqual(containerOf(find("StatefulSet", "commerce-commerce-0-rdonly"), "mysqld").resources, { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "4", memory: "16Gi" } });
  });
});
