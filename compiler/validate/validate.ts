import { error, type Finding } from "../diagnostics.js";
import type { Manifest } from "../engines/types.js";

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

/**
 * The OpenAPI models of every kind clusterc renders, keyed `apiVersion/kind`. Loaded on first use:
 * their compiled schemas take a fifth of a second to import, which a run that reuses every cached
 * cluster never needs.
 */
const MODELS: Record<string, () => Promise<ModelClass>> = {
  "v1/Service": () => import("kubernetes-models/v1/Service").then((m) => m.Service),
  "v1/ConfigMap": () => import("kubernetes-models/v1/ConfigMap").then((m) => m.ConfigMap),
  "v1/PersistentVolume": () => import("kubernetes-models/v1/PersistentVolume").then((m) => m.PersistentVolume),
  "apps/v1/StatefulSet": () => import("kubernetes-models/apps/v1/StatefulSet").then((m) => m.StatefulSet),
  "apps/v1/Deployment": () => import("kubernetes-models/apps/v1/Deployment").then((m) => m.Deployment),
  "batch/v1/Job": () => import("kubernetes-models/batch/v1/Job").then((m) => m.Job),
  "networking.k8s.io/v1/NetworkPolicy": () => import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy").then((m) => m.NetworkPolicy),
  "policy/v1/PodDisruptionBudget": () => import("kubernetes-models/policy/v1/PodDisruptionBudget").then((m) => m.PodDisruptionBudget),
  // No @kubernetes-models/external-secrets release for Node.js 20 has v1 (2.0.0 needs kubernetes-models 5, Node.js 22):
  // ESO's own published CRD schema, as data (crds/external-secret-v1.ts, scripts/crd-schema.ts).
  "external-secrets.io/v1/ExternalSecret": () =>
    Promise.all([import("./crd-model.js"), import("./crds/external-secret-v1.js")]).then(([m, crd]) => m.crdModel(crd) as ModelClass),
  "argoproj.io/v1alpha1/Application": () => import("@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application").then((m) => m.Application),
  "argoproj.io/v1alpha1/ApplicationSet": () => import("@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet").then((m) => m.ApplicationSet),
  "kustomize.toolkit.fluxcd.io/v1/Kustomization": () =>
    import("@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization").then((m) => m.Kustomization),
};

const loaded = new Map<string, Promise<(object: object) => void>>();

/**
 * The validator of a kind: its model's `validate`, which checks `this` against the schema, called on
 * the object itself. A model's constructor deep-copies the object only to drop undefined values,
 * which the schema's validator treats as absent anyway; that copy was a third of validation time.
 */
function validatorFor(key: string): Promise<(object: object) => void> {
  const load = MODELS[key];
  if (!load) throw new Error(`no OpenAPI model registered for ${key}`);
  if (!loaded.has(key)) loaded.set(key, load().then((model) => (object) => model.prototype.validate.call(object)));
  return loaded.get(key)!;
}

/** Validates each object against its Kubernetes (or CRD) OpenAPI schema; a failure points at the spec field that produced it. */
export async function validateManifests(manifests: readonly Manifest[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { object, origin } of manifests) {
    const validate = await validatorFor(`${object.apiVersion}/${object.kind}`);
    try {
      validate(object);
    } catch (e) {
      const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors ?? [{ instancePath: "", message: String(e) }];
      findings.push(...errors.map((issue) =>
        error(origin, "k8s-schema", `${object.kind} ${object.metadata.name}: ${issue.instancePath || "/"} ${issue.message ?? "is invalid"}; this is what the spec produced, check the field`)));
    }
  }
  return findings;
}
