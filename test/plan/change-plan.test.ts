import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { planChanges, type FileChange } from "../../compiler/change-plan.js";
import { compile, type CompileResult } from "../../compiler/compile.js";
import { renderExampleFleet, type RenderedObject } from "../helpers.js";

/**
 * The change planner on the example fleet as rendered: each case edits a spec (or, for what no spec
 * edit produces, such as a clusterc release that renders a field differently, a rendered object) and
 * plans the files that change against the committed ones, as `check` and `render` do.
 */
let project: Awaited<ReturnType<typeof renderExampleFleet>>;
let baseline: CompileResult;

before(async () => {
  project = await renderExampleFleet();
  baseline = await compile(project.root);
});
after(() => project.cleanup());

interface Located { ruleId: string; at: string; message: string }

function located(changes: readonly FileChange[], result: CompileResult): Located[] {
  return planChanges(changes, result.fleet!).map((f) => {
    const { line, col } = result.locate(f.origin);
    return { ruleId: f.ruleId, at: `${f.origin.file}:${line}:${col}`, message: f.message };
  });
}

/** Where `key` is on the first line of the spec that holds `anchor`: FILE:LINE:COL, as diagnostics print it. */
function specLine(file: string, text: string, anchor: string, key: string): string {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.includes(anchor));
  assert.notEqual(i, -1, `no line with ${anchor} in ${file}`);
  const col = lines[i]!.indexOf(key, lines[i]!.indexOf(anchor));
  assert.notEqual(col, -1, `no ${key} after ${anchor} in ${file}`);
  return `${file}:${i + 1}:${col + 1}`;
}

/** Writes the edited spec, compiles, plans what changed against the rendered tree, and puts the spec back. */
async function planSpecEdit(file: string, edit: (text: string) => string): Promise<{ findings: Located[]; text: string }> {
  const full = path.join(project.root, file);
  const original = await readFile(full, "utf8");
  const text = edit(original);
  assert.notEqual(text, original, "the edit changes the spec");
  await writeFile(full, text);
  try {
    const result = await compile(project.root);
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
    const files = new Set([...project.files.keys(), ...result.files.keys()]);
    const changes = [...files].filter((f) => project.files.get(f) !== result.files.get(f))
      .map((f): FileChange => ({ file: f, ...(project.files.has(f) && { before: project.files.get(f)! }), ...(result.files.has(f) && { after: result.files.get(f)! }) }));
    return { findings: located(changes, result), text };
  } finally {
    await writeFile(full, original);
  }
}

/** One rendered object of the baseline, edited: what a later clusterc that renders it differently would write. */
function objectEdit(file: string, edit: (object: RenderedObject) => void, movedTo = file): FileChange[] {
  const text = project.files.get(file);
  assert.ok(text, `no rendered/${file}`);
  const object = parse(text) as RenderedObject;
  edit(object);
  const edited = stringify(object);
  return movedTo === file ? [{ file, before: text, after: edited }] : [{ file, before: text }, { file: movedTo, after: edited }];
}

/** The uid of a tablet, from its StatefulSet as rendered: TABLET_UID_BASE plus the ordinal, in 10 digits as aliases print it. */
function tabletUid(statefulSet: string, ordinal: number): string {
  const file = [...project.files.keys()].find((f) => f.endsWith(`/statefulset-${statefulSet}.yaml`))!;
  const env: { name: string; value?: string }[] = (parse(project.files.get(file)!) as RenderedObject).spec.template.spec.containers[0].env;
  return String(Number(env.find((e) => e.name === "TABLET_UID_BASE")!.value) + ordinal).padStart(10, "0");
}

const ENDGAME = "clusters/prod/endgame.yaml";
const REPORTS = "clusters/staging/reports.yaml";
const ORDERS = "clusters/shop/orders.yaml";
const COMMERCE = "clusters/staging/commerce.yaml";
const ADB = "clusters/prod/adb.yaml";

