import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import type { Origin } from "../../compiler/diagnostics.js";
import { secretKey } from "../../compiler/engines/shared/secrets.js";
import type { Manifest } from "../../compiler/engines/types.js";
import { crdModel } from "../../compiler/validate/crd-model.js";
import { validateManifests } from "../../compiler/validate/validate.js";
import { REPO_ROOT, renderExampleFleet, type RenderedObject } from "../helpers.js";

/**
 * The one API version the operators' current releases serve for each CRD kind clusterc renders
 * (`served: true` in their CRDs), and the model (a models package, or the operator's published CRD schema) that holds its schema. README, "Operator
 * releases", cites the CRD files and the first release serving each.
 */
type Model = { apiVersion: string; kind: string; new (data: object): { validate(): void } };
const fromPackage = (models: string) => async (apiVersion: string, kind: string) => (await import(`${models}/${apiVersion}/${kind}`))[kind] as Model;
const SERVED: Record<string, { apiVersion: string; model: (apiVersion: string, kind: string) => Promise<Model> }> = {
  // External Secrets Operator: v1 only since 0.17.0; its published CRD schema (no models release for Node.js 20 has v1)
  ExternalSecret: { apiVersion: "external-secrets.io/v1", model: async () => crdModel(await import("../../compiler/validate/crds/external-secret-v1.js")) },
  // Argo CD: v1alpha1 is the only version ever served
  Application: { apiVersion: "argoproj.io/v1alpha1", model: fromPackage("@kubernetes-models/argo-cd") },
  ApplicationSet: { apiVersion: "argoproj.io/v1alpha1", model: fromPackage("@kubernetes-models/argo-cd") },
  // Flux kustomize-controller: v1 only since 1.8.0 (Flux 2.8)
  Kustomization: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", model: fromPackage("@kubernetes-models/flux-cd") },
};

/** The objects a cluster applies; a folder's kustomization.yaml is kustomize's build file, never applied. */
const applied = (files: ReadonlyMap<string, string>) =>
  [...files].filter(([file]) => path.posix.basename(file) !== "kustomization.yaml").map(([, text]) => parse(text) as RenderedObject);

describe("API versions of the CRD objects clusterc renders", () => {
  const rendered: RenderedObject[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    // GIVEN the example fleet (an ExternalSecret in staging/reports, Argo CD and Flux), rendered in both Argo CD modes
    for (const mode of ["applications", "applicationset"]) {
      const project = await renderExampleFleet((text) => text.replace("argocd: { namespace: argocd,", `argocd: { mode: ${mode}, namespace: argocd,`));
      cleanups.push(project.cleanup);
      rendered.push(...applied(project.files));
    }
  });
  after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

  it("every ExternalSecret, Application, ApplicationSet and Flux Kustomization has the version current releases serve, and its model validates exactly that version", async () => {
    const objects = rendered.filter((o) => o.kind in SERVED);
    // WHEN their apiVersions are read THEN every kind is there
    assert.deepEqual([...new Set(objects.map((o) => o.kind))].sort(), Object.keys(SERVED).sort());
    for (const object of objects) {
      const { apiVersion, model: modelOf } = SERVED[object.kind]!;
      const what = `${object.kind} ${object.metadata.name}`;
      // AND each is the served version
      assert.equal(object.apiVersion, apiVersion, what);
      // AND the model has a schema of that very version and kind, which the object passes
      const model = await modelOf(object.apiVersion, object.kind);
      assert.deepEqual([model.apiVersion, model.kind], [object.apiVersion, object.kind], what);
      assert.doesNotThrow(() => new model(object).validate(), what);
    }
  });

  it("the README's Operator releases table gives each kind the apiVersion it is rendered at", async () => {
    // GIVEN the README's table of the operator releases each object needs
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Operator releases"), readme.indexOf("\n## ", readme.indexOf("### Operator releases")));
    for (const kind of Object.keys(SERVED)) {
      // WHEN the kind's row is read THEN it names the version every rendered object of the kind has
      const row = section.split("\n").find((line) => line.startsWith(`| ${kind} `));
      const versions = new Set(rendered.filter((o) => o.kind === kind).map((o) => o.apiVersion));
      assert.equal(versions.size, 1, kind);
      assert.match(row ?? "", new RegExp(`^\\| ${kind} [^|]*\\| \`${[...versions][0]!.replaceAll(".", "\\.")}\` \\|`), kind);
    }
  });
});

describe("k8s-schema on an external-secrets.io/v1 ExternalSecret", () => {
  /** Where the spec asked for the secret: the finding points there. */
  const origin: Origin = { file: "clusters/prod/endgame.yaml", doc: 0, path: ["spec", "rootPassword"] };
  const ref = { cluster: { name: "endgame", namespace: "endgame" }, appName: "tidb", component: "tidb" };
  const [rendered] = secretKey(ref, "root-password", { externalSecret: { store: "vault", storeKind: "ClusterSecretStore", remoteKey: "db/endgame/root" } }, origin).manifests as [Manifest];
  type Spec = { secretStoreRef: object; data: { secretKey: string; remoteRef: object }[] };
  const spec = (rendered.object as unknown as { spec: Spec }).spec;
  const withSpec = (change: Partial<Spec>): Manifest => ({ ...rendered, object: { ...rendered.object, spec: { ...spec, ...change } } as Manifest["object"] });
  const remoteRef = (change: object) => withSpec({ data: [{ ...spec.data[0]!, remoteRef: { ...spec.data[0]!.remoteRef, ...change } }] });

  const cases: { name: string; manifest: Manifest; pointer?: string }[] = [
    { name: "as rendered", manifest: rendered },
    { name: "a store kind v1 does not know", manifest: withSpec({ secretStoreRef: { name: "vault", kind: "VaultStore" } }), pointer: "/spec/secretStoreRef/kind" },
    { name: "a remoteRef without its key", manifest: remoteRef({ key: undefined }), pointer: "/spec/data/0/remoteRef" },
    { name: "a conversion strategy v1 does not know", manifest: remoteRef({ conversionStrategy: "Latin1" }), pointer: "/spec/data/0/remoteRef/conversionStrategy" },
    { name: "a decoding strategy v1 does not know", manifest: remoteRef({ decodingStrategy: "Hex" }), pointer: "/spec/data/0/remoteRef/decodingStrategy" },
    { name: "a Secret key with a space", manifest: withSpec({ data: [{ ...spec.data[0]!, secretKey: "root password" }] }), pointer: "/spec/data/0/secretKey" },
  ];
  for (const { name, manifest, pointer } of cases) {
    it(pointer ? `reports ${name} at the spec field, naming ${pointer}` : "passes the ExternalSecret as rendered", async () => {
      // GIVEN the ExternalSecret a spec's externalSecret renders, as is or broken after rendering
      // WHEN it is validated
      const findings = await validateManifests([manifest]);
      // THEN as rendered it passes; broken, one k8s-schema error points at the spec field and names the JSON path
      if (!pointer) {
        assert.equal(manifest.object.apiVersion, "external-secrets.io/v1");
        return assert.deepEqual(findings, []);
      }
      assert.equal(findings.length, 1, JSON.stringify(findings));
      assert.equal(findings[0]!.ruleId, "k8s-schema");
      assert.equal(findings[0]!.severity, "error");
      assert.deepEqual(findings[0]!.origin, origin);
      assert.match(findings[0]!.message, new RegExp(`^ExternalSecret endgame-root-password: ${pointer} `));
    });
  }
});
