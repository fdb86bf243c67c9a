import type { V1Affinity, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { podSpecOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject } from "../engines/types.js";
import { editManifests, isWorkloadOf, workloadOf } from "./edit.js";
import type { Rule } from "./types.js";

const HOSTNAME = "kubernetes.io/hostname";

/**
 * Spreads every replicated component across nodes: required for quorum members (two Raft members on
 * one node turn a node failure into a quorum loss), preferred otherwise. Quorum components get a
 * PodDisruptionBudget so a drain takes down one member at a time.
 */
export const antiAffinity: Rule = {
  id: "anti-affinity",
  description: "replicas spread across kubernetes.io/hostname (required for quorum members); PodDisruptionBudgets for quorum components",
  run(builds) {
    return { builds: builds.map(spread), findings: [] };
  },
};

function spread(build: ClusterBuild): ClusterBuild {
  let result = build;
  for (const component of build.components.filter((c) => c.replicas > 1)) {
    result = editManifests(result, (object) => isWorkloadOf(component, object), (object) => {
      podSpecOf(object)!.affinity = affinityFor(component);
    });
  }
  const budgets = build.components
    .filter((c) => c.role === "quorum")
    .map((component) => ({ object: disruptionBudget(component, workloadOf(build, component).object), origin: component.origin }));
  return { ...result, manifests: [...result.manifests, ...budgets] };
}

function affinityFor(component: Component): V1Affinity {
  const term = { labelSelector: { matchLabels: component.selector }, topologyKey: HOSTNAME };
  return component.role === "quorum"
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