describe("planChanges on spec edits of the example fleet", () => {
  const cases: {
    name: string; file: string; edit: (text: string) => string;
    expect: { ruleId: string; at: (text: string) => string; says: RegExp[] }[];
  }[] = [
    {
      name: "a larger hostPath volume: the claim template is immutable, and hostPath volumes cannot be resized",
      file: ENDGAME, edit: (t) => t.replace("size: 10Gi, hostPath", "size: 20Gi, hostPath"),
      expect: [{
        ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "pd:", "size"),
        says: [/StatefulSet endgame-pd: spec\.volumeClaimTemplates \(storage 10Gi -> 20Gi\)/, /kubectl -n endgame delete statefulset endgame-pd --cascade=orphan/, /hostPath volumes cannot be resized/],
      }],
    },
    {
      name: "a larger volume on a StorageClass: recreate the StatefulSet, then resize each claim where the class allows it",
      file: REPORTS, edit: (t) => t.replace("size: 50Gi", "size: 80Gi"),
      expect: [{
        ruleId: "immutable-field", at: (t) => specLine(REPORTS, t, "size: 80Gi", "size"),
        says: [/storage 50Gi -> 80Gi/, /--cascade=orphan/, /kubectl get storageclass standard -o jsonpath='\{\.allowVolumeExpansion\}'/,
          /for K in \$\(seq 0 2\); do kubectl -n reports patch pvc data-reports-tikv-\$K -p '\{"spec":\{"resources":\{"requests":\{"storage":"80Gi"\}\}\}\}'; done/],
      }],
    },
    {
      name: "a smaller volume: storage-shrink, never an in-place change",
      file: REPORTS, edit: (t) => t.replace("size: 50Gi", "size: 40Gi"),
      expect: [{ ruleId: "storage-shrink", at: (t) => specLine(REPORTS, t, "size: 40Gi", "size"), says: [/storage 50Gi -> 40Gi/, /keep storage\.size at 50Gi/] }],
    },
    {
      name: "TiKV scale-down: the stores leave through PD first",
      file: ENDGAME, edit: (t) => t.replace("tikv: { replicas: 3", "tikv: { replicas: 2"),
      expect: [{
        ruleId: "scale-down", at: (t) => specLine(ENDGAME, t, "tikv:", "replicas"),
        says: [/tikv: replicas 3 -> 2 stops the last member \(endgame-tikv-2\)/, /endgame-tikv-2\.endgame-tikv-peer\.endgame\.svc:20160/,
          /kubectl -n endgame exec endgame-pd-0 -- \/pd-ctl -u http:\/\/127\.0\.0\.1:2379 store delete ID/, /Tombstone/, /kubectl -n endgame delete pvc data-endgame-tikv-2/, /docs\/tidb-runbook\.md#scale-tikv-down/],
      }],
    },
    {
      name: "etcd scale-down: members leave etcd first",
      file: COMMERCE, edit: (t) => t.replace("  cells: [zone1]\n", "  cells: [zone1]\n  etcd: { replicas: 1, storage: { size: 1Gi } }\n"),
      expect: [{
        ruleId: "scale-down", at: (t) => specLine(COMMERCE, t, "etcd:", "replicas"),
        says: [/etcd: replicas 3 -> 1 stops the last 2 members \(commerce-etcd-2, commerce-etcd-1\)/, /kubectl -n vitess exec commerce-etcd-0 -- \/usr\/local\/bin\/etcdctl member remove ID/, /docs\/vitess-runbook\.md#scale-etcd/],
      }],
    },
    {
      name: "fewer replica tablets: the removed tablets' records go from the topology",
      file: COMMERCE, edit: (t) => t.replace("replica: 2", "replica: 1"),
      expect: [{
        ruleId: "scale-down", at: (t) => specLine(COMMERCE, t, "tablets:", "replica"),
        // read once the fleet is rendered
        get says() {
          const alias = `zone1-${tabletUid("commerce-commerce-0-replica", 1)}`;
          return [/vttablet-commerce-0-replica: replicas 2 -> 1/, new RegExp(`PlannedReparentShard commerce/0 --avoid-primary ${alias};`), new RegExp(`vtctldclient --server localhost:15999 DeleteTablets ${alias} `)];
        },
      }],
    },
    {
      name: "a MySQL replica set shrinks: no quorum to leave, but the retained claims",
      file: ORDERS, edit: (t) => t.replace("replicas: 3", "replicas: 2"),
      expect: [{ ruleId: "scale-down", at: (t) => specLine(ORDERS, t, "replicas:", "replicas"), says: [/kubectl -n shop delete pvc data-orders-mysql-2/, /docs\/mysql-runbook\.md#scale-down/] }],
    },
    {
      name: "fewer AntDB datanode pairs: their data cannot leave, so the pair stays",
      file: ADB, edit: (t) => t.replace("datanodes: { replicas: 2", "datanodes: { replicas: 1"),
      expect: [{ ruleId: "scale-down", at: (t) => specLine(ADB, t, "datanodes:", "replicas"), says: [/dn: replicas 2 -> 1 stops the last member \(adb-dn-1\)/, /keep spec\.datanodes\.replicas as it was/, /docs\/antdb-runbook\.md#datanodes-do-not-scale-down/] }],
    },
    {
      name: "a TiDB downgrade",
      file: ENDGAME, edit: (t) => t.replace("version: v7.5.1", "version: v7.1.0"),
      expect: [{ ruleId: "version-downgrade", at: (t) => specLine(ENDGAME, t, "version:", "version"), says: [/^version v7\.5\.1 -> v7\.1\.0 is a downgrade/, /set spec\.version back to v7\.5\.1/] }],
    },
    { name: "a TiDB upgrade", file: ENDGAME, edit: (t) => t.replace("version: v7.5.1", "version: v7.5.2"), expect: [] },
    {
      name: "a MySQL downgrade below 8.0.35",
      file: ORDERS, edit: (t) => t.replace('"8.0.36"', '"8.0.34"'),
      expect: [{ ruleId: "version-downgrade", at: (t) => specLine(ORDERS, t, "version:", "version"), says: [/version 8\.0\.36 -> 8\.0\.34/, /mysqldump/] }],
    },
    { name: "a MySQL downgrade that MySQL does in place (8.0.36 to 8.0.35)", file: ORDERS, edit: (t) => t.replace('"8.0.36"', '"8.0.35"'), expect: [] },
    { name: "a MySQL upgrade", file: ORDERS, edit: (t) => t.replace('"8.0.36"', '"8.0.40"'), expect: [] },
    {
      name: "a Vitess downgrade",
      file: COMMERCE, edit: (t) => t.replace("version: v19.0.4", "version: v19.0.3"),
      expect: [{ ruleId: "version-downgrade", at: (t) => specLine(COMMERCE, t, "version:", "version"), says: [/version v19\.0\.4 -> v19\.0\.3/, /docs\/vitess-runbook\.md#what-happens-on-upgrade/] }],
    },
    { name: "a Vitess upgrade", file: COMMERCE, edit: (t) => t.replace("version: v19.0.4", "version: v19.0.5"), expect: [] },
    { name: "more replicas", file: ENDGAME, edit: (t) => t.replace("tidb: { replicas: 2", "tidb: { replicas: 3"), expect: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      // GIVEN the fleet as rendered WHEN the spec is edited and the changed files are planned
      const { findings, text } = await planSpecEdit(c.file, c.edit);
      // THEN exactly the expected warnings, each at its spec line, with its procedure
      assert.deepEqual(findings.map((f) => [f.ruleId, f.at]), c.expect.map((e) => [e.ruleId, e.at(text)]), JSON.stringify(findings, null, 2));
      c.expect.forEach((e, i) => e.says.forEach((pattern) => assert.match(findings[i]!.message, pattern)));
    });
  }
});

describe("planChanges on rendered objects Kubernetes will not update in place", () => {
  const TIKV = "prod/endgame/1-tikv/statefulset-endgame-tikv.yaml";
  const TIKV_PV = "prod/endgame/1-tikv/persistentvolume-endgame-data-endgame-tikv-0.yaml";
  const INIT_JOB = "prod/endgame/4-post-sync/job-endgame-tidb-init.yaml";
  const endgame = async () => readFile(path.join(project.root, ENDGAME), "utf8");
  const cases: { name: string; changes: () => FileChange[]; expect: { ruleId: string; at: (text: string) => string; says: RegExp[] }[] }[] = [
    {
      name: "a StatefulSet's serviceName",
      changes: () => objectEdit(TIKV, (o) => { o.spec.serviceName = "endgame-tikv-headless"; }),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "tikv:", "tikv"), says: [/StatefulSet endgame-tikv: spec\.serviceName changes/, /kubectl -n endgame delete statefulset endgame-tikv --cascade=orphan/] }],
    },
    {
      name: "a StatefulSet's selector: the old pods are deleted one at a time",
      changes: () => objectEdit(TIKV, (o) => { o.spec.selector.matchLabels["app.kubernetes.io/part-of"] = "endgame"; }),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "tikv:", "tikv"), says: [/spec\.selector changes/, /kubectl -n endgame delete pod endgame-tikv-K/] }],
    },
    {
      name: "a StatefulSet's podManagementPolicy",
      changes: () => objectEdit(TIKV, (o) => { o.spec.podManagementPolicy = "OrderedReady"; }),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "tikv:", "tikv"), says: [/spec\.podManagementPolicy changes/] }],
    },
    {
      name: "a StatefulSet that moved to another stage folder is a change, not a removal and an addition",
      changes: () => objectEdit(TIKV, (o) => { o.spec.serviceName = "endgame-tikv-headless"; }, "prod/endgame/2-tikv/statefulset-endgame-tikv.yaml"),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "tikv:", "tikv"), says: [/spec\.serviceName changes/] }],
    },
    {
      name: "a Deployment's selector",
      changes: () => objectEdit("prod/endgame/2-tidb/deployment-endgame-tidb.yaml", (o) => { o.spec.selector.matchLabels["app.kubernetes.io/part-of"] = "endgame"; }),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "tidb:", "tidb"), says: [/Deployment endgame-tidb: spec\.selector changes/, /delete replicaset -l app\.kubernetes\.io\/component=tidb,/] }],
    },
    {
      name: "a Service's clusterIP (headless to assigned)",
      changes: () => objectEdit("prod/endgame/0-pd/service-endgame-pd-peer.yaml", (o) => { delete o.spec.clusterIP; }),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "pd:", "pd"), says: [/Service endgame-pd-peer: spec\.clusterIP \(None -> assigned\)/, /kubectl -n endgame delete service endgame-pd-peer/] }],
    },
    {
      name: "a hostPath volume on another directory",
      changes: () => objectEdit(TIKV_PV, (o) => { o.spec.hostPath.path = "/data/pv/disk9"; }),
      expect: [{ ruleId: "volume-move", at: (t) => specLine(ENDGAME, t, "tikv:", "hostPath"), says: [/moves from \/data\/pv\/disk\d on node ([\d.]+) to \/data\/pv\/disk9 on node \1:/, /rsync -a/, /kubectl -n endgame delete pvc data-endgame-tikv-0; kubectl delete pv endgame-data-endgame-tikv-0/] }],
    },
    {
      name: "a hostPath volume on another node",
      changes: () => objectEdit(TIKV_PV, (o) => { o.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values = ["172.17.4.107"]; }),
      expect: [{ ruleId: "volume-move", at: (t) => specLine(ENDGAME, t, "tikv:", "hostPath"), says: [/to \/data\/pv\/disk\d on node 172\.17\.4\.107:/] }],
    },
    {
      name: "a volume's source of another type",
      changes: () => objectEdit(TIKV_PV, (o) => { o.spec.local = { path: o.spec.hostPath.path }; delete o.spec.hostPath; }),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "tikv:", "storage"), says: [/PersistentVolume endgame-data-endgame-tikv-0: its volume source changes/] }],
    },
    {
      name: "a Job's template, when the Job is an Argo CD hook deleted before it is created again (every Job clusterc renders)",
      changes: () => objectEdit(INIT_JOB, (o) => { o.spec.template.spec.containers[0].image = "mysql:8.0.40"; }),
      expect: [],
    },
    {
      name: "a Job's template, when nothing deletes the Job first",
      changes: () => objectEdit(INIT_JOB, (o) => {
        delete o.metadata.annotations!["argocd.argoproj.io/hook-delete-policy"];
        o.spec.template.spec.containers[0].image = "mysql:8.0.40";
      }),
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "rootPassword:", "rootPassword"), says: [/Job endgame-tidb-init: spec\.template changes/, /kubectl -n endgame delete job endgame-tidb-init/] }],
    },
    {
      name: "a Job's template, when nothing deletes the Job first, and only its template changes",
      changes: () => {
        const unhooked = (cpu?: string) => objectEdit(INIT_JOB, (o) => {
          delete o.metadata.annotations!["argocd.argoproj.io/hook-delete-policy"];
          if (cpu) o.spec.template.spec.containers[0].resources.limits.cpu = cpu;
        })[0]!.after!;
        return [{ file: INIT_JOB, before: unhooked(), after: unhooked("3") }];
      },
      expect: [{ ruleId: "immutable-field", at: (t) => specLine(ENDGAME, t, "rootPassword:", "rootPassword"), says: [/Job endgame-tidb-init: spec\.template changes/] }],
    },
    {
      name: "a StatefulSet whose pod template changes in nothing the planner reads (a policy's resources)",
      changes: () => objectEdit(TIKV, (o) => { o.spec.template.spec.containers[0].resources.requests.cpu = "6"; }),
      expect: [],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      // GIVEN a rendered object WHEN it changes as shown THEN the planner warns at the spec line behind it, or not at all
      const findings = located(c.changes(), baseline);
      const text = await endgame();
      assert.deepEqual(findings.map((f) => [f.ruleId, f.at]), c.expect.map((e) => [e.ruleId, e.at(text)]), JSON.stringify(findings, null, 2));
      c.expect.forEach((e, i) => e.says.forEach((pattern) => assert.match(findings[i]!.message, pattern)));
    });
  }
});

