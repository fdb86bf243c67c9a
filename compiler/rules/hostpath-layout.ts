import path from "node:path";
import type { V1PersistentVolume, V1StatefulSet } from "@kubernetes/client-node";
import { error, type Finding, type Origin } from "../diagnostics.js";
import { MANAGED_BY, SYNC_WAVE } from "../engines/shared/metadata.js";
import { copyOf } from "../engines/shared/pods.js";
import type { ClusterBuild, Component, KubeObject } from "../engines/types.js";
import type { Fleet, HostPathPool } from "../fleet/fleet.js";
import { describeProvenance } from "../fleet/policy.js";
import {
  allocateVolumes, isUnderPrefix, type AllocationFailure, type DirectoryRef, type Placement, type PlacementProblem, type ReleaseOutcome, type VolumeRequest,
} from "../fleet/hostpath.js";
import { PLACEMENTS_FILE, type Claim, type PlacementRecord } from "../source/placements.js";
import { isWorkloadOf, workloadOf } from "./edit.js";
import type { HostPathPlan, Rule } from "./types.js";

const ID = "hostpath-layout";

/** Directories a volume must never be placed in or under: they belong to the node's OS or runtime. */
export const SYSTEM_PATHS = [
  "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys", "/usr",
  "/var/lib/containerd", "/var/lib/docker", "/var/lib/kubelet", "/var/log", "/var/run",
];

/** Pools repeat the same few paths on every node: each is judged once. */
const judged = new Map<string, string | undefined>();

/** Why a pool directory is unsafe, or undefined when it is fine. */
export function unsafePathReason(directory: string): string | undefined {
  if (!judged.has(directory)) judged.set(directory, judge(directory));
  return judged.get(directory);
}

function judge(directory: string): string | undefined {
  if (!path.posix.isAbsolute(directory)) return "is not an absolute path";
  const normalised = path.posix.normalize(directory).replace(/(.)\/$/, "$1");
  if (normalised === "/") return "is the root directory";
  const system = SYSTEM_PATHS.find((p) => normalised === p || normalised.startsWith(p + "/"));
  if (normalised !== directory) return `is not normalised (it means ${normalised}${system ? `, under the system path ${system}` : ""})`;
  return system && `is under the system path ${system}`;
}

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
  /** The component's `storage` field, where findings about its volumes point. */
  storage: Origin;
}

export function hostPathDemands(build: ClusterBuild): HostPathDemand[] {
  const allowed = build.cluster.policy.allowedPrefixes?.value;
  return hostPathComponents(build).map((component) => {
    const storage = component.storage!;
    return {
      cluster: build.cluster.name,
      component: component.name,
      replicas: component.replicas,
      pool: storage.spec.hostPath!.pool,
      size: storage.spec.size,
      claims: Array.from({ length: component.replicas }, (_, ordinal) => ({
        namespace: build.cluster.namespace,
        name: `${storage.claimTemplate}-${component.workload.name}-${ordinal}`,
      })),
      ...(allowed && { allowedPrefixes: allowed }),
      storage: storage.origin,
    };
  });
}

/**
 * Allocates the volume of every replica the demands ask for, keeping what the last render placed
 * (`previous`, from the state file). `release` frees directories first, as `clusterc release` asks.
 */
