import type { IKustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import { stageDirs } from "../emit/stages.js";
import type { KubeObject } from "../engines/types.js";
import type { GitOpsSpec } from "../schema/gitops.js";
import { deliveryLabels, repoPath, type DeliveredCluster } from "./metadata.js";

type FluxSpec = NonNullable<GitOpsSpec["flux"]>;

/** What differs between the Kustomizations of one cluster's stages. */
interface StageRef {
  name: string;
  path: string;
}

/**
 * A cluster's stages as Flux Kustomizations, in start-up order: `<cluster>-<label>` for each but the
 * last, which keeps the cluster's own name. The last stage applies only once every earlier one is
 * Ready at the same revision, so a cluster that moves from one Kustomization to stages never has its
 * objects pruned by its old Kustomization (docs/gitops.md, "Moving from one Kustomization per cluster
 * to stages"). A cluster of one stage is one Kustomization over its folder.
 */
function stageRefs(cluster: DeliveredCluster): StageRef[] {
  const dirs = stageDirs(cluster.stages);
  if (dirs.length === 0) return [{ name: cluster.name, path: repoPath(cluster) }];
  const last = dirs.length - 1;
  return dirs.map((dir, i) => ({
    name: i === last ? cluster.name : `${cluster.name}-${cluster.stages[i]}`,
    path: `${repoPath(cluster)}/${dir}`,
  }));
}

/**
 * One Flux Kustomization per stage of each cluster, each depending on the stage before it. `wait`
 * makes a stage Ready only once its workloads have rolled out, and kustomize-controller applies a
 * Kustomization only when each of its dependsOn is Ready with the revision it is about to apply
 * (checkDependencies, fluxcd/kustomize-controller internal/controller/kustomization_controller.go):
 * so an upgrade rolls one stage after the other (for TiDB: PD, then TiKV, then TiDB). `prune`
 * removes what a stage no longer holds, except objects marked `kustomize.toolkit.fluxcd.io/prune:
 * disabled` (volumes and claims).
 */
export function fluxObjects(flux: FluxSpec, clusters: readonly DeliveredCluster[]): KubeObject[] {
  return clusters.flatMap((cluster) => stageRefs(cluster).map((stage, i, stages): IKustomization & KubeObject => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: stage.name, namespace: flux.namespace, labels: deliveryLabels(cluster) },
    spec: {
      ...(i > 0 && { dependsOn: [{ name: stages[i - 1]!.name }] }),
      interval: flux.interval,
      path: `./${stage.path}`,
      prune: true,
      sourceRef: flux.sourceRef,
      targetNamespace: cluster.namespace,
      wait: true,
    },
  })));
}
