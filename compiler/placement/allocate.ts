import type { Origin } from "../diagnostics.js";
import { compareQuantities } from "../quantity.js";
import { compareText } from "../text-order.js";
import type { HostPathPool, PoolDirectory, PoolNode } from "../fleet/fleet.js";
import { NEW_HOSTPATH_TYPE, type Claim, type PlacementEntry, type PlacementRecord } from "./record.js";

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
  /** Components of the same cluster its volumes never share a node with (either side may say so). */
  apartFrom: readonly string[];
  /** Components of the same cluster its volumes avoid where the pool allows. */
  preferApartFrom: readonly string[];
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
  /** Nodes, other than those of its kept replicas and of the components it is apart from, that still had a free directory big enough. */
  nodesWithRoom: string[];
  /** Nodes that hold the request's replicas placed by earlier renders. */
  keptNodes: string[];
  /** The other components of its cluster it must be apart from, whichever side declared it. */
  apartFrom: string[];
  /** Nodes with room that hold a volume of a component the request must be apart from, by component. */
  blockedBy: { component: string; nodes: string[] }[];
}

/** Two volumes of one cluster on one node whose pods must be apart: placed before the relation held, and never moved. */
export interface PlacementConflict {
  request: VolumeRequest;
  /** The request's volume, and the one it must not share the node with. */
  placement: Placement;
  other: Placement;
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
  conflicts: PlacementConflict[];
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
 * Two bound volumes of one cluster on one node whose pods must be apart (a relation that came after
 * they were placed) are reported as a conflict and stay where they are too.
 *
 * New claims take free directories on nodes that hold no bound volume of a component they must be
 * apart from: their own component's (replicas of one component on distinct nodes, counting its kept
 * replicas) and any other the cluster's engine or policy keeps apart, whichever side declared it.
 * Among nodes with room, one in the zone the component uses least wins (when the pool names zones),
 * then one with the fewest volumes of components it should avoid, then the least loaded one, then
 * the smallest directory that fits, so the layout is spread and deterministic for a given request
 * order. A request whose new claims cannot all be placed is reported and places none of them.
 *
 * The placements of a cluster `isHeld` says is held (one whose spec has errors, so it asks for nothing this run)
 * keep the state they were recorded with: its directories stay its own, bound or released as before.
 */
export function allocateVolumes(
  requests: readonly VolumeRequest[],
  pools: ReadonlyMap<string, HostPathPool>,
  previous: readonly PlacementRecord[] = [],
  release: readonly DirectoryRef[] = [],
  isHeld: (cluster: string) => boolean = () => false,
): Allocation {
  const requestOf = new Map(requests.flatMap((request) => request.claims.map((claim) => [claimKey(claim), request] as const)));
  const relations = relationsOf(requests);
  const held = new Set<string>();
  const placedClaims = new Set<string>();
  const keptNodes = new Map<VolumeRequest, string[]>();
  const load = new Map<string, number>();
  const onNode = new Map<string, Placement[]>();
  const placements: Placement[] = [];
  const problems: PlacementProblem[] = [];
  const failures: AllocationFailure[] = [];
  const releases = new Map(release.map((directory): [string, ReleaseOutcome] => [directoryKey(directory), { outcome: "unknown", directory }]));
  const loadOf = (pool: string, node: string) => load.get(nodeKey(pool, node)) ?? 0;
  const hold = (placement: Placement) => {
    placements.push(placement);
    held.add(directoryKey(placement));
    placedClaims.add(claimKey(placement.claim));
    const key = nodeKey(placement.pool, placement.node);
    load.set(key, loadOf(placement.pool, placement.node) + 1);
    onNode.set(key, [...onNode.get(key) ?? [], placement]);
  };
  /** The volumes of the request's cluster on a node of its pool whose component is in `components`. */
  const volumesOn = (request: VolumeRequest, node: string, components: ReadonlySet<string>) =>
    (onNode.get(nodeKey(request.pool.name, node)) ?? []).filter((p) => p.cluster === request.cluster && components.has(p.component));

  for (const record of previous) {
    const request = requestOf.get(claimKey(record.claim));
    const placement = carriedOver(record, request, pools, isHeld(record.cluster));
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
  const conflicts = keptConflicts(onNode, relations, requestOf);

  for (const request of requests) {
    const pool = request.pool;
    const fresh = request.claims.filter((claim) => !placedClaims.has(claimKey(claim)));
    if (fresh.length === 0) continue;
    const kept = keptNodes.get(request) ?? [];
    const mustAvoid = relations.required(request.cluster, request.component);
    const shouldAvoid = relations.preferred(request.cluster, request.component);
    const blockers = (node: PoolNode) => volumesOn(request, node.name, mustAvoid).filter((p) => p.state === "bound");
    const free = (node: PoolNode) => node.directories.filter((d) =>
      !held.has(directoryKey({ pool: pool.name, node: node.name, path: d.path })) && compareQuantities(d.capacity, request.size) >= 0 &&
      (request.allowedPrefixes === undefined || isUnderPrefix(d.path, request.allowedPrefixes)));
    const withRoom = pool.nodes.filter((node) => free(node).length > 0);
    const nodesWithRoom = withRoom.filter((node) => blockers(node).length === 0);
    if (nodesWithRoom.length < fresh.length) {
      const apartFrom = [...mustAvoid].filter((c) => c !== request.component).sort(compareText);
      failures.push({ request, nodesWithRoom: nodesWithRoom.map((n) => n.name), keptNodes: kept, apartFrom, blockedBy: blockedBy(request, withRoom, blockers) });
      continue;
    }
    const used = new Set<string>();
    const zoneUse = new Map<string | undefined, number>();
    for (const name of kept) {
      const zone = pool.nodes.find((n) => n.name === name)?.zone;
      zoneUse.set(zone, (zoneUse.get(zone) ?? 0) + 1);
    }
    const preference = (n: PoolNode) =>
      [n.zone === undefined ? 0 : zoneUse.get(n.zone) ?? 0, volumesOn(request, n.name, shouldAvoid).length, loadOf(pool.name, n.name)] as const;
    for (const claim of fresh) {
      const node = nodesWithRoom
        .filter((n) => !used.has(n.name))
        .reduce((best, n) => (isBefore(preference(n), preference(best)) ? n : best));
      zoneUse.set(node.zone, (zoneUse.get(node.zone) ?? 0) + 1);
      const directory = free(node).reduce((best, d) => (compareQuantities(d.capacity, best.capacity) < 0 ? d : best));
      used.add(node.name);
      hold({
        pool: pool.name, node: node.name, path: directory.path, claim, cluster: request.cluster, component: request.component,
        state: "bound", hostPathType: NEW_HOSTPATH_TYPE, directory,
      });
    }
  }

  return { placements, failures, problems, conflicts, releases: [...releases.values()] };
}

/** Whether preference `a` ranks before `b`: compared element by element, lower first. */
function isBefore(a: readonly number[], b: readonly number[]): boolean {
  const i = a.findIndex((value, k) => value !== b[k]);
  return i !== -1 && a[i]! < b[i]!;
}

/** Who must, and who should, be apart from whom within each cluster: symmetric, and every component apart from its own replicas. */
interface Relations {
  required(cluster: string, component: string): ReadonlySet<string>;
  preferred(cluster: string, component: string): ReadonlySet<string>;
}

function relationsOf(requests: readonly VolumeRequest[]): Relations {
  const required = new Map<string, Set<string>>();
  const preferred = new Map<string, Set<string>>();
  const relate = (relation: Map<string, Set<string>>, cluster: string, a: string, b: string) => {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const key = componentKey(cluster, from);
      relation.set(key, (relation.get(key) ?? new Set([from])).add(to));
    }
  };
  for (const request of requests) {
    relate(required, request.cluster, request.component, request.component);
    for (const other of request.apartFrom) relate(required, request.cluster, request.component, other);
    for (const other of request.preferApartFrom) relate(preferred, request.cluster, request.component, other);
  }
  const none = new Set<string>();
  return {
    required: (cluster, component) => required.get(componentKey(cluster, component)) ?? new Set([component]),
    preferred: (cluster, component) => preferred.get(componentKey(cluster, component)) ?? none,
  };
}

