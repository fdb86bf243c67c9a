import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { HostPathPool } from "../../compiler/fleet/fleet.js";
import type { Placement } from "../../compiler/placement/allocate.js";
import { hostPathDemands } from "../../compiler/placement/demands.js";
import { planHostPaths, type HostPathPlan } from "../../compiler/placement/plan.js";
import type { PlacementRecord } from "../../compiler/placement/record.js";
import { syntheticCluster, type ComponentShape } from "./builds.js";

/**
 * The placement model with relations between components, as the next engines declare them, driven
 * through random edits at the plan level: the same demands and plan that `render` uses, without
 * the files around them.
 */
const COMPONENTS = ["c0", "c1", "c2"];
const CLUSTERS = ["red", "blue"];

/** A relation from one component to another (or to itself), by cluster. */
interface Relation {
  cluster: string;
  from: string;
  to: string;
  level: "required" | "preferred";
}

interface Fleet {
  replicas: Record<string, Record<string, number>>;
  relations: Relation[];
  nodes: number;
}

type Step =
  | { op: "relate"; relation: Relation }
  | { op: "unrelate"; pick: number }
  | { op: "scale"; cluster: string; component: string; replicas: number }
  | { op: "remove"; cluster: string }
  | { op: "grow" }
  | { op: "release"; pick: number };

const relation: fc.Arbitrary<Relation> = fc.record({
  cluster: fc.constantFrom(...CLUSTERS), from: fc.constantFrom(...COMPONENTS), to: fc.constantFrom(...COMPONENTS),
  level: fc.constantFrom("required" as const, "preferred" as const),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant("relate" as const), relation }),
  fc.record({ op: fc.constant("unrelate" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("scale" as const), cluster: fc.constantFrom(...CLUSTERS), component: fc.constantFrom(...COMPONENTS), replicas: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant("remove" as const), cluster: fc.constantFrom(...CLUSTERS) }),
  fc.constant({ op: "grow" as const }),
  fc.record({ op: fc.constant("release" as const), pick: fc.nat() }),
);
const start: fc.Arbitrary<Fleet> = fc.record({
  replicas: fc.constant(Object.fromEntries(CLUSTERS.map((c) => [c, Object.fromEntries(COMPONENTS.map((k) => [k, 1]))]))),
  relations: fc.array(relation, { maxLength: 4 }),
  nodes: fc.integer({ min: 3, max: 6 }),
});

/** Two 10Gi directories per node. */
function poolOf(nodes: number): HostPathPool {
  const origin = { file: "clusters/pool.yaml", doc: 0, path: [] };
  return {
    name: "dc1", origin,
    nodes: Array.from({ length: nodes }, (_, n) => ({
      name: `n${n}`, zone: `z${n % 2}`,
      directories: ["/data/a", "/data/b"].map((path, d) => ({ path, capacity: "10Gi", origin: { ...origin, path: ["spec", "nodes", n, "directories", d] } })),
    })),
  };
}

function plan(fleet: Fleet, previous: readonly PlacementRecord[], release: Placement[] = []): HostPathPlan {
  const pool = poolOf(fleet.nodes);
  const builds = Object.entries(fleet.replicas).map(([cluster, replicas]) => syntheticCluster(cluster, Object.fromEntries(
    Object.entries(replicas).filter(([, n]) => n > 0).map(([component, n]): [string, ComponentShape] => [component, {
      replicas: n, pool: "dc1",
      apart: (sets) => fleet.relations
        .filter((r) => r.cluster === cluster && r.from === component && (replicas[r.to] ?? 0) > 0)
        .map((r) => (r.level === "required" ? { from: sets.replicas(r.to), level: "required" } : { from: sets.replicas(r.to), level: "preferred", weight: 50 })),
    }]))));
  const fleetModel = { clusters: builds.map((b) => b.cluster), pools: new Map([["dc1", pool]]), policies: [] };
  return planHostPaths(builds.flatMap(hostPathDemands), fleetModel, previous, release);
}