export function planHostPaths(demands: readonly HostPathDemand[], fleet: Fleet, previous: readonly PlacementRecord[], release: readonly DirectoryRef[] = []): HostPathPlan {
  const findings: Finding[] = [...fleet.pools.values()].flatMap(poolPathFindings);
  const requests: { demand: HostPathDemand; request: VolumeRequest }[] = [];
  for (const demand of demands) {
    const pool = fleet.pools.get(demand.pool);
    if (!pool) {
      const known = [...fleet.pools.keys()].join(", ") || "none";
      findings.push(error(storageOrigin(demand, "hostPath", "pool"), ID,
        `${demand.component}: HostPathPool "${demand.pool}" is not defined (known pools: ${known}); add a HostPathPool document to clusters/ or fix the name`));
      continue;
    }
    const { cluster, component, size, claims, allowedPrefixes } = demand;
    requests.push({ demand, request: { cluster, component, pool, size, claims, ...(allowedPrefixes && { allowedPrefixes }) } });
  }
  const allocation = allocateVolumes(requests.map((r) => r.request), fleet.pools, previous, release);
  const demandOf = (request: VolumeRequest) => requests.find((r) => r.request === request)!.demand;
  const clusters = new Set(fleet.clusters.map((c) => c.name));
  findings.push(
    ...allocation.failures.map((failure) => failureFinding(demandOf(failure.request), failure)),
    ...allocation.problems.map((problem) => problemFinding(demandOf(problem.request), problem)),
    ...allocation.placements.filter((p) => p.state === "released").map((p) => releasedFinding(p, clusters.has(p.cluster))),
    ...allocation.releases.flatMap(releaseFindings),
  );
  const byCluster = new Map<string, Placement[]>();
  for (const placement of allocation.placements) byCluster.set(placement.cluster, [...byCluster.get(placement.cluster) ?? [], placement]);
  return { placements: allocation.placements, byCluster, findings };
}

/**
 * Gives every replica of a component with `storage.hostPath` its own PersistentVolume: on the pool
 * directory the plan holds for its claim, pinned to that directory's node, pre-bound to the exact claim
 * the StatefulSet creates, reclaim policy Retain. Released volumes of a component that still exists
 * (scaled down) keep being rendered, so scaling up again finds its data.
 */
export const hostPathLayout: Rule = {
  id: ID,
  description: "hostPath volumes: one Retain PersistentVolume per replica, pinned, pre-bound, sticky across renders, replicas on distinct nodes, safe paths",
  run(builds, { hostPaths }) {
    const findings = builds.flatMap((build) => prefixFindings(build, placementsOf(hostPaths, build.cluster.name)));
    return { builds: builds.map((build) => withVolumes(build, placementsOf(hostPaths, build.cluster.name))), findings };
  },
};

/** The directories the plan holds for one cluster, bound or released. */
export function placementsOf(plan: HostPathPlan, cluster: string): readonly Placement[] {
  return plan.byCluster.get(cluster) ?? [];
}

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

function hostPathComponents(build: ClusterBuild): Component[] {
  return build.components.filter((component) => component.storage?.spec.hostPath !== undefined);
}

function storageOrigin(demand: HostPathDemand, ...field: string[]): Origin {
  return { ...demand.storage, path: [...demand.storage.path, ...field] };
}

function claimName(claim: Claim): string {
  return `${claim.namespace}/${claim.name}`;
}

function releaseCommand(directory: DirectoryRef): string {
  return `clusterc release --pool ${directory.pool} --node ${directory.node} --path ${directory.path}`;
}

function failureFinding(demand: HostPathDemand, { request, nodesWithRoom, keptNodes }: AllocationFailure): Finding {
  const nodes = nodesWithRoom.length > 0 ? ` (${nodesWithRoom.join(", ")})` : "";
  const besides = keptNodes.length > 0 ? ` besides the ${keptNodes.length} that hold its placed replicas (${keptNodes.join(", ")})` : "";
  return error(storageOrigin(demand, "hostPath", "pool"), ID,
    `${demand.component}: ${demand.replicas} replicas must be on distinct nodes but pool ${request.pool.name} has ${nodesWithRoom.length} node(s) with a free directory of ${request.size} or more${nodes}${besides}; add nodes or directories to the pool, or lower replicas`);
}

