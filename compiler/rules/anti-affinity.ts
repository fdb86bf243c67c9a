import type { V1DeploymentStrategy, V1PodAntiAffinity, V1PodDisruptionBudget, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { podSpecOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject, PodSet, Separation } from "../engines/types.js";
import type { HostPathPool } from "../fleet/fleet.js";
import { effectiveSeparations } from "../placement/separations.js";
import { editManifests, isWorkloadOf, workloadOf } from "./edit.js";
import type { Rule } from "./types.js";

const COMPONENT = "app.kubernetes.io/component";
const HOSTNAME = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";

/**
 * Turns each component's declared separations into pod anti-affinity on kubernetes.io/hostname:
 * required or preferred as the engine declares, every one required when a policy sets
 * `antiAffinity: required` (a policy tightens, never loosens). Sets a component belongs to also
 * spread over zones when the pool knows them. The engine's disruption sets get PodDisruptionBudgets,
 * so a drain takes down one member at a time.
 */
export const antiAffinity: Rule = {
  id: "anti-affinity",
  description: "pods stay apart on kubernetes.io/hostname as their engine declares (a policy can make it required), spread over zones when the pool knows them; PodDisruptionBudgets for quorum and primary/standby sets",
  level: "none",
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

function spread(build: ClusterBuild, zones: boolean): ClusterBuild {
  const policyRequiresSpread = build.cluster.policy.antiAffinity?.value === "required";
  let result = build;
  for (const component of build.components) {
    const separations = effectiveSeparations(component, policyRequiresSpread);
    if (separations.length === 0) continue;
    result = editManifests(result, (object) => isWorkloadOf(component, object), (object) => {
      podSpecOf(object)!.affinity = { podAntiAffinity: antiAffinityOf(separations) };
      const ownSets = separations.filter(({ from }) => from.components.includes(component.name));
      if (zones && ownSets.length > 0) podSpecOf(object)!.topologySpreadConstraints = ownSets.map(({ from }) => zoneSpread(from));
      if (object.kind === "Deployment" && separations.some((s) => s.level === "required")) withoutSurge(object);
    });
  }
  const budgets = build.disruptionBudgets.map((set) => {
    const component = build.components.find((c) => c.name === set.components[0]);
    if (!component) throw new Error(`engine bug: ${build.cluster.name} budgets set ${set.name} of unknown component ${set.components[0]}`);
    return { object: disruptionBudget(build, set, component, workloadOf(build, component).object), origin: component.origin };
  });
  return { ...result, manifests: [...result.manifests, ...budgets] };
}

function antiAffinityOf(separations: readonly Separation[]): V1PodAntiAffinity {
  const term = (set: PodSet) => ({ labelSelector: { matchLabels: { ...set.selector } }, topologyKey: HOSTNAME });
  const required = separations.filter((s) => s.level === "required").map((s) => term(s.from));
  const preferred = separations.flatMap((s) => (s.level === "preferred" ? [{ weight: s.weight, podAffinityTerm: term(s.from) }] : []));
  return {
    ...(required.length > 0 && { requiredDuringSchedulingIgnoredDuringExecution: required }),
    ...(preferred.length > 0 && { preferredDuringSchedulingIgnoredDuringExecution: preferred }),
  };
}

/**
 * Zone spread is a preference: hostPath volumes already pin their pods to nodes, and a hard
 * constraint could leave a pod unschedulable where the volumes' zones are uneven.
 */
function zoneSpread(set: PodSet): V1TopologySpreadConstraint {
  return { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...set.selector } } };
}

/**
 * A surge pod of a Deployment whose pods are required apart needs a node none of them is on: where
 * the replicas fill every eligible node it never schedules, and the rollout never ends. Replacing
 * one pod at a time needs no spare node.
 */
function withoutSurge(object: KubeObject): void {
  const strategy: V1DeploymentStrategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
  (object as KubeObject & { spec: { strategy?: V1DeploymentStrategy } }).spec.strategy = strategy;
}

/**
 * Labelled with the set's selector and applied with the set's first component (its component label,
 * its sync wave): a set across workloads selects by labels that name no component, and every object
 * belongs to one.
 */
function disruptionBudget(build: ClusterBuild, set: PodSet, component: Component, workload: KubeObject): V1PodDisruptionBudget & KubeObject {
  const wave = workload.metadata.annotations?.[SYNC_WAVE];
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name: `${build.cluster.name}-${set.name}`,
      namespace: workload.metadata.namespace!,
      labels: { ...set.selector, [COMPONENT]: component.selector[COMPONENT]!, "app.kubernetes.io/managed-by": MANAGED_BY },
      ...(wave !== undefined && { annotations: { [SYNC_WAVE]: wave } }),
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...set.selector } } },
  };
}