describe("planChanges on a PersistentVolumeClaim", () => {
  // clusterc renders claims as StatefulSet templates only; a standalone claim is planned all the same.
  const file = "staging/reports/2-tikv/persistentvolumeclaim-reports-extra.yaml";
  const claim = (edit: (spec: RenderedObject["spec"]) => void = () => {}) => {
    const spec = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } }, storageClassName: "standard" };
    edit(spec);
    return stringify({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "reports-extra", namespace: "reports" }, spec });
  };
  for (const c of [
    { name: "a larger request is the one change Kubernetes takes", edit: (s: RenderedObject["spec"]) => { s.resources.requests.storage = "20Gi"; }, ruleId: undefined },
    { name: "a smaller request is a shrink", edit: (s: RenderedObject["spec"]) => { s.resources.requests.storage = "5Gi"; }, ruleId: "storage-shrink" },
    { name: "any other field is immutable", edit: (s: RenderedObject["spec"]) => { s.accessModes = ["ReadWriteMany"]; }, ruleId: "immutable-field" },
  ]) {
    it(c.name, async () => {
      // GIVEN a claim in a cluster's folder WHEN its spec changes
      const findings = located([{ file, before: claim(), after: claim(c.edit) }], baseline);
      // THEN the warning, if any, is at the cluster's name: no spec field made this object
      const text = await readFile(path.join(project.root, REPORTS), "utf8");
      assert.deepEqual(findings.map((f) => [f.ruleId, f.at]), c.ruleId ? [[c.ruleId, specLine(REPORTS, text, "metadata:", "name")]] : []);
    });
  }
});
