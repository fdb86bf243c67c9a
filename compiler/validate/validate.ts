import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { ApplicationSet } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import { Service } from "kubernetes-models/v1/Service";
import { error, type Finding } from "../diagnostics.js";
import type { Manifest } from "../engines/types.js";

interface Model {
  validate(): void;
}

/** The OpenAPI models of every kind clusterc renders, keyed `apiVersion/kind`. */
const MODELS: Record<string, new (data: never) => Model> = {
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolume": PersistentVolume,
  "apps/v1/StatefulSet": StatefulSet,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "external-secrets.io/v1beta1/ExternalSecret": ExternalSecret,
  "argoproj.io/v1alpha1/Application": Application,
  "argoproj.io/v1alpha1/ApplicationSet": ApplicationSet,
  "kustomize.toolkit.fluxcd.io/v1/Kustomization": Kustomization,
};

/** Validates each object against its Kubernetes (or CRD) OpenAPI schema; a failure points at the spec field that produced it. */
export function validateManifests(manifests: readonly Manifest[]): Finding[] {
  return manifests.flatMap(({ object, origin }) => {
    const model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!model) throw new Error(`no OpenAPI model registered for ${object.apiVersion} ${object.kind}`);
    try {
      new model(object as never).validate();
      return [];
    } catch (e) {
      const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors ?? [{ instancePath: "", message: String(e) }];
      return errors.map((issue) =>
        error(origin, "k8s-schema", `${object.kind} ${object.metadata.name}: ${issue.instancePath || "/"} ${issue.message ?? "is invalid"}; this is what the spec produced, check the field`));
    }
  });
}
