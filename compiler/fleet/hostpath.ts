import type { Origin } from "../diagnostics.js";
import { compareQuantities } from "../quantity.js";
import type { Claim, PlacementEntry, PlacementRecord } from "../source/placements.js";
import type { HostPathPool, PoolDirectory } from "./fleet.js";

/** The volumes one component needs from a pool: one per replica, each on a different node. */
export interface VolumeRequest {
  cluster: string;
  component: string;
  pool: HostPathPool;
  size: string;
  /** The claim each replica's StatefulSet creates, by ordinal. */
  claims: Claim[];
  /** Directories new volumes may use, from the cluster's policies (`hostPath.allowedPrefixes`); any when absent. */
  allowedPrefixes?: readonly string[];
}

/** Whether `directory` is one of `prefixes` or under one; `/data/` and `/data` both allow `/data/pv`. */
export function isUnderPrefix(directory: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => {
    const base = prefix.replace(/\/+$/, "");
    return directory === base || directory.startsWith(base + "/");
  });
}

/** A directory of a pool, as a user names it to `clusterc release`. */
export interface DirectoryRef {
  pool: string;
  node: string;
  path: string;
}

/** A directory held for a claim: bound to a current replica, or released and kept for its data. */
export interface Placement extends PlacementEntry {
  /** The pool's entry for the directory; absent when the pool no longer lists it. */
  directory?: PoolDirectory;
  /** The state-file entry of the last render; absent for a placement made now. */
  recorded?: Origin;
}

/** Why a placed volume no longer suits the claim that keeps it. It stays where it is all the same. */
export type ProblemReason = "vanished" | "too-small" | "other-pool";

export interface PlacementProblem {
  placement: Placement;
  request: VolumeRequest;
  reason: ProblemReason;
}

export interface AllocationFailure {
  request: VolumeRequest;
  /** Nodes, other than those of its kept replicas, that still had a free directory big enough. */
  nodesWithRoom: string[];
  /** Nodes that hold the request's replicas placed by earlier renders. */
  keptNodes: string[];
}

/** What became of a directory `clusterc release` named. "refused": a current replica's volume is there and fits. */
export type ReleaseOutcome =
  | { outcome: "freed"; directory: DirectoryRef; record: PlacementRecord }
  | { outcome: "refused"; directory: DirectoryRef; placement: Placement }
  | { outcome: "unknown"; directory: DirectoryRef };

export interface Allocation {
  /** Every directory held after this render, bound or released. */
  placements: Placement[];
  failures: AllocationFailure[];
  problems: PlacementProblem[];
  /** One per directory asked to be released, in the order asked. */
  releases: ReleaseOutcome[];
}

/**
 * Places every requested volume on a directory of its pool, keeping what earlier renders placed.
 *
 * A previous placement stays where it is for as long as the state file holds it: bound while its claim
 * is requested, released otherwise (cluster removed, component scaled down), still holding the
 * directory. One that no longer suits its claim (directory gone from the pool, too small, another
 * pool asked for) is reported as a problem and still not moved. Only `release` drops placements,
 * and never one a current replica keeps and fits.
 *
 * New claims take free directories: replicas of one component on distinct nodes, counting the nodes
 * of its kept replicas; among nodes with room, one in the zone the component uses least wins (when
 * the pool names zones), then the least loaded one, then the smallest directory that fits, so the
 * layout is spread and deterministic for a given request order. A request whose new
 * claims cannot all be placed is reported and places none of them.
 */