/** A kept volume that no longer suits its claim: never moved silently, so the user decides. */
function problemFinding(demand: HostPathDemand, { placement, request, reason }: PlacementProblem): Finding {
  const where = `${placement.path} on node ${placement.node} of pool ${placement.pool}`;
  const start = `${demand.component}: the volume of claim ${claimName(placement.claim)} is on ${where}`;
  const startOver = `delete the claim and its PersistentVolume from the cluster and run ${releaseCommand(placement)} to place it anew`;
  switch (reason) {
    case "vanished":
      return error(storageOrigin(demand, "hostPath", "pool"), ID,
        `${start}, which the pool no longer lists; a placed volume never moves. Put the directory back into pool ${placement.pool}, or, if its data is gone for good, ${startOver}`);
    case "too-small":
      return error(storageOrigin(demand, "size"), ID,
        `${start}, which offers ${placement.directory!.capacity}, less than the ${request.size} asked for; a placed volume never moves. Keep storage.size at ${placement.directory!.capacity} or less, or raise the directory's capacity in the pool if its disk has room`);
    case "other-pool":
      return error(storageOrigin(demand, "hostPath", "pool"), ID,
        `${start}, not in pool ${request.pool.name}; a placed volume never moves. Set hostPath.pool back to ${placement.pool}, or, to start this replica empty in ${request.pool.name}, ${startOver}`);
  }
}

/** A released volume holds its directory until the user frees it: say where, whose, and how. */
function releasedFinding(placement: Placement, clusterExists: boolean): Finding {
  const whose = clusterExists
    ? `component ${placement.component} of cluster ${placement.cluster} has no replica that claims it any more`
    : `cluster ${placement.cluster} is no longer in clusters/`;
  const listed = placement.directory ? "" : `, which pool ${placement.pool} no longer lists,`;
  return {
    origin: placement.directory?.origin ?? placement.recorded!,
    severity: "warning",
    ruleId: ID,
    message: `${placement.path} on node ${placement.node}${listed} holds the released volume of claim ${claimName(placement.claim)} (${whose}); it stays reserved so no other claim gets its data. Once the data is no longer needed, delete the claim and its PersistentVolume from the cluster and free the directory with ${releaseCommand(placement)}`,
  };
}

function releaseFindings(outcome: ReleaseOutcome): Finding[] {
  const what = `${outcome.directory.path} on node ${outcome.directory.node} of pool ${outcome.directory.pool}`;
  switch (outcome.outcome) {
    case "freed":
      return [];
    case "refused":
      return [error(outcome.placement.recorded!, ID,
        `clusterc release: ${what} holds the volume of claim ${claimName(outcome.placement.claim)}, a current replica of component ${outcome.placement.component} of cluster ${outcome.placement.cluster}; freeing it would hand that data to another claim. Scale the component down or remove the cluster first`)];
    case "unknown":
      return [error({ file: PLACEMENTS_FILE, doc: 0, path: ["placements"] }, ID,
        `clusterc release: no placement holds ${what}; ${PLACEMENTS_FILE} lists the directories that are held`)];
  }
}

function poolPathFindings(pool: HostPathPool): Finding[] {
  return pool.nodes.flatMap((node) => {
    const seen = new Set<string>();
    return node.directories.flatMap((directory) => {
      const at = () => ({ ...directory.origin, path: [...directory.origin.path, "path"] });
      const reason = unsafePathReason(directory.path);
      if (reason) return [error(at(), ID, `${directory.path} ${reason}; use an absolute data directory such as /data/pv/disk1`)];
      if (seen.has(directory.path)) return [error(at(), ID, `${directory.path} is listed twice on node ${node.name}; a directory holds one volume, list it once`)];
      seen.add(directory.path);
      return [];
    });
  });
}

/** Adds the cluster's volumes (its placements, bound and released) and binds its claim templates to them. */
function withVolumes(build: ClusterBuild, placements: readonly Placement[]): ClusterBuild {
  const components = hostPathComponents(build);
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
      hostPath: { path: placement.path, type: "DirectoryOrCreate" },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [placement.node] }] }],
        },
      },
    },
  };
}
