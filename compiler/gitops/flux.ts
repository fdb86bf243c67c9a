import type { IKustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import type { KubeObject } from "../engines/types.js";
import type { GitOpsSpec } from "../schema/gitops.js";
import { deliveryLabels, repoPath, type DeliveredCluster } from "./metadata.js";

type FluxSpec = NonNullable<GitOpsSpec["flux"]>;

/**
 * A Flux Kustomization per cluster. `prune` removes what the cluster's folder no longer holds,
 * except objects marked `kustomize.toolkit.fluxcd.io/prune: disabled` (volumes and claims); `wait`
 * reports the cluster ready only once its workloads are.
 */
export function fluxObjects(flux: FluxSpec, clusters: readonly DeliveredCluster[]): KubeObject[] {
  return clusters.map((cluster): IKustomization & KubeObject => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: cluster.name, namespace: flux.namespace, labels: deliveryLabels(cluster) },
    spec: {
      interval: flux.interval,
      path: `./${repoPath(cluster)}`,
      prune: true,
      sourceRef: flux.sourceRef,
      targetNamespace: cluster.namespace,
      wait: true,
    },
  }));
}
