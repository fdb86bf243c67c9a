import { compareQuantities } from "../quantity.js";
import type { HostPathPool, PoolDirectory } from "./fleet.js";

/** The volumes one component needs from a pool: one per replica, each on a different node. */
export interface VolumeRequest {
  /** `<cluster>/<component>`, for messages and stable ordering. */
  key: string;
  pool: HostPathPool;
  size: string;
  /** The claim each replica's StatefulSet creates, by ordinal. */
  claims: { namespace: string; name: string }[];
}

export interface Placement {
  claim: { namespace: string; name: string };
  node: string;
  zone?: string;
  directory: PoolDirectory;
}

export interface AllocationFailure {
  request: VolumeRequest;
  /** Nodes that still had a free directory big enough when the request was considered. */
  nodesWithRoom: string[];
}

/**
 * Places every requested volume on a directory of its pool. Replicas of one component land on
 * distinct nodes (a node failure takes out at most one of them); a directory is handed to at most one
 * claim. Among nodes with room, the least loaded one wins, then the smallest directory that fits: so
 * the layout is spread and deterministic for a given request order. A request that cannot be placed
 * whole is reported and places nothing.
 */
export function allocateVolumes(requests: readonly VolumeRequest[]): { placements: Placement[]; failures: AllocationFailure[] } {
  const taken = new Set<PoolDirectory>();
  const load = new Map<string, number>();
  const placements: Placement[] = [];
  const failures: AllocationFailure[] = [];
  for (const request of requests) {
    const free = (dirs: readonly PoolDirectory[]) =>
      dirs.filter((d) => !taken.has(d) && compareQuantities(d.capacity, request.size) >= 0);
    const nodesWithRoom = request.pool.nodes.filter((node) => free(node.directories).length > 0);
    if (nodesWithRoom.length < request.claims.length) {
      failures.push({ request, nodesWithRoom: nodesWithRoom.map((n) => n.name) });
      continue;
    }
    const used = new Set<string>();
    for (const claim of request.claims) {
      const node = nodesWithRoom
        .filter((n) => !used.has(n.name))
        .reduce((best, n) => ((load.get(nodeKey(request.pool, n.name)) ?? 0) < (load.get(nodeKey(request.pool, best.name)) ?? 0) ? n : best));
      const directory = free(node.directories).reduce((best, d) => (compareQuantities(d.capacity, best.capacity) < 0 ? d : best));
      used.add(node.name);
      taken.add(directory);
      load.set(nodeKey(request.pool, node.name), (load.get(nodeKey(request.pool, node.name)) ?? 0) + 1);
      placements.push({ claim, node: node.name, ...(node.zone !== undefined && { zone: node.zone }), directory });
    }
  }
  return { placements, failures };
}

function nodeKey(pool: HostPathPool, node: string): string {
  return `${pool.name}/${node}`;
}
