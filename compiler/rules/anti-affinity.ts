import type { V1Affinity, V1PodDisruptionBudget, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { podSpecOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject } from "../engines/types.js";
import type { HostPathPool } from "../fleet/fleet.js";
import { editManifests, isWorkloadOf, workloadOf } from "./edit.js";
import type { Rule } from "./types.js";

const HOSTNAME = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";

/**
 * Spreads every replicated component across nodes: required for quorum members (two Raft members on
 * one node turn a node failure into a quorum loss), preferred otherwise unless a policy sets
 * `antiAffinity: required` (a policy can tighten, never loosen). Quorum components get a
 * PodDisruptionBudget so a drain takes down one member at a time.
 */
export const antiAffinity: Rule = {
  id: "anti-affinity",
  description: "replicas spread across kubernetes.io/hostname (required for quorum members) and across zones when the pool knows them; PodDisruptionBudgets for quorum components",
  run(builds, { fleet }) {
    return { builds: builds.map((build) => spread(build, knowsZones(build, fleet.pools))), findings: [] };
  },
};

/** Zones are known when a pool the cluster's volumes live on names them. */
function knowsZones(build: ClusterBuild, pools: ReadonlyMap<string, HostPathPool>): boolean {
  return build.components.some((c) => {
    const pool = c.storage?.spec.hostPath && pools.get(c.storage.spec.hostPath.pool);
    return pool?.nodes.some((node) => node.zone !== undefined) ?? false;
  });
}

/**
 * Zone spread is a preference: hostPath volumes already pin their pods to nodes, and a hard
 * constraint could leave a pod unschedulable where the volumes' zones are uneven.
 */
function zoneSpread(component: Component): V1TopologySpreadConstraint {
  return { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: component.selector } };
}

function spread(build: ClusterBuild, zones: boolean): ClusterBuild {
  let result = build;
  for (const component of build.components.filter((c) => c.replicas > 1)) {
    result = editManifests(result, (object) => isWorkloadOf(component, object), (object) => {
      const pod = podSpecOf(object)!;
      pod.affinity = affinityFor(component, build.cluster.policy.antiAffinity?.value === "required");
      if (zones) pod.topologySpreadConstraints = [zoneSpread(component)];
    });
  }
  const budgets = build.components
    .filter((c) => c.role === "quorum")
    .map((component) => ({ object: disruptionBudget(component, workloadOf(build, component).object), origin: component.origin }));
  return { ...result, manifests: [...result.manifests, ...budgets] };
}

function affinityFor(component: Component, policyRequiresSpread: boolean): V1Affinity {
  const term = { labelSelector: { matchLabels: component.selector }, topologyKey: HOSTNAME };
  return component.role === "quorum" || policyRequiresSpread
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

function disruptionBudget(component: Component, workload: KubeObject): V1PodDisruptionBudget & KubeObject {
  const wave = workload.metadata.annotations?.[SYNC_WAVE];
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name: workload.metadata.name,
      namespace: workload.metadata.namespace!,
      labels: { ...component.selector, "app.kubernetes.io/managed-by": MANAGED_BY },
      ...(wave !== undefined && { annotations: { [SYNC_WAVE]: wave } }),
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: component.selector } },
  };
}