function recorded(placements: readonly Placement[]): PlacementRecord[] {
  return placements.map(({ pool, node, path, claim, cluster, component, state, hostPathType }, i) =>
    ({ pool, node, path, claim, cluster, component, state, hostPathType, origin: { file: "rendered/hostpath-placements.yaml", doc: 0, path: ["placements", i] } }));
}

function edited(fleet: Fleet, s: Step): Fleet {
  switch (s.op) {
    case "relate":
      return { ...fleet, relations: [...fleet.relations, s.relation] };
    case "unrelate":
      return { ...fleet, relations: fleet.relations.filter((_, i) => i !== s.pick % Math.max(fleet.relations.length, 1)) };
    case "scale":
      return { ...fleet, replicas: { ...fleet.replicas, [s.cluster]: { ...fleet.replicas[s.cluster] ?? {}, [s.component]: s.replicas } } };
    case "remove": {
      const { [s.cluster]: _, ...rest } = fleet.replicas;
      return { ...fleet, replicas: rest };
    }
    case "grow":
      return { ...fleet, nodes: fleet.nodes + 1 };
    case "release":
      return fleet;
  }
}

/** Whether two components of a cluster must be apart in this fleet: either side said so, or they are one component. */
function mustBeApart(fleet: Fleet, cluster: string, a: string, b: string): boolean {
  return a === b || fleet.relations.some((r) => r.cluster === cluster && r.level === "required" &&
    ((r.from === a && r.to === b) || (r.from === b && r.to === a)) && (fleet.replicas[cluster]?.[r.from] ?? 0) > 0 && (fleet.replicas[cluster]?.[r.to] ?? 0) > 0);
}

const directory = (p: Placement) => `${p.pool}/${p.node}:${p.path}`;
const claim = (p: Placement) => `${p.claim.namespace}/${p.claim.name}`;

describe("placement with relations between components, over random edit sequences", () => {
  it("never moves a placed volume, never shares a directory, and never puts a required-apart pair on one node unreported", () => {
    let steps = 0;
    let conflicts = 0;
    let placedApart = 0;
    fc.assert(fc.property(start, fc.array(step, { minLength: 1, maxLength: 10 }), (initial, edits) => {
      // GIVEN a fleet placed from scratch
      let fleet = initial;
      let current = plan(fleet, []);
      for (const s of edits) {
        steps++;
        // WHEN one edit is planned on top of the last plan's placements (as the state file hands them on)
        const next = edited(fleet, s);
        const held = current.placements;
        const freed = s.op === "release" ? held.filter((p) => p.state === "released")[s.pick % Math.max(held.length, 1)] : undefined;
        const result = plan(next, recorded(held), freed ? [freed] : []);
        const after = new Map(result.placements.map((p) => [claim(p), p]));
        // THEN nothing placed moved, only the released directory is gone
        for (const before of held) {
          if (freed && claim(before) === claim(freed)) assert.equal(after.get(claim(before)), undefined);
          else assert.equal(after.get(claim(before)) && directory(after.get(claim(before))!), directory(before), `${claim(before)} moved`);
        }
        // AND no directory is held twice
        assert.equal(new Set(result.placements.map(directory)).size, result.placements.length);
        // AND a bound pair that must be apart shares a node only when both were placed before, and is then reported
        const bound = result.placements.filter((p) => p.state === "bound");
        const previouslyPlaced = new Set(held.map(claim));
        for (const [i, a] of bound.entries()) {
          for (const b of bound.slice(i + 1)) {
            if (a.cluster !== b.cluster || !mustBeApart(next, a.cluster, a.component, b.component)) continue;
            if (a.node !== b.node) {
              if (a.component !== b.component) placedApart++;
              continue;
            }
            conflicts++;
            assert.ok(previouslyPlaced.has(claim(a)) && previouslyPlaced.has(claim(b)), `new volume ${claim(a)} or ${claim(b)} placed beside one it must avoid`);
            assert.ok(result.findings.some((f) => f.severity === "error" && f.message.includes(a.claim.name) && f.message.includes(b.claim.name)),
              `${claim(a)} and ${claim(b)} share node ${a.node} unreported`);
          }
        }
        fleet = next;
        current = result;
      }
    }), { seed: 1111, numRuns: 150 });
    // AND the runs exercised relations between components, both kept apart and in conflict
    assert.ok(placedApart > steps / 4, `${placedApart} pairs of components placed apart in ${steps} steps`);
    assert.ok(conflicts > 0, "no run added a relation between volumes already on one node");
  });
});

