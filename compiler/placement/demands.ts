import type { Origin } from "../diagnostics.js";
import type { ClusterBuild } from "../engines/types.js";
import type { Claim } from "./record.js";
import { effectiveSeparations } from "./separations.js";

/**
 * What one component with `storage.hostPath` asks of its pool: plain data, so the cache can keep it
 * and a run need not expand a cluster whose spec did not change just to plan the fleet's volumes.
 */
export interface HostPathDemand {
  cluster: string;
  component: string;
  replicas: number;
  pool: string;
  size: string;
  /** The claim each replica's StatefulSet creates, by ordinal. */
  claims: Claim[];
  /** From the cluster's policies (`hostPath.allowedPrefixes`); any directory when absent. */
  allowedPrefixes?: readonly string[];
  /** Other components of the cluster whose pods never share a node with this one's; its own replicas never do either. */
  apartFrom: string[];
  /** Other components of the cluster whose pods should be on other nodes where the pool allows. */
  preferApartFrom: string[];
  /** The component's `storage` field, where findings about its volumes point. */
  storage: Origin;
}

export function hostPathDemands(build: ClusterBuild): HostPathDemand[] {
  const allowed = build.cluster.policy.allowedPrefixes?.value;
  const policyRequiresSpread = build.cluster.policy.antiAffinity?.value === "required";
  return build.components.flatMap((component) => {
    const storage = component.storage;
    if (!storage?.spec.hostPath) return [];
    const separations = effectiveSeparations(component, policyRequiresSpread);
    const others = (level: "required" | "preferred") =>
      [...new Set(separations.filter((s) => s.level === level).flatMap((s) => s.from.components))].filter((name) => name !== component.name).sort();
    return [{
      cluster: build.cluster.name,
      component: component.name,
      replicas: component.replicas,
      pool: storage.spec.hostPath.pool,
      size: storage.spec.size,
      claims: Array.from({ length: component.replicas }, (_, ordinal) => ({
        namespace: build.cluster.namespace,
        name: `${storage.claimTemplate}-${component.workload.name}-${ordinal}`,
      })),
      ...(allowed && { allowedPrefixes: allowed }),
      apartFrom: others("required"),
      preferApartFrom: others("preferred").filter((name) => !others("required").includes(name)),
      storage: storage.origin,
    }];
  });
}
