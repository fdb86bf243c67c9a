import { ENGINES } from "../engines/index.js";
import { standardLabels } from "../engines/shared/metadata.js";
import type { Engine, PodSecurityLevel } from "../engines/types.js";
import type { Cluster } from "../fleet/fleet.js";
import { lowerLevel } from "../rules/pod-security-standards.js";
import { RENDERED_DIR } from "../source/load.js";

/**
 * What the delivery objects are made of, besides the GitOps document: the cache keys them on
 * exactly this, so they are built and validated again only when one of these fields changes.
 */
export interface DeliveredCluster extends Pick<Cluster, "kind" | "name" | "namespace" | "outputDir"> {
  /** The labels of the cluster's start-up stages in order, as its folder lays them out (emit/stages.ts). */
  stages: readonly string[];
  /** The Pod Security Standards level the cluster's namespace enforces. */
  podSecurity: PodSecurityLevel;
}

export function deliveredCluster({ kind, name, namespace, outputDir }: Cluster, stages: readonly string[], podSecurity: PodSecurityLevel): DeliveredCluster {
  return { kind, name, namespace, outputDir, stages, podSecurity };
}

/**
 * The level each namespace enforces: the lowest that the pods of the clusters sharing it meet. Their
 * Applications all label it, so they must agree, and no rendered pod is refused.
 */
export function namespaceLevels(clusters: readonly { namespace: string; level: PodSecurityLevel }[]): Map<string, PodSecurityLevel> {
  const levels = new Map<string, PodSecurityLevel>();
  for (const { namespace, level } of clusters) levels.set(namespace, lowerLevel(levels.get(namespace) ?? level, level));
  return levels;
}

/** The app.kubernetes.io/component of the objects that hand a cluster to Argo CD or Flux. */
export const GITOPS_COMPONENT = "gitops";

/** The app.kubernetes.io/name of a cluster's objects: its engine's app name, e.g. "tidb". */
export function appNameOf(cluster: DeliveredCluster): string {
  return (ENGINES[cluster.kind] as Engine).appName;
}

/** The four standard labels of the Application or Kustomization that delivers `cluster`. */
export function deliveryLabels(cluster: DeliveredCluster): Record<string, string> {
  return standardLabels({ cluster, appName: appNameOf(cluster), component: GITOPS_COMPONENT });
}

/** The cluster's folder as a path from the repository root, e.g. "rendered/prod/orders". */
export function repoPath(cluster: DeliveredCluster): string {
  return `${RENDERED_DIR}/${cluster.outputDir}`;
}
