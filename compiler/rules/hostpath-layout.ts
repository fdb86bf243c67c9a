import type { V1PersistentVolume, V1StatefulSet } from "@kubernetes/client-node";
import { error, type Finding } from "../diagnostics.js";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { copyOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject } from "../engines/types.js";
import { describeProvenance } from "../fleet/policy.js";
import { isUnderPrefix, type Placement } from "../placement/allocate.js";
import { claimName, HOSTPATH_LAYOUT, placementsOf } from "../placement/plan.js";
import { isWorkloadOf, workloadOf } from "./edit.js";
import type { Rule } from "./types.js";

const ID = HOSTPATH_LAYOUT;

/**
 * Gives every replica of a component with `storage.hostPath` its own PersistentVolume: on the pool
 * directory the plan holds for its claim, pinned to that directory's node, pre-bound to the exact claim
 * the StatefulSet creates, reclaim policy Retain. Released volumes of a component that still exists
 * (scaled down) keep being rendered, so scaling up again finds its data.
 */
export const hostPathLayout: Rule = {
  id: ID,
  description: "hostPath volumes: one Retain PersistentVolume per replica, pinned, pre-bound, sticky across renders, replicas on distinct nodes, safe paths",
  level: "error",
  fix: "add nodes or directories to the pool, fix the path, lower replicas, or free a released directory with clusterc release",
  run(builds, { hostPaths }) {
    const findings = builds.flatMap((build) => prefixFindings(build, placementsOf(hostPaths, build.cluster.name)));
    return { builds: builds.map((build) => withVolumes(build, placementsOf(hostPaths, build.cluster.name))), findings };
  },
};

/**
 * A bound volume of the cluster outside the directories its policies allow: new volumes never land
 * there, so this is one placed before the policy said so, and a placed volume never moves by itself.
 */
function prefixFindings(build: ClusterBuild, placements: readonly Placement[]): Finding[] {
  const allowed = build.cluster.policy.allowedPrefixes;
  if (!allowed) return [];
  return placements
    .filter((p) => p.state === "bound" && !isUnderPrefix(p.path, allowed.value))
    .map((p) => error(p.directory?.origin ?? p.recorded!, ID,
      `${p.path} on node ${p.node} holds claim ${claimName(p.claim)} of cluster ${p.cluster}, outside ${allowed.value.join(", ")} allowed by ${describeProvenance(allowed.provenance)}; move the data by hand and release the directory, or add an exception`));
}

/** Adds the cluster's volumes (its placements, bound and released) and binds its claim templates to them. */
function withVolumes(build: ClusterBuild, placements: readonly Placement[]): ClusterBuild {
  const components = build.components.filter((component) => component.storage?.spec.hostPath !== undefined);
  if (components.length === 0) return build;
  const manifests = build.manifests.map((manifest) => {
    const component = components.find((c) => isWorkloadOf(c, manifest.object));
    return component ? { ...manifest, object: withNoStorageClass(manifest.object, component.storage!.claimTemplate) } : manifest;
  });
  for (const component of components) {
    const wave = workloadOf(build, component).object.metadata.annotations?.[SYNC_WAVE];
    for (const placement of placements.filter((p) => p.component === component.name)) {
      manifests.push({ object: persistentVolume(component, placement, wave), origin: component.storage!.origin });
    }
  }
  return { ...build, manifests };
}

/**
 * An empty storageClassName binds the claim to a volume without a class: the pre-bound hostPath
 * volume, never one the cluster's default StorageClass would provision.
 */
function withNoStorageClass(object: KubeObject, claimTemplate: string): KubeObject {
  const statefulSet = copyOf(object) as V1StatefulSet & KubeObject;
  const template = statefulSet.spec!.volumeClaimTemplates!.find((t) => t.metadata?.name === claimTemplate)!;
  template.spec!.storageClassName = "";
  return statefulSet;
}

function persistentVolume(component: Component, placement: Placement, wave: string | undefined): V1PersistentVolume & KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: `${placement.claim.namespace}-${placement.claim.name}`,
      labels: { ...component.selector, "app.kubernetes.io/managed-by": MANAGED_BY },
      ...(wave !== undefined && { annotations: { [SYNC_WAVE]: wave } }),
    },
    spec: {
      capacity: { storage: component.storage!.spec.size },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: placement.claim.namespace, name: placement.claim.name },
      hostPath: { path: placement.path, type: placement.hostPathType },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [placement.node] }] }],
        },
      },
    },
  };
}