describe("placement with relations between components, by example", () => {
  const antdb = (nodes: number, dn: number, ds: number) => plan({
    replicas: { adb: { c0: dn, c1: ds } },
    relations: [{ cluster: "adb", from: "c0", to: "c1", level: "required" }],
    nodes,
  }, []);

  it("keeps the volumes of two required-apart components on different nodes, whichever side declared it", () => {
    const { placements, findings } = antdb(4, 2, 2);
    assert.deepEqual(findings, []);
    const nodesOf = (component: string) => new Set(placements.filter((p) => p.component === component).map((p) => p.node));
    assert.equal([...nodesOf("c0")].filter((n) => nodesOf("c1").has(n)).length, 0);
  });

  it("names every component involved, the replicas and the nodes that could hold them when the pool is too small", () => {
    // GIVEN 3 nodes, 2 replicas of c0 and 2 of c1 that must be apart from c0: c1 finds one node without c0
    const { findings } = antdb(3, 2, 2);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.message,
      "c1: 2 replicas must be on distinct nodes and apart from c0 but pool dc1 has 1 node(s) with a free directory of 10Gi or more (n2); n0, n1 have room but hold volumes of c0; add nodes or directories to the pool, or lower the replicas of c1 or c0");
    assert.deepEqual(findings[0]!.origin.path, ["spec", "c1", "storage", "hostPath", "pool"]);
  });

  it("shares a node between preferred-apart components only when the pool leaves no other choice", () => {
    const gtm = (nodes: number) => plan({ replicas: { adb: { c0: 1, c1: 1 } }, relations: [{ cluster: "adb", from: "c0", to: "c1", level: "preferred" }], nodes }, []);
    const spread = gtm(3).placements;
    assert.notEqual(spread[0]!.node, spread[1]!.node);
  });

  it("reports, at the spec line, two placed volumes that a new relation keeps apart, and moves neither", () => {
    // GIVEN c0 and c1 of one replica each, placed on one node before any relation held (one node in the pool)
    const before = plan({ replicas: { adb: { c0: 1, c1: 1 } }, relations: [], nodes: 1 }, []);
    assert.equal(before.placements[0]!.node, before.placements[1]!.node);
    // WHEN c1 becomes required apart from c0
    const after = plan({ replicas: { adb: { c0: 1, c1: 1 } }, relations: [{ cluster: "adb", from: "c1", to: "c0", level: "required" }], nodes: 3 }, recorded(before.placements));
    // THEN both stay, and the conflict is an error that says how to move one
    assert.deepEqual(after.placements.map(directory), before.placements.map(directory));
    const conflict = after.findings.filter((f) => f.severity === "error");
    assert.equal(conflict.length, 1);
    assert.match(conflict[0]!.message, /^c1: the volume of claim adb\/data-adb-c1-0 \(\/data\/[ab]\) and the volume of claim adb\/data-adb-c0-0 \(\/data\/[ab]\), a replica of c0, are both on node n0 of pool dc1, but their pods must be on different nodes/);
    assert.match(conflict[0]!.message, /clusterc release --pool dc1 --node n0 --path \/data\/[ab]/);
    assert.deepEqual(conflict[0]!.origin.path, ["spec", "c1", "storage", "hostPath", "pool"]);
  });
});
