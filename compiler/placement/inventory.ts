import type { HostPathPool } from "../fleet/fleet.js";
import { compareQuantities } from "../quantity.js";
import { compareText } from "../text-order.js";
import { zoneOf, type Placement } from "./allocate.js";
import { claimOrdinal } from "./record.js";

/** Who holds a directory: a current replica's claim (bound), or a claim no replica has any more whose data it keeps (released). */
export interface Holder {
  cluster: string;
  component: string;
  ordinal: number;
  /** namespace/name of the PersistentVolumeClaim. */
  claim: string;
  state: "bound" | "released";
}

export interface DirectoryUse {
  path: string;
  /** Absent for a held directory the pool no longer lists. */
  capacity?: string;
  holder?: Holder;
}

export interface NodeUse {
  name: string;
  zone?: string;
  /** The pool's directories in its order, then held ones it no longer lists. */
  directories: DirectoryUse[];
}

export interface PoolUse {
  name: string;
  nodes: NodeUse[];
  bound: number;
  released: number;
  free: number;
  /** For each capacity a free directory offers, largest first: how many nodes have a free directory that big or bigger. */
  room: { capacity: string; nodes: number }[];
}

export interface ReplicaUse {
  ordinal: number;
  pool: string;
  node: string;
  zone?: string;
  path: string;
  state: "bound" | "released";
}

export interface ComponentSpread {
  component: string;
  replicas: ReplicaUse[];
  /** Distinct nodes and zones of its bound replicas. */
  nodes: number;
  zones: number;
}

export interface ClusterSpread {
  cluster: string;
  components: ComponentSpread[];
}

/** Every pool with who holds each directory and what is free, and how each cluster's hostPath replicas spread. */
export interface Inventory {
  pools: PoolUse[];
  clusters: ClusterSpread[];
}

function holderOf(placement: Placement): Holder {
  return {
    cluster: placement.cluster, component: placement.component, ordinal: claimOrdinal(placement.claim),
    claim: `${placement.claim.namespace}/${placement.claim.name}`, state: placement.state,
  };
}

export function inventoryOf(pools: ReadonlyMap<string, HostPathPool>, placements: readonly Placement[]): Inventory {
  const held = new Map(placements.map((p) => [`${p.pool}\0${p.node}\0${p.path}`, p]));
  const poolUses = [...pools.values()].sort((a, b) => compareText(a.name, b.name)).map((pool): PoolUse => {
    const nodes = pool.nodes.map((node): NodeUse => {
      const listed = new Set(node.directories.map((d) => d.path));
      const holderAt = (path: string) => held.get(`${pool.name}\0${node.name}\0${path}`);
      const unlisted = placements.filter((p) => p.pool === pool.name && p.node === node.name && !listed.has(p.path));
      return {
        name: node.name,
        ...(node.zone !== undefined && { zone: node.zone }),
        directories: [
          ...node.directories.map((d) => {
            const holder = holderAt(d.path);
            return { path: d.path, capacity: d.capacity, ...(holder && { holder: holderOf(holder) }) };
          }),
          ...unlisted.map((p) => ({ path: p.path, holder: holderOf(p) })),
        ],
      };
    });
    const all = nodes.flatMap((n) => n.directories);
    return {
      name: pool.name,
      nodes,
      bound: all.filter((d) => d.holder?.state === "bound").length,
      released: all.filter((d) => d.holder?.state === "released").length,
      free: all.filter((d) => !d.holder).length,
      room: roomOf(nodes),
    };
  });
  return { pools: poolUses, clusters: spreadOf(pools, placements) };
}

function roomOf(nodes: readonly NodeUse[]): PoolUse["room"] {
  const largestFree = nodes.map((n) => n.directories.filter((d) => !d.holder && d.capacity !== undefined).map((d) => d.capacity!)
    .reduce<string | undefined>((best, c) => (best === undefined || compareQuantities(c, best) > 0 ? c : best), undefined));
  const capacities = [...new Set(largestFree.filter((c): c is string => c !== undefined))].sort((a, b) => compareQuantities(b, a));
  return capacities.map((capacity) => ({ capacity, nodes: largestFree.filter((c) => c !== undefined && compareQuantities(c, capacity) >= 0).length }));
}

function spreadOf(pools: ReadonlyMap<string, HostPathPool>, placements: readonly Placement[]): ClusterSpread[] {
  const byComponent = new Map<string, Map<string, Placement[]>>();
  for (const p of placements) {
    const components = byComponent.get(p.cluster) ?? byComponent.set(p.cluster, new Map()).get(p.cluster)!;
    components.set(p.component, [...components.get(p.component) ?? [], p]);
  }
  return [...byComponent].sort(([a], [b]) => compareText(a, b)).map(([cluster, components]) => ({
    cluster,
    components: [...components].sort(([a], [b]) => compareText(a, b)).map(([component, list]): ComponentSpread => {
      const replicas = list.map((p): ReplicaUse => {
        const zone = zoneOf(pools, p);
        return { ordinal: claimOrdinal(p.claim), pool: p.pool, node: p.node, ...(zone !== undefined && { zone }), path: p.path, state: p.state };
      }).sort((a, b) => a.ordinal - b.ordinal);
      const bound = replicas.filter((r) => r.state === "bound");
      return {
        component, replicas,
        nodes: new Set(bound.map((r) => `${r.pool}\0${r.node}`)).size,
        zones: new Set(bound.flatMap((r) => (r.zone === undefined ? [] : [r.zone]))).size,
      };
    }),
  }));
}
