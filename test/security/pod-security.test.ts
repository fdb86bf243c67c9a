import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import type { V1PodSpec } from "@kubernetes/client-node";
import fg from "fast-glob";
import type { ClusterBuild, ContainerNeeds } from "../../compiler/engines/types.js";
import { clusterPolicy, type Policy } from "../../compiler/fleet/policy.js";
import { podSecurityFindings } from "../../compiler/rules/pod-security.js";
import { podSecurityLevel, podSecurityViolations } from "../../compiler/rules/pod-security-standards.js";
import { hardenPod, OWNERSHIP_CONTAINER } from "../../compiler/rules/security-context.js";
import { policyDocument } from "../../compiler/schema/policy.js";
import { MINIMAL_TIDB_SPEC, REPO_ROOT, THREE_NODE_POOL, compileProject, tidbSpec, type RenderedObject, reported } from "../helpers.js";
import { parse } from "yaml";
import { ADB, pool } from "../engines/adb.js";
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { promisify } from "node:util";

/** A temp directory, stub binaries first on the PATH, and a way to run a script under sh there. */
async function scriptHarness(stubs: Record<string, string>) {
  const root = await mkdtemp(path.join(tmpdir(), "clusterc-script-"));
  const bin = path.join(root, "bin");
  const dir = path.join(root, "data");
  await mkdir(bin);
  await mkdir(dir);
  for (const [name, body] of Object.entries(stubs)) {
    await writeFile(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(bin, name), 0o755);
  }
  const log = path.join(root, "log");
  const run = (script: string) => promisify(execFile)("sh", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin`, LOG: log } });
  return { dir, log, run };
}

/** Every TiDB shape the engine renders: both TiDB workloads, hostPath and class storage, both secret sources. */
const VARIANTS: Record<string, string> = {
  "clusters/pool.yaml": THREE_NODE_POOL,
  "clusters/a.yaml": tidbSpec("alpha", MINIMAL_TIDB_SPEC.replace(/storage: \{ size: (\w+) \}/g, "storage: { size: $1, hostPath: { pool: dc1 } }")),
  "clusters/b.yaml": tidbSpec("beta", `  version: v7.5.1
  pd: { replicas: 1, storage: { size: 10Gi, storageClassName: standard } }
  tikv: { replicas: 1, storage: { size: 10Gi, storageClassName: standard } }
  tidb: { replicas: 1, workload: StatefulSet, service: { type: LoadBalancer } }
  rootPassword: { externalSecret: { store: vault, remoteKey: db/beta } }
`),
};

/** Every AntDB shape: SPEC's cluster on hostPath, and one without standbys on a StorageClass. */
const ANTDB_VARIANTS: Record<string, string> = {
  "clusters/pool.yaml": pool(4),
  "clusters/adb.yaml": ADB,
  "clusters/small.yaml": ADB.replace("name: adb,", "name: small,").replace("gtm: { standby: true }", "gtm: { standby: false }")
    .replace("replicas: 2, standby: true", "replicas: 1, standby: false").replace("hostPath: { pool: dc1 }", "storageClassName: standard"),
};

/** A policy for every cluster that turns the hostPath ownership step on, and Argo CD delivery. */
const GITOPS = "apiVersion: clusterc/v1\nkind: GitOps\nmetadata: { name: databases }\nspec: { repoURL: https://git.example.com/db.git, argocd: {} }\n";
const WITH_CHOWN: Record<string, string> = {
  "policies/chown.yaml": "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: chown }\nspec: { rules: { hostPathChown: true } }\n",
  "clusters/gitops.yaml": GITOPS,
};
/** The hostPath directories are the database user's already (chowned by hand): no ownership step. */
const OWNED = "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: owned }\nspec: { rules: { hostPathChown: false } }\n";

function pods(objects: Iterable<RenderedObject>): RenderedObject[] {
  return [...objects].filter((o) => o.spec?.template?.spec);
}

async function committedPods(): Promise<RenderedObject[]> {
  const files = await fg("rendered/**/*.yaml", { cwd: REPO_ROOT });
  const objects = await Promise.all(files.map(async (f) => parse(await readFile(path.join(REPO_ROOT, f), "utf8")) as RenderedObject));
  return pods(objects);
}

describe("Pod Security Standards of what clusterc renders", () => {
  it("every pod of every TiDB shape meets restricted, and so baseline, once hostPath directories are the database user's", async () => {
    // GIVEN a fresh render of each TiDB shape, with a policy that says the hostPath directories are chowned already
    const { objects, diagnostics } = await compileProject({ ...VARIANTS, "policies/owned.yaml": OWNED });
    assert.deepEqual(diagnostics, []);
    const all = pods(objects.values());
    assert.ok(all.length >= 6);
    // WHEN each pod is checked against the standards' fields
    for (const object of all) {
      // THEN none breaks a control of either level
      assert.deepEqual(podSecurityViolations(object.spec.template), { baseline: [], restricted: [] }, `${object.kind} ${object.metadata.name}`);
    }
  });

  it("every pod of every AntDB shape meets restricted once hostPath directories are antdb's; by default only the hostPath pods fall to baseline", async () => {
    // GIVEN each AntDB shape, with hostPath directories chowned by hand
    const owned = await compileProject({ ...ANTDB_VARIANTS, "policies/owned.yaml": OWNED });
    assert.deepEqual(owned.diagnostics, []);
    const all = pods(owned.objects.values());
    assert.equal(all.length, 6 + 1 + 4 + 1, "adb's six StatefulSets and Job, small's four and Job");
    // THEN no pod breaks a control of either level
    for (const object of all) assert.deepEqual(podSecurityViolations(object.spec.template), { baseline: [], restricted: [] }, `${object.kind} ${object.metadata.name}`);
    // GIVEN no policy on hostPath ownership WHEN rendered
    const { objects, diagnostics } = await compileProject(ANTDB_VARIANTS);
    // THEN adb's six StatefulSets get the ownership step and meet baseline; its Job and every pod on claimed volumes stay restricted
    const below = pods(objects.values()).filter((o) => podSecurityViolations(o.spec.template).restricted.length > 0).map((o) => o.metadata.name).sort();
    assert.deepEqual(below, ["adb-cn", "adb-dn", "adb-ds", "adb-gc", "adb-gcs", "adb-mgr"]);
    for (const object of pods(objects.values())) {
      const violations = podSecurityViolations(object.spec.template);
      assert.deepEqual(violations.baseline, [], object.metadata.name);
      assert.deepEqual(violations.restricted.filter((v) => !v.startsWith(`container ${OWNERSHIP_CONTAINER}:`)), [], object.metadata.name);
    }
    assert.deepEqual(diagnostics.map((d) => [d.file, d.severity, d.ruleId]), below.map(() => ["clusters/adb.yaml", "note", "pod-security"]));
  });

  it("runs AntDB's containers as the image's antdb user, 1000:1000, with /tmp for sockets and here-documents", async () => {
    const { objects } = await compileProject(ANTDB_VARIANTS);
    for (const object of pods(objects.values())) {
      const pod: V1PodSpec = object.spec.template.spec;
      for (const container of pod.containers) {
        const where = `${object.metadata.name}/${container.name}`;
        assert.deepEqual([container.securityContext!.runAsUser, container.securityContext!.runAsGroup], [1000, 1000], where);
        assert.deepEqual(container.securityContext!.capabilities, { drop: ["ALL"] }, where);
        const tmp = container.volumeMounts!.find((m) => m.mountPath === "/tmp");
        assert.ok(tmp && pod.volumes!.find((v) => v.name === tmp.name)?.emptyDir, `${where}: PostgreSQL's Unix socket directory and bash's here-documents`);
      }
      assert.equal(pod.securityContext!.fsGroup, 1000, object.metadata.name);
      assert.equal(pod.automountServiceAccountToken, false, object.metadata.name);
    }
  });

  it("every committed pod meets baseline, and restricted but for the hostPath ownership step", async () => {
    for (const object of await committedPods()) {
      const violations = podSecurityViolations(object.spec.template);
      assert.deepEqual(violations.baseline, [], `${object.kind} ${object.metadata.name}`);
      assert.deepEqual(violations.restricted.filter((v) => !v.startsWith(`container ${OWNERSHIP_CONTAINER}:`)), [], `${object.kind} ${object.metadata.name}`);
    }
  });

  it("by default, adds the ownership step to exactly the hostPath pods, which meet baseline, and lint says so", async () => {
    // GIVEN no policy that says anything of hostPath ownership, and an Argo CD GitOps document
    const { objects, diagnostics } = await compileProject({ ...VARIANTS, "clusters/gitops.yaml": GITOPS });
    const all = pods(objects.values());
    // THEN only the pods on hostPath volumes get it
    const withStep = all.filter((o) => (o.spec.template.spec.initContainers ?? []).length > 0).map((o) => o.metadata.name).sort();
    assert.deepEqual(withStep, ["alpha-pd", "alpha-tikv"]);
    // AND they meet baseline, breaking restricted only in that init container
    for (const object of all) {
      const violations = podSecurityViolations(object.spec.template);
      assert.deepEqual(violations.baseline, []);
      assert.deepEqual(violations.restricted.filter((v) => !v.startsWith(`container ${OWNERSHIP_CONTAINER}:`)), []);
      assert.equal(violations.restricted.length > 0, withStep.includes(object.metadata.name), object.metadata.name);
    }
    // AND lint (not render, nor check) says which pods are below restricted and why, at their components' lines
    assert.deepEqual(diagnostics.map((d) => [d.file, d.line, d.severity, d.ruleId]), [["clusters/a.yaml", 6, "note", "pod-security"], ["clusters/a.yaml", 7, "note", "pod-security"]]);
    for (const d of diagnostics) assert.match(d.message, /meets Pod Security Standards "baseline", not "restricted": container own-data: hostPath volumes ignore fsGroup/);
    // AND the namespace Argo CD creates enforces what its pods meet
    const enforced = (name: string) => objects.get(`argocd/application-${name}.yaml`)!.spec.syncPolicy.managedNamespaceMetadata.labels["pod-security.kubernetes.io/enforce"];
    assert.deepEqual([enforced("alpha"), enforced("beta")], ["baseline", "restricted"]);
  });

  it("fails the ownership step where restricted is required, unless an exception accepts it for the migration", async () => {
    // GIVEN restricted required fleet-wide, and the ownership step for a cluster whose hostPath data root wrote
    const strict = "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: strict }\nspec: { rules: { podSecurity: restricted } }\n";
    const failing = await compileProject({ ...VARIANTS, ...WITH_CHOWN, "policies/strict.yaml": strict });
    // THEN its two hostPath pods are errors that name the policy
    assert.deepEqual(failing.diagnostics.map((d) => [d.file, d.severity, d.ruleId]), [["clusters/a.yaml", "error", "pod-security"], ["clusters/a.yaml", "error", "pod-security"]]);
    assert.match(failing.diagnostics[0]!.message, /below "restricted" required by policy strict \(policies\/strict\.yaml\)/);
    // WHEN an exception accepts them until the data is chowned THEN they are notes that say who accepted them
    const excepted = strict.replace("spec: {", "spec: { exceptions: [{ rule: pod-security, cluster: alpha, reason: \"hostPath data still owned by root\", expires: 2099-01-31 }],");
    const accepted = await compileProject({ ...VARIANTS, ...WITH_CHOWN, "policies/strict.yaml": excepted });
    assert.deepEqual(accepted.diagnostics.map((d) => d.severity), ["note", "note"]);
    assert.match(accepted.diagnostics[0]!.message, /suppressed by policy strict until 2099-01-31: hostPath data still owned by root/);
  });

  it("gives a hostPath data directory to the database's user only when its owner is wrong (the script run under sh)", async () => {
    const { objects } = await compileProject({ ...VARIANTS, ...WITH_CHOWN });
    const pd = [...objects.values()].find((o) => o.kind === "StatefulSet" && o.metadata.name === "alpha-pd")!;
    const step = pd.spec.template.spec.initContainers[0];
    const main = pd.spec.template.spec.containers[0];
    assert.deepEqual(step.volumeMounts, [{ name: "data", mountPath: "/var/lib/pd" }]);
    assert.equal(step.image, main.image, "no other image to pull");
    assert.deepEqual([step.securityContext.runAsUser, step.securityContext.capabilities], [0, { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE"] }]);
    const owner = `${main.securityContext.runAsUser}:${main.securityContext.runAsGroup}`;
    const { dir: scratch, run: check } = await scriptHarness({});
    await writeFile(path.join(scratch, "own-data.sh"), step.command[2]);
    await check(`shellcheck -s sh ${path.join(scratch, "own-data.sh")}`);
    for (const [found, chowned] of [["0:0", true], [owner, false]] as const) {
      // GIVEN stub stat and chown on the PATH and the directory owned by `found`
      const { dir, log, run } = await scriptHarness({ stat: `echo ${found}`, chown: 'echo "$@" >> "$LOG"' });
      // WHEN the container's script runs on it
      await run(step.command[2].replaceAll("/var/lib/pd", dir));
      // THEN chown ran recursively to the user and group of the database container, or not at all
      assert.equal(await readFile(log, "utf8").catch(() => ""), chowned ? `-R ${owner} ${dir}\n` : "", `owner ${found}`);
    }
  });

  it("runs every container as an explicit non-root user on a read-only root, its data writable through fsGroup, without a token", async () => {
    const { objects } = await compileProject(VARIANTS);
    for (const object of pods(objects.values())) {
      const pod: V1PodSpec = object.spec.template.spec;
      const where = `${object.kind} ${object.metadata.name}`;
      assert.equal(pod.automountServiceAccountToken, false, `${where}: no container calls the Kubernetes API`);
      const claims: string[] = (object.spec.volumeClaimTemplates ?? []).map((c: { metadata: { name: string } }) => c.metadata.name);
      for (const container of pod.containers) {
        const context = container.securityContext!;
        assert.ok(context.runAsUser! > 0 && context.runAsGroup! > 0, `${where}/${container.name} names its user and group`);
        assert.equal(context.readOnlyRootFilesystem, true, `${where}/${container.name}`);
        // A claimed volume is group-owned by fsGroup: the container's group can write it.
        if ((container.volumeMounts ?? []).some((m) => claims.includes(m.name))) assert.equal(pod.securityContext!.fsGroup, context.runAsGroup, where);
        // Each path the process writes outside its volumes is an emptyDir: the working directory too.
        for (const mount of container.volumeMounts ?? []) {
          const volume = pod.volumes?.find((v) => v.name === mount.name);
          assert.ok(claims.includes(mount.name) || volume?.emptyDir || (volume?.configMap && mount.readOnly),
            `${where}/${container.name}: ${mount.mountPath} is a claim, an emptyDir, or a ConfigMap mounted read-only`);
        }
        if (container.workingDir) assert.ok(container.volumeMounts!.some((m) => m.mountPath === container.workingDir), `${where}: the working directory is writable`);
      }
    }
  });

  it("writes TiDB's slow log and temp files to emptyDirs, and the init Job's here-document to /tmp", async () => {
    const { objects } = await compileProject(VARIANTS);
    const mountsOf = (name: string) => {
      const object = [...objects.values()].find((o) => o.metadata?.name === name && o.spec?.template)!;
      return object.spec.template.spec.containers[0];
    };
    const tidb = mountsOf("alpha-tidb");
    assert.equal(tidb.workingDir, "/var/log/tidb", "slow-query-file tidb-slow.log is relative to the working directory");
    const tidbMounts = tidb.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    for (const path of ["/tmp", "/var/log/tidb"]) assert.ok(tidbMounts.includes(path), path);
    const init = mountsOf("alpha-tidb-init");
    assert.match(init.command.join("\n"), /<<SQL/, "the init script uses a here-document");
    assert.deepEqual(init.volumeMounts.map((m: { mountPath: string }) => m.mountPath), ["/tmp"]);
    assert.deepEqual([init.securityContext.runAsUser, init.securityContext.runAsGroup], [999, 999], "the mysql image's own user");
  });
});

function mysqlSpec(name: string, spec: string): string {
  return `apiVersion: clusterc/v1\nkind: MySQLCluster\nmetadata: { name: ${name} }\nspec:\n${spec}`;
}

/** Every MySQL shape the engine renders: hostPath and class storage, 8.0 and 8.4, both secret sources. */
const MYSQL_VARIANTS: Record<string, string> = {
  "clusters/pool.yaml": THREE_NODE_POOL,
  "clusters/m.yaml": mysqlSpec("mhost", `  version: "8.0.36"
  replicas: 3
  storage: { size: 10Gi, hostPath: { pool: dc1 } }
  rootPassword: { secretRef: { name: mhost-mysql, key: root-password } }
`),
  "clusters/n.yaml": mysqlSpec("mclass", `  version: "8.4.3"
  replicas: 2
  storage: { size: 10Gi, storageClassName: standard }
  rootPassword: { externalSecret: { store: vault, remoteKey: db/root } }
  replicationPassword: { externalSecret: { store: vault, remoteKey: db/repl } }
`),
};

type Mount = { name: string; mountPath: string; subPath?: string; readOnly?: boolean };
type Container = { name: string; image: string; command: string[]; securityContext: Record<string, unknown> & { capabilities: unknown }; volumeMounts: Mount[] };
const allContainers = (object: RenderedObject): Container[] => [...object.spec.template.spec.initContainers ?? [], ...object.spec.template.spec.containers];

describe("Pod Security Standards of MySQLCluster pods", () => {
  it("every pod of every MySQL shape meets restricted once hostPath directories are the mysql user's", async () => {
    const { objects, diagnostics } = await compileProject({ ...MYSQL_VARIANTS, "policies/owned.yaml": OWNED });
    assert.deepEqual(diagnostics, []);
    const all = pods(objects.values());
    assert.deepEqual(all.map((o) => o.metadata.name).sort(), ["mclass-mysql", "mhost-mysql"]);
    for (const object of all) assert.deepEqual(podSecurityViolations(object.spec.template), { baseline: [], restricted: [] }, object.metadata.name);
  });

  it("runs every container, init containers included, as the mysql user on a read-only root, writing only volumes", async () => {
    const { objects } = await compileProject({ ...MYSQL_VARIANTS, "policies/owned.yaml": OWNED });
    for (const object of pods(objects.values())) {
      const pod: V1PodSpec = object.spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, false, "no container calls the Kubernetes API");
      assert.deepEqual([pod.securityContext!.runAsNonRoot, pod.securityContext!.fsGroup], [true, 999], "the claimed volume is the mysql group's");
      const names = (pod.volumes ?? []).map((v) => v.name);
      assert.equal(new Set(names).size, names.length, `${object.metadata.name}: volume names are unique`);
      for (const container of allContainers(object)) {
        const where = `${object.metadata.name}/${container.name}`;
        assert.deepEqual(container.securityContext, {
          allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsGroup: 999, runAsNonRoot: true, runAsUser: 999,
        }, where);
        for (const mount of container.volumeMounts) {
          const volume = pod.volumes?.find((v) => v.name === mount.name);
          assert.ok(mount.name === "data" || volume?.emptyDir || (volume?.configMap && mount.readOnly), `${where}: ${mount.mountPath} is the claim, an emptyDir, or a ConfigMap mounted read-only`);
        }
      }
    }
  });

  it("gives mysqld, the sidecar and the clone emptyDirs for what they write outside the data directory", async () => {
    const { objects } = await compileProject({ ...MYSQL_VARIANTS, "policies/owned.yaml": OWNED });
    const set = pods(objects.values()).find((o) => o.metadata.name === "mclass-mysql")!;
    const mounts = (name: string) => allContainers(set).find((c) => c.name === name)!.volumeMounts.map((m) => m.mountPath);
    // mysqld: sockets and pid file, tmpdir and the entrypoint's here-documents, secure-file-priv
    for (const path of ["/tmp", "/var/run/mysqld", "/var/lib/mysql-files", "/etc/mysql/conf.d"]) assert.ok(mounts("mysql").includes(path), `mysql: ${path}`);
    // the sidecar's SQL goes to mysql in here-documents, which its bash writes to /tmp; xtrabackup's target directory is a volume of its own
    const sidecar = allContainers(set).find((c) => c.name === "xtrabackup")!;
    assert.match(sidecar.command.join("\n"), /<<SQL/);
    for (const path of ["/tmp", "/tmp/xtrabackup", "/run/clusterc"]) assert.ok(mounts("xtrabackup").includes(path), `xtrabackup: ${path}`);
    assert.ok(mounts("clone-mysql").includes("/tmp"));
    // init-config writes its emptyDir, and the data directory on the volume's root
    assert.deepEqual(mounts("init-config").sort(), ["/mnt/conf.d", "/mnt/config-map", "/mnt/data"]);
  });

  it("by default, chowns the hostPath data as the first init container, so the pod meets baseline, and lint says so", async () => {
    // GIVEN no hostPathChown setting, and Argo CD delivery
    const { objects, diagnostics } = await compileProject({ ...MYSQL_VARIANTS, "clusters/gitops.yaml": GITOPS });
    const [host, klass] = ["mhost-mysql", "mclass-mysql"].map((name) => pods(objects.values()).find((o) => o.metadata.name === name)!);
    // THEN the hostPath pod's first init container gives the volume to 999:999 before init-config and the clone use it
    assert.deepEqual(allContainers(host!).slice(0, 3).map((c) => c.name), [OWNERSHIP_CONTAINER, "init-config", "clone-mysql"]);
    const step = allContainers(host!)[0]!;
    assert.equal(step.image, "mysql:8.0.36");
    assert.deepEqual(step.volumeMounts, [{ name: "data", mountPath: "/var/lib/mysql" }], "the volume's root: the data directory is under it");
    assert.match(step.command[2]!, /chown -R 999:999 "\$dir"/);
    // AND only that container keeps the pod from restricted; the class-storage pod has no such step
    const violations = podSecurityViolations(host!.spec.template);
    assert.deepEqual(violations.baseline, []);
    assert.ok(violations.restricted.length > 0 && violations.restricted.every((v) => v.startsWith(`container ${OWNERSHIP_CONTAINER}:`)), violations.restricted.join("; "));
    assert.ok(!allContainers(klass!).some((c) => c.name === OWNERSHIP_CONTAINER));
    assert.deepEqual(podSecurityViolations(klass!.spec.template), { baseline: [], restricted: [] });
    // AND lint notes the hostPath pod, and each namespace enforces what its pods meet
    assert.deepEqual(diagnostics.map((d) => [d.file, d.severity, d.ruleId]), [["clusters/m.yaml", "note", "pod-security"]]);
    assert.match(diagnostics[0]!.message, /StatefulSet mhost-mysql meets Pod Security Standards "baseline", not "restricted": container own-data/);
    const enforced = (name: string) => objects.get(`argocd/application-${name}.yaml`)!.spec.syncPolicy.managedNamespaceMetadata.labels["pod-security.kubernetes.io/enforce"];
    assert.deepEqual([enforced("mhost"), enforced("mclass")], ["baseline", "restricted"]);
  });
});

describe("pod-security rule", () => {
  const origin = { file: "clusters/x.yaml", doc: 0, path: ["spec", "agent"] };
  const ROOT_AGENT: ContainerNeeds = { runAs: { uid: 0, gid: 0 }, scratch: [], capabilities: ["CHOWN"], belowRestricted: "it chowns data that an earlier release wrote as root" };

  function build(needs: ContainerNeeds, policies: Policy[] = []): ClusterBuild {
    const pod: V1PodSpec = { containers: [{ name: "agent", image: "example/agent:1.0" }] };
    hardenPod(pod, () => needs);
    return {
      cluster: {
        kind: "TiDBCluster", name: "x", namespace: "x", labels: {}, spec: {} as never, origin: { ...origin, path: [] }, outputDir: "x",
        policy: clusterPolicy("TiDBCluster", "x", {}, {}, origin, [], policies),
      },
      manifests: [{ object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x-agent" }, spec: { template: { spec: pod } } } as never, origin }],
      components: [],
      disruptionBudgets: [],
    };
  }
  const requiring = (level: string): Policy => ({ name: "strict", spec: policyDocument.parse({ apiVersion: "clusterc/v1", kind: "Policy", metadata: { name: "strict" }, spec: { rules: { podSecurity: level } } }).spec, origin: { file: "policies/strict.yaml", doc: 0, path: [] } });

  it("renders an image that must run as root at baseline, and lint says why it is below restricted", () => {
    // GIVEN a container whose engine declares it needs root and a capability, with the reason
    const b = build(ROOT_AGENT);
    // WHEN the declarations become its securityContext and the rule checks the pod
    const pod = (b.manifests[0]!.object as never as { spec: { template: { spec: V1PodSpec } } }).spec.template;
    const findings = podSecurityFindings(b, () => ROOT_AGENT);
    // THEN the pod meets baseline, not restricted, and a note for lint carries the reason at the component's line
    assert.equal(podSecurityLevel(pod), "baseline");
    assert.deepEqual(findings.map((f) => [f.severity, f.origin]), [["note", origin]]);
    assert.match(findings[0]!.message, /meets Pod Security Standards "baseline", not "restricted": container agent: it chowns data that an earlier release wrote as root/);
  });

  it("fails a baseline pod where a policy requires restricted, naming the policy", () => {
    const findings = podSecurityFindings(build(ROOT_AGENT, [requiring("restricted")]), () => ROOT_AGENT);
    assert.deepEqual(findings.map((f) => f.severity), ["error"]);
    assert.match(findings[0]!.message, /below "restricted" required by policy strict \(policies\/strict\.yaml\)/);
  });

  it("refuses, as an engine bug, a pod volume that has the name of a container's scratch volume", () => {
    const pod: V1PodSpec = { containers: [{ name: "agent", image: "example/agent:1.0" }], volumes: [{ name: "agent-tmp", emptyDir: {} }] };
    assert.throws(() => hardenPod(pod, () => ({ runAs: { uid: 1000, gid: 1000 }, scratch: ["/tmp"] })), /engine bug: the pod already has a volume named agent-tmp/);
  });

  it("fails a pod that does not meet the level its engine declared", () => {
    // GIVEN declarations that promise restricted, but a pod that was edited after the transformer
    const needs: ContainerNeeds = { runAs: { uid: 1000, gid: 1000 }, scratch: [] };
    const b = build(needs);
    (b.manifests[0]!.object as never as { spec: { template: { spec: V1PodSpec } } }).spec.template.spec.containers[0]!.securityContext!.allowPrivilegeEscalation = true;
    // WHEN checked THEN the error names the control
    const findings = podSecurityFindings(b, () => needs);
    assert.deepEqual(findings.map((f) => f.severity), ["error"]);
    assert.match(findings[0]!.message, /does not meet Pod Security Standards "restricted": container agent: allowPrivilegeEscalation is not false/);
  });

  it("takes the last policy's rules.podSecurity, and every TiDB pod passes restricted", async () => {
    // GIVEN two policies that set the level, in file-name order
    const policy = (name: string, level: string) => `apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: ${name} }\nspec: { rules: { podSecurity: ${level} } }\n`;
    const { diagnostics, fleet } = await compileProject({
      "clusters/x.yaml": tidbSpec("x", MINIMAL_TIDB_SPEC),
      "policies/00-loose.yaml": policy("loose", "baseline"),
      "policies/10-strict.yaml": policy("strict", "restricted"),
    });
    // THEN the later one wins, and nothing is found
    assert.deepEqual(fleet!.clusters[0]!.policy.podSecurity?.value, "restricted");
    assert.deepEqual(reported(diagnostics), []);
  });
});