/** Pairs of bound volumes on one node whose components must be apart; each pair once, blamed on the later placement. */
function keptConflicts(onNode: ReadonlyMap<string, Placement[]>, relations: Relations, requestOf: ReadonlyMap<string, VolumeRequest>): PlacementConflict[] {
  const conflicts: PlacementConflict[] = [];
  for (const placements of onNode.values()) {
    // a held cluster's volumes are bound without a request this run: nothing to judge them against
    const bound = placements.filter((p) => p.state === "bound" && requestOf.has(claimKey(p.claim)));
    bound.forEach((placement, i) => {
      for (const other of bound.slice(0, i)) {
        if (other.cluster !== placement.cluster || !relations.required(placement.cluster, placement.component).has(other.component)) continue;
        conflicts.push({ request: requestOf.get(claimKey(placement.claim))!, placement, other });
      }
    });
  }
  return conflicts;
}

/** The other components whose volumes keep a request off nodes that have room, with those nodes. */
function blockedBy(request: VolumeRequest, withRoom: readonly PoolNode[], blockers: (node: PoolNode) => Placement[]): AllocationFailure["blockedBy"] {
  const nodesOf = new Map<string, string[]>();
  for (const node of withRoom) {
    for (const component of new Set(blockers(node).map((p) => p.component))) {
      if (component !== request.component) nodesOf.set(component, [...nodesOf.get(component) ?? [], node.name]);
    }
  }
  return [...nodesOf].sort(([a], [b]) => compareText(a, b)).map(([component, nodes]) => ({ component, nodes }));
}

/** The zone of the node that holds a directory, as its pool names it; undefined where the pool names none. */
export function zoneOf(pools: ReadonlyMap<string, HostPathPool>, directory: { pool: string; node: string }): string | undefined {
  return pools.get(directory.pool)?.nodes.find((n) => n.name === directory.node)?.zone;
}

/** A previous placement as this render sees it: bound to its requester, released, or as recorded while its cluster is held. */
function carriedOver(record: PlacementRecord, request: VolumeRequest | undefined, pools: ReadonlyMap<string, HostPathPool>, held: boolean): Placement {
  const node = pools.get(record.pool)?.nodes.find((n) => n.name === record.node);
  const directory = node?.directories.find((d) => d.path === record.path);
  return {
    pool: record.pool,
    node: record.node,
    path: record.path,
    claim: record.claim,
    cluster: request?.cluster ?? record.cluster,
    component: request?.component ?? record.component,
    state: request ? "bound" : held ? record.state : "released",
    hostPathType: record.hostPathType,
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

function componentKey(cluster: string, component: string): string {
  return `${cluster}\0${component}`;
}
