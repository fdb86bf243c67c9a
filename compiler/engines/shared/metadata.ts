import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { Cluster } from "../../fleet/fleet.js";

export const MANAGED_BY = "clusterc";
export const SYNC_WAVE = "argocd.argoproj.io/sync-wave";

/** Names one component of one cluster; every object of that component is labelled from it. */
export interface ComponentRef {
  cluster: Pick<Cluster, "name" | "namespace">;
  appName: string;
  component: string;
  /** Labels that tell apart the workloads of one component (a tablet's keyspace, shard and type), in its selector too. */
  labels?: Readonly<Record<string, string>>;
}

/** The labels that select a component's pods: stable for the life of the workload (selectors are immutable). */
export function selectorLabels(ref: ComponentRef): Record<string, string> {
  return {
    "app.kubernetes.io/name": ref.appName,
    "app.kubernetes.io/instance": ref.cluster.name,
    "app.kubernetes.io/component": ref.component,
    ...ref.labels,
  };
}

/** The four labels every rendered object carries. */
export function standardLabels(ref: ComponentRef): Record<string, string> {
  return { ...selectorLabels(ref), "app.kubernetes.io/managed-by": MANAGED_BY };
}

/** Metadata of a namespaced object of the component, in the wave Argo CD applies it. */
export function objectMeta(ref: ComponentRef, name: string, wave: number, annotations: Record<string, string> = {}): V1ObjectMeta & { name: string } {
  return {
    name,
    namespace: ref.cluster.namespace,
    labels: standardLabels(ref),
    annotations: { [SYNC_WAVE]: String(wave), ...annotations },
  };
}