export function allocateVolumes(
  requests: readonly VolumeRequest[],
  pools: ReadonlyMap<string, HostPathPool>,
  previous: readonly PlacementRecord[] = [],
  release: readonly DirectoryRef[] = [],
): Allocation {
  const requestOf = new Map(requests.flatMap((request) => request.claims.map((claim) => [claimKey(claim), request] as const)));
  const held = new Set<string>();
  const placedClaims = new Set<string>();
  const keptNodes = new Map<VolumeRequest, string[]>();
  const load = new Map<string, number>();
  const placements: Placement[] = [];
  const problems: PlacementProblem[] = [];
  const failures: AllocationFailure[] = [];
  const releases = new Map(release.map((directory): [string, ReleaseOutcome] => [directoryKey(directory), { outcome: "unknown", directory }]));
  const loadOf = (pool: string, node: string) => load.get(nodeKey(pool, node)) ?? 0;
  const hold = (placement: Placement) => {
    placements.push(placement);
    held.add(directoryKey(placement));
    placedClaims.add(claimKey(placement.claim));
    load.set(nodeKey(placement.pool, placement.node), loadOf(placement.pool, placement.node) + 1);
  };

  for (const record of previous) {
    const request = requestOf.get(claimKey(record.claim));
    const placement = carriedOver(record, request, pools);
    const reason = request && problemOf(placement, request);
    const asked = releases.get(directoryKey(record));
    if (asked) {
      const keeps = request !== undefined && reason === undefined;
      releases.set(directoryKey(record), keeps ? { ...asked, outcome: "refused", placement } : { ...asked, outcome: "freed", record });
      if (!keeps) continue;
    }
    if (request && reason) problems.push({ placement, request, reason });
    if (request && placement.pool === request.pool.name) keptNodes.set(request, [...(keptNodes.get(request) ?? []), placement.node]);
    hold(placement);
  }

  for (const request of requests) {
    const pool = request.pool;
    const fresh = request.claims.filter((claim) => !placedClaims.has(claimKey(claim)));
    if (fresh.length === 0) continue;
    const kept = keptNodes.get(request) ?? [];
    const free = (node: HostPathPool["nodes"][number]) => node.directories.filter((d) =>
      !held.has(directoryKey({ pool: pool.name, node: node.name, path: d.path })) && compareQuantities(d.capacity, request.size) >= 0 &&
      (request.allowedPrefixes === undefined || isUnderPrefix(d.path, request.allowedPrefixes)));
    const nodesWithRoom = pool.nodes.filter((node) => !kept.includes(node.name) && free(node).length > 0);
    if (nodesWithRoom.length < fresh.length) {
      failures.push({ request, nodesWithRoom: nodesWithRoom.map((n) => n.name), keptNodes: kept });
      continue;
    }
    const used = new Set<string>();
    const zoneUse = new Map<string | undefined, number>();
    for (const name of kept) {
      const zone = pool.nodes.find((n) => n.name === name)?.zone;
      zoneUse.set(zone, (zoneUse.get(zone) ?? 0) + 1);
    }
    const preference = (n: HostPathPool["nodes"][number]) => [n.zone === undefined ? 0 : zoneUse.get(n.zone) ?? 0, loadOf(pool.name, n.name)] as const;
    for (const claim of fresh) {
      const node = nodesWithRoom
        .filter((n) => !used.has(n.name))
        .reduce((best, n) => {
          const [zone, load] = preference(n);
          const [bestZone, bestLoad] = preference(best);
          return zone < bestZone || (zone === bestZone && load < bestLoad) ? n : best;
        });
      zoneUse.set(node.zone, (zoneUse.get(node.zone) ?? 0) + 1);
      const directory = free(node).reduce((best, d) => (compareQuantities(d.capacity, best.capacity) < 0 ? d : best));
      used.add(node.name);
      hold({
        pool: pool.name, node: node.name, path: directory.path, claim, cluster: request.cluster, component: request.component,
        state: "bound", directory,
      });
    }
  }

  return { placements, failures, problems, releases: [...releases.values()] };
}

/** A previous placement as this render sees it: bound to its requester, or released. */
function carriedOver(record: PlacementRecord, request: VolumeRequest | undefined, pools: ReadonlyMap<string, HostPathPool>): Placement {
  const node = pools.get(record.pool)?.nodes.find((n) => n.name === record.node);
  const directory = node?.directories.find((d) => d.path === record.path);
  return {
    pool: record.pool,
    node: record.node,
    path: record.path,
    claim: record.claim,
    cluster: request?.cluster ?? record.cluster,
    component: request?.component ?? record.component,
    state: request ? "bound" : "released",
    ...(directory && { directory }),
    recorded: record.origin,
  };
}

function problemOf(placement: Placement, request: VolumeRequest): ProblemReason | undefined {
  if (placement.pool !== request.pool.name) return "other-pool";
  if (!placement.directory) return "vanished";
  if (compareQuantities(placement.directory.capacity, request.size) < 0) return "too-small";
  return undefined;
}

function claimKey(claim: Claim): string {
  return `${claim.namespace}/${claim.name}`;
}

/** No valid pool, node or path name holds a NUL, so keys of different directories never collide. */
function directoryKey(directory: DirectoryRef): string {
  return `${directory.pool}\0${directory.node}\0${directory.path}`;
}

function nodeKey(pool: string, node: string): string {
  return `${pool}\0${node}`;
}
