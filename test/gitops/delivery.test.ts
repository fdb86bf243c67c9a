import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { compile } from "../../compiler/compile.js";
import { deliveryFolders } from "../../compiler/gitops/delivery.js";
import { deliveredCluster } from "../../compiler/gitops/metadata.js";
import type { Fleet } from "../../compiler/fleet/fleet.js";
import { validateManifests } from "../../compiler/validate/validate.js";
import { compileProject, tempProject, type RenderedObject, reported } from "../helpers.js";
import { gitOpsDoc, REPO_URL, TIDB_STAGES, TWO_CLUSTERS } from "./fixtures.js";

/** The fleet's clusters as the delivery objects see them, each in the stages a TiDB cluster renders. */
const delivered = (fleet: Fleet) => fleet.clusters.map((cluster) => deliveredCluster(cluster, TIDB_STAGES, "restricted"));

const BOTH_TOOLS = gitOpsDoc("databases", `  repoURL: ${REPO_URL}
  revision: release
  argocd: { namespace: gitops, project: databases }
  flux: { namespace: flux, sourceRef: { kind: OCIRepository, name: fleet }, interval: 5m }
`);

const LABELS = (instance: string) => ({
  "app.kubernetes.io/name": "tidb",
  "app.kubernetes.io/instance": instance,
  "app.kubernetes.io/component": "gitops",
  "app.kubernetes.io/managed-by": "clusterc",
});

function filesUnder(objects: ReadonlyMap<string, unknown>, dir: string): string[] {
  return [...objects.keys()].filter((f) => f.startsWith(`${dir}/`)).sort();
}

/**
 * What Argo CD's ApplicationSet controller makes of each git generator: the template with the
 * generator's directory and values filled in, in the ApplicationSet's namespace. A placeholder the
 * generator does not provide fails the test, as missingkey=error fails the ApplicationSet.
 */
function generateApplications(appSet: RenderedObject): RenderedObject[] {
  return appSet.spec.generators.map(({ git }: { git: { directories: { path: string }[]; values: Record<string, string> } }) => {
    assert.equal(git.directories.length, 1);
    const dir = git.directories[0]!.path;
    const params: Record<string, string> = { ".path.basename": path.posix.basename(dir), ".path.path": dir };
    for (const [key, value] of Object.entries(git.values)) params[`.values.${key}`] = value;
    const filled = JSON.stringify(appSet.spec.template).replace(/\{\{(\.[\w.]+)\}\}/g, (_, key: string) => {
      assert.ok(key in params, `template uses ${key}, which the generator for ${dir} does not provide`);
      return params[key]!;
    });
    const template = JSON.parse(filled) as Pick<RenderedObject, "metadata" | "spec">;
    return {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { ...template.metadata, namespace: appSet.metadata.namespace },
      spec: template.spec,
    };
  });
}

