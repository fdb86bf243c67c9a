import path from "node:path";
import { error, type Finding, type Origin } from "../diagnostics.js";
import type { Fleet, HostPathPool } from "../fleet/fleet.js";
import {
  allocateVolumes, type AllocationFailure, type DirectoryRef, type Placement, type PlacementConflict, type PlacementProblem, type ReleaseOutcome, type VolumeRequest,
} from "./allocate.js";
import type { HostPathDemand } from "./demands.js";
import { PLACEMENTS_FILE, type Claim, type PlacementRecord } from "./record.js";

/** Rule ID of every finding about hostPath volumes, here and in the rule that renders them. */
export const HOSTPATH_LAYOUT = "hostpath-layout";
const ID = HOSTPATH_LAYOUT;

/** The fleet-wide hostPath allocation and what it found, made before the rules run: compile also writes it to the state file. */
export interface HostPathPlan {
  /** Every directory held after this render: the state file's entries. */
  placements: Placement[];
  /** The same placements by cluster. */
  byCluster: ReadonlyMap<string, readonly Placement[]>;
  findings: Finding[];
}

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
 * Allocates the volume of every replica the demands ask for, keeping what the last render placed
 * (`previous`, from the state file). `release` frees directories first, as `clusterc release` asks.
 * The placements of `held` clusters (not compiled: their specs have errors) stay as recorded, and
 * are not reported as released.
 */
export function planHostPaths(
  demands: readonly HostPathDemand[], fleet: Fleet, previous: readonly PlacementRecord[], release: readonly DirectoryRef[] = [], held: (cluster: string) => boolean = () => false,
): HostPathPlan {
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
    const { cluster, component, size, claims, allowedPrefixes, apartFrom, preferApartFrom } = demand;
    requests.push({ demand, request: { cluster, component, pool, size, claims, ...(allowedPrefixes && { allowedPrefixes }), apartFrom, preferApartFrom } });
  }
  const allocation = allocateVolumes(requests.map((r) => r.request), fleet.pools, previous, release, held);
  const demandOf = (request: VolumeRequest) => requests.find((r) => r.request === request)!.demand;
  const clusters = new Set(fleet.clusters.map((c) => c.name));
  findings.push(
    ...allocation.failures.map((failure) => failureFinding(demandOf(failure.request), failure)),
    ...allocation.problems.map((problem) => problemFinding(demandOf(problem.request), problem)),
    ...allocation.conflicts.map((conflict) => conflictFinding(demandOf(conflict.request), conflict)),
    ...releasedFindings(allocation.placements.filter((p) => p.state === "released" && !held(p.cluster)), (cluster) => clusters.has(cluster)),
    ...allocation.releases.flatMap(releaseFindings),
  );
  const byCluster = new Map<string, Placement[]>();
  for (const placement of allocation.placements) byCluster.set(placement.cluster, [...byCluster.get(placement.cluster) ?? [], placement]);
  return { placements: allocation.placements, byCluster, findings };
}

/** The directories the plan holds for one cluster, bound or released. */
export function placementsOf(plan: HostPathPlan, cluster: string): readonly Placement[] {
  return plan.byCluster.get(cluster) ?? [];
}

function storageOrigin(demand: HostPathDemand, ...field: string[]): Origin {
  return { ...demand.storage, path: [...demand.storage.path, ...field] };
}

export function claimName(claim: Claim): string {
  return `${claim.namespace}/${claim.name}`;
}

function releaseCommand(directory: DirectoryRef): string {
  return `clusterc release --pool ${directory.pool} --node ${directory.node} --path ${directory.path}`;
}

function failureFinding(demand: HostPathDemand, { request, nodesWithRoom, keptNodes, apartFrom, blockedBy }: AllocationFailure): Finding {
  const nodes = nodesWithRoom.length > 0 ? ` (${nodesWithRoom.join(", ")})` : "";
  const besides = keptNodes.length > 0 ? ` besides the ${keptNodes.length} that hold its placed replicas (${keptNodes.join(", ")})` : "";
  const apart = apartFrom.length > 0 ? ` and apart from ${apartFrom.join(", ")}` : "";
  const blocked = blockedBy.map(({ component, nodes }) => `; ${nodes.join(", ")} ${nodes.length === 1 ? "has" : "have"} room but ${nodes.length === 1 ? "holds" : "hold"} volumes of ${component}`).join("");
  const lower = apartFrom.length > 0 ? ` or lower the replicas of ${[demand.component, ...apartFrom].join(" or ")}` : " or lower replicas";
  return error(storageOrigin(demand, "hostPath", "pool"), ID,
    `${demand.component}: ${demand.replicas} replicas must be on distinct nodes${apart} but pool ${request.pool.name} has ${nodesWithRoom.length} node(s) with a free directory of ${request.size} or more${nodes}${besides}${blocked}; add nodes or directories to the pool,${lower}`);
}

/** Two volumes whose pods must be apart share a node: the second pod would never schedule, and only the user may move data. */
function conflictFinding(demand: HostPathDemand, { placement, other }: PlacementConflict): Finding {
  const whose = other.component === placement.component ? `another replica of ${other.component}` : `a replica of ${other.component}`;
  return error(storageOrigin(demand, "hostPath", "pool"), ID,
    `${demand.component}: the volume of claim ${claimName(placement.claim)} (${placement.path}) and the volume of claim ${claimName(other.claim)} (${other.path}), ${whose}, are both on node ${placement.node} of pool ${placement.pool}, but their pods must be on different nodes, so one of them can never be scheduled; a placed volume never moves. Move one: delete its claim and PersistentVolume from the cluster, run ${releaseCommand(placement)} and render again to place it anew (it starts empty and takes its data from its peers), or add nodes first if the pool has no room`);
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

/**
 * Released volumes hold their directories until the user frees them: one warning per cluster and
 * pool, at the first directory's line, that says whose they are and gives the one command that frees
 * them all, instead of a long warning per directory on every run.
 */
function releasedFindings(released: readonly Placement[], clusterExists: (cluster: string) => boolean): Finding[] {
  const groups = new Map<string, Placement[]>();
  for (const p of released) groups.set(`${p.cluster}\0${p.pool}`, [...groups.get(`${p.cluster}\0${p.pool}`) ?? [], p]);
  return [...groups.values()].map((placements) => {
    const [first] = placements as [Placement, ...Placement[]];
    const components = [...new Set(placements.map((p) => p.component))].join(", ");
    const whose = clusterExists(first.cluster)
      ? `cluster ${first.cluster} has no replica that claims them any more (${components} scaled down)`
      : `cluster ${first.cluster} is no longer in clusters/`;
    const listed = placements.map((p) => `${p.node}:${p.path}${p.directory ? "" : " (no longer in the pool)"} for claim ${claimName(p.claim)}`).join(", ");
    const command = `node bin/clusterc.js release --pool ${first.pool} ${placements.map((p) => `--node ${p.node} --path ${p.path}`).join(" ")}`;
    return {
      origin: first.directory?.origin ?? first.recorded!,
      severity: "warning" as const,
      ruleId: ID,
      message: `${placements.length} released volume(s) of pool ${first.pool} keep their data and their directories, because ${whose}: ${listed}. Once the data is no longer needed, delete those claims and PersistentVolumes from the cluster and free the directories with: ${command}`,
    };
  });
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

