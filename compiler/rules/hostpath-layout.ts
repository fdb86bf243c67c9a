import path from "node:path";
import type { V1PersistentVolume, V1StatefulSet } from "@kubernetes/client-node";
import { error, type Finding } from "../diagnostics.js";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { copyOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject } from "../engines/types.js";
import type { HostPathPool } from "../fleet/fleet.js";
import { allocateVolumes, type Placement, type VolumeRequest } from "../fleet/hostpath.js";
import type { Rule } from "./types.js";

const ID = "hostpath-layout";

/** Directories a volume must never be placed in or under: they belong to the node's OS or runtime. */
export const SYSTEM_PATHS = [
  "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys", "/usr",
  "/var/lib/containerd", "/var/lib/docker", "/var/lib/kubelet", "/var/log", "/var/run",
];

/** Why a pool directory is unsafe, or undefined when it is fine. */
export function unsafePathReason(directory: string): string | undefined {
  if (!path.posix.isAbsolute(directory)) return "is not an absolute path";
  const normalised = path.posix.normalize(directory).replace(/(.)\/$/, "$1");
  if (normalised === "/") return "is the root directory";
  const system = SYSTEM_PATHS.find((p) => normalised === p || normalised.startsWith(p + "/"));
  if (normalised !== directory) return `is not normalised (it means ${normalised}${system ? `, under the system path ${system}` : ""})`;
  return system && `is under the system path ${system}`;
}

/**
 * Gives every replica of a component with `storage.hostPath` its own PersistentVolume: on a pool
 * directory with enough room, pinned to that directory's node, pre-bound to the exact claim the
 * StatefulSet creates, reclaim policy Retain.
 */
export const hostPathLayout: Rule = {
  id: ID,
  description: "hostPath volumes: one Retain PersistentVolume per replica, pinned, pre-bound, replicas on distinct nodes, safe paths",
  run(builds, { fleet }) {
    const findings = [...fleet.pools.values()].flatMap(poolPathFindings);
    const requests: { build: ClusterBuild; component: Component; request: VolumeRequest }[] = [];
    for (const build of builds) {
      for (const component of build.components) {
        const poolName = component.storage?.spec.hostPath?.pool;
        if (poolName === undefined) continue;
        const pool = fleet.pools.get(poolName);
        if (!pool) {
          const known = [...fleet.pools.keys()].join(", ") || "none";
          findings.push(error({ ...component.storage!.origin, path: [...component.storage!.origin.path, "hostPath", "pool"] }, ID,
            `${component.name}: HostPathPool "${poolName}" is not defined (known pools: ${known}); add a HostPathPool document to clusters/ or fix the name`));
          continue;
        }
        requests.push({ build, component, request: volumeRequest(build, component, pool) });
      }
    }
    const { placements, failures } = allocateVolumes(requests.map((r) => r.request));
    for (const failure of failures) {
      const { component } = requests.find((r) => r.request === failure.request)!;
      const nodes = failure.nodesWithRoom.length > 0 ? ` (${failure.nodesWithRoom.join(", ")})` : "";
      findings.push(error({ ...component.storage!.origin, path: [...component.storage!.origin.path, "hostPath", "pool"] }, ID,
        `${component.name}: ${component.replicas} replicas must be on distinct nodes but pool ${failure.request.pool.name} has ${failure.nodesWithRoom.length} node(s) with a free directory of ${failure.request.size} or more${nodes}; add nodes or directories to the pool, or lower replicas`));
    }
    const placedBuilds = builds.map((build) => {
      const mine = requests.filter((r) => r.build === build);
      return mine.length === 0 ? build : withVolumes(build, mine.map((r) => r.component), placements);
    });
    return { builds: placedBuilds, findings };
  },
};

function poolPathFindings(pool: HostPathPool): Finding[] {
  return pool.nodes.flatMap((node) => {
    const seen = new Set<string>();
    return node.directories.flatMap((directory) => {
      const at = { ...directory.origin, path: [...directory.origin.path, "path"] };
      const reason = unsafePathReason(directory.path);
      if (reason) return [error(at, ID, `${directory.path} ${reason}; use an absolute data directory such as /data/pv/disk1`)];
      if (seen.has(directory.path)) return [error(at, ID, `${directory.path} is listed twice on node ${node.name}; a directory holds one volume, list it once`)];
      seen.add(directory.path);
      return [];
    });
  });
}

function volumeRequest(build: ClusterBuild, component: Component, pool: HostPathPool): VolumeRequest {
  const storage = component.storage!;
  return {
    key: `${build.cluster.name}/${component.name}`,
    pool,
    size: storage.spec.size,
    claims: Array.from({ length: component.replicas }, (_, ordinal) => ({
      namespace: build.cluster.namespace,
      name: `${storage.claimTemplate}-${component.workload.name}-${ordinal}`,
    })),
  };
}

/** Adds the placed volumes of the build's hostPath components and binds their claim templates to them. */
function withVolumes(build: ClusterBuild, components: Component[], placements: Placement[]): ClusterBuild {
  const manifests = build.manifests.map((manifest) => {
    const component = components.find((c) => c.workload.kind === manifest.object.kind && c.workload.name === manifest.object.metadata.name);
    return component ? { ...manifest, object: withNoStorageClass(manifest.object, component.storage!.claimTemplate) } : manifest;
  });
  for (const component of components) {
    const workload = build.manifests.find((m) => m.object.kind === component.workload.kind && m.object.metadata.name === component.workload.name)!;
    const wave = workload.object.metadata.annotations?.[SYNC_WAVE];
    const claims = new Set(Array.from({ length: component.replicas }, (_, i) => `${component.storage!.claimTemplate}-${component.workload.name}-${i}`));
    for (const placement of placements) {
      if (placement.claim.namespace !== build.cluster.namespace || !claims.has(placement.claim.name)) continue;
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
      hostPath: { path: placement.directory.path, type: "DirectoryOrCreate" },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [placement.node] }] }],
        },
      },
    },
  };
}