describe("GitOps delivery objects", () => {
  it("renders one Argo CD Application per cluster, pointing at the cluster's folder", async () => {
    // GIVEN two clusters in two spec folders and a GitOps document for Argo CD
    // WHEN the project compiles
    const { diagnostics, objects } = await compileProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": BOTH_TOOLS });
    // THEN rendered/argocd/ holds an Application per cluster and a kustomization.yaml listing them
    assert.deepEqual(reported(diagnostics), []);
    assert.deepEqual(filesUnder(objects, "argocd"), ["argocd/application-orders.yaml", "argocd/application-reports.yaml", "argocd/kustomization.yaml"]);
    assert.deepEqual(objects.get("argocd/kustomization.yaml")!.resources, ["application-orders.yaml", "application-reports.yaml"]);
    // AND each Application syncs the cluster's folder into its namespace, automated, with prune and self-heal,
    // and has the namespace enforce the Pod Security Standards level its pods are rendered at
    assert.deepEqual(objects.get("argocd/application-orders.yaml"), {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name: "orders", namespace: "gitops", labels: LABELS("orders"), finalizers: ["resources-finalizer.argocd.argoproj.io"] },
      spec: {
        project: "databases",
        source: { repoURL: REPO_URL, targetRevision: "release", path: "rendered/prod/orders" },
        destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ["CreateNamespace=true"],
          managedNamespaceMetadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
        },
      },
    });
    const reports = objects.get("argocd/application-reports.yaml")!;
    assert.equal(reports.spec.source.path, "rendered/staging/reports");
    assert.equal(reports.spec.destination.namespace, "reports");
    assert.deepEqual(reports.metadata.labels, LABELS("reports"));
  });

  it("renders one Flux Kustomization per start-up stage of each cluster, chained in stage order", async () => {
    // GIVEN the same project
    // WHEN it compiles
    const { objects } = await compileProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": BOTH_TOOLS });
    // THEN rendered/flux/ holds a Kustomization per stage and a kustomization.yaml listing them, cluster by cluster in stage order
    const names = (cluster: string) => [...TIDB_STAGES.slice(0, -1).map((stage) => `${cluster}-${stage}`), cluster];
    const listed = [...names("orders"), ...names("reports")].map((name) => `kustomization-${name}.yaml`);
    assert.deepEqual(filesUnder(objects, "flux"), [...listed.map((f) => `flux/${f}`), "flux/kustomization.yaml"].sort());
    assert.deepEqual(objects.get("flux/kustomization.yaml")!.resources, listed);
    // AND the first stage depends on nothing, prunes, waits, and targets the cluster's namespace from the named source
    assert.deepEqual(objects.get("flux/kustomization-orders-pd.yaml"), {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "orders-pd", namespace: "flux", labels: LABELS("orders") },
      spec: {
        interval: "5m",
        path: "./rendered/prod/orders/0-pd",
        prune: true,
        sourceRef: { kind: "OCIRepository", name: "fleet" },
        targetNamespace: "shop",
        wait: true,
      },
    });
    // AND every later stage is the same but for its path and name, and depends on the stage before it;
    // the last stage, the one that is Ready when the whole cluster is, keeps the cluster's name
    for (const [cluster, dir] of [["orders", "prod/orders"], ["reports", "staging/reports"]] as const) {
      const chain = names(cluster).map((name) => objects.get(`flux/kustomization-${name}.yaml`)!);
      chain.forEach((kustomization, i) => {
        assert.equal(kustomization.spec.path, `./rendered/${dir}/${i}-${TIDB_STAGES[i]}`);
        assert.deepEqual(kustomization.spec.dependsOn, i === 0 ? undefined : [{ name: chain[i - 1]!.metadata.name }]);
        assert.equal(kustomization.spec.wait, true);
        assert.equal(kustomization.spec.prune, true);
        assert.equal(kustomization.spec.targetNamespace, cluster === "orders" ? "shop" : "reports");
      });
    }
  });

  it("an upgrade changes each component's workload inside its own stage, and no Flux Kustomization", async () => {
    // GIVEN the same project before and after a version upgrade
    const files: Record<string, string> = { ...TWO_CLUSTERS, "clusters/gitops.yaml": BOTH_TOOLS };
    const before = await compileProject(files);
    const after = await compileProject({ ...files, "clusters/prod/orders.yaml": files["clusters/prod/orders.yaml"]!.replace("v7.5.1", "v7.5.2") });
    // WHEN the rendered files are compared
    const changed = [...after.objects.keys()].filter((f) => JSON.stringify(after.objects.get(f)) !== JSON.stringify(before.objects.get(f))).sort();
    // THEN the PD, TiKV and TiDB workloads changed, each in the stage folder that one Kustomization of the chain applies
    for (const workload of ["prod/orders/0-pd/statefulset-orders-pd.yaml", "prod/orders/1-tikv/statefulset-orders-tikv.yaml", "prod/orders/2-tidb/deployment-orders-tidb.yaml"]) {
      assert.ok(changed.includes(workload), workload);
    }
    // AND nothing changed outside orders' stage folders
    assert.deepEqual(changed.filter((f) => !/^prod\/orders\/\d-[a-z-]+\//.test(f)), []);
    // AND rendered/flux/ is the same: the chain that orders the upgrade is the one already in the cluster
    assert.deepEqual(filesUnder(after.objects, "flux"), filesUnder(before.objects, "flux"));
    for (const file of filesUnder(after.objects, "flux")) assert.deepEqual(after.objects.get(file), before.objects.get(file), file);
  });

  it("fills in the documented defaults", async () => {
    // GIVEN a GitOps document that names only the repository and the tools
    const minimal = gitOpsDoc("databases", `  repoURL: ${REPO_URL}\n  argocd: {}\n  flux: {}\n`);
    // WHEN the project compiles
    const { objects } = await compileProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": minimal });
    // THEN Argo CD gets namespace argocd, project default, revision main; Flux gets flux-system, its bootstrap source, 10m
    const app = objects.get("argocd/application-orders.yaml")!;
    assert.equal(app.metadata.namespace, "argocd");
    assert.equal(app.spec.project, "default");
    assert.equal(app.spec.source.targetRevision, "main");
    const kustomization = objects.get("flux/kustomization-orders.yaml")!;
    assert.equal(kustomization.metadata.namespace, "flux-system");
    assert.deepEqual(kustomization.spec.sourceRef, { kind: "GitRepository", name: "flux-system" });
    assert.equal(kustomization.spec.interval, "10m");
  });

  it("renders only the tools the GitOps document names, and nothing without one", async () => {
    // GIVEN the same clusters with a Flux-only GitOps document, and with none
    const fluxOnly = await compileProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": gitOpsDoc("databases", "  flux: {}\n") });
    const none = await compileProject(TWO_CLUSTERS);
    // THEN the first has rendered/flux/ but no rendered/argocd/; the second neither
    assert.deepEqual(fluxOnly.diagnostics, []);
    assert.equal(filesUnder(fluxOnly.objects, "flux").length, 2 * TIDB_STAGES.length + 1);
    assert.deepEqual(filesUnder(fluxOnly.objects, "argocd"), []);
    assert.deepEqual(none.diagnostics, []);
    assert.ok(none.objects.size > 0);
    assert.deepEqual([...none.objects.keys()].filter((f) => f.startsWith("argocd/") || f.startsWith("flux/")), []);
  });

  it("in applicationset mode renders one ApplicationSet that generates exactly the Applications of applications mode", async () => {
    // GIVEN the same fleet, delivered once as Applications and once as an ApplicationSet
    const withMode = (mode: string) => gitOpsDoc("databases", `  repoURL: ${REPO_URL}\n  argocd: { mode: ${mode}, project: databases }\n`);
    const applications = await compileProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": withMode("applications") });
    const appSetMode = await compileProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": withMode("applicationset") });
    // THEN rendered/argocd/ holds the ApplicationSet, named after the GitOps document, and its kustomization.yaml
    assert.deepEqual(appSetMode.diagnostics, []);
    assert.deepEqual(filesUnder(appSetMode.objects, "argocd"), ["argocd/applicationset-databases.yaml", "argocd/kustomization.yaml"]);
    const appSet = appSetMode.objects.get("argocd/applicationset-databases.yaml")!;
    assert.equal(appSet.metadata.namespace, "argocd");
    assert.equal(appSet.spec.goTemplate, true);
    assert.deepEqual(appSet.spec.goTemplateOptions, ["missingkey=error"]);
    // AND its git generators name exactly the cluster folders, never rendered/argocd or rendered/flux
    const directories = appSet.spec.generators.flatMap((g: { git: { directories: { path: string }[] } }) => g.git.directories.map((d) => d.path));
    assert.deepEqual(directories, ["rendered/prod/orders", "rendered/staging/reports"]);
    for (const { git } of appSet.spec.generators) {
      assert.equal(git.repoURL, REPO_URL);
      assert.equal(git.revision, "main");
    }
    // AND filling its template as Argo CD does yields the Applications of applications mode, field for field
    const expected = [...applications.objects].filter(([f]) => f.startsWith("argocd/application-")).map(([, o]) => o);
    assert.deepEqual(generateApplications(appSet), expected);
  });

  it("every Argo CD and Flux object validates against its CRD schema", async () => {
    // GIVEN the fleet in both Argo CD modes, with Flux
    for (const mode of ["applications", "applicationset"]) {
      const project = await tempProject({
        ...TWO_CLUSTERS,
        "clusters/gitops.yaml": gitOpsDoc("databases", `  repoURL: ${REPO_URL}\n  argocd: { mode: ${mode} }\n  flux: {}\n`),
      });
      try {
        const { fleet, diagnostics } = await compile(project.root);
        assert.deepEqual(reported(diagnostics), []);
        // WHEN the delivery objects are validated with the Argo CD and Flux models
        const manifests = deliveryFolders(fleet!.gitops!, delivered(fleet!)).flatMap((f) => f.manifests);
        // THEN there are some, of every kind, and none fails
        assert.deepEqual([...new Set(manifests.map((m) => m.object.kind))].sort(),
          mode === "applications" ? ["Application", "Kustomization"] : ["ApplicationSet", "Kustomization"]);
        assert.deepEqual(await validateManifests(manifests), []);
      } finally {
        await project.cleanup();
      }
    }
  });

  it("reports a delivery object that breaks its CRD schema at the GitOps document", async () => {
    // GIVEN a fleet whose Flux Kustomization is broken after rendering (no interval)
    const project = await tempProject({ ...TWO_CLUSTERS, "clusters/gitops.yaml": gitOpsDoc("databases", "  flux: {}\n") });
    try {
      const { fleet } = await compile(project.root);
      const [folder] = deliveryFolders(fleet!.gitops!, delivered(fleet!));
      const broken = folder!.manifests.map((m) => ({ ...m, object: { ...m.object, spec: { ...(m.object as RenderedObject).spec, interval: undefined } } }));
      // WHEN it is validated
      const findings = await validateManifests(broken);
      // THEN each object (a Kustomization per stage of two clusters) fails with k8s-schema, pointing at spec.flux of the GitOps document
      assert.equal(findings.length, 2 * TIDB_STAGES.length);
      for (const finding of findings) {
        assert.equal(finding.ruleId, "k8s-schema");
        assert.deepEqual(finding.origin, { file: "clusters/gitops.yaml", doc: 0, path: ["spec", "flux"] });
      }
    } finally {
      await project.cleanup();
    }
  });
});
