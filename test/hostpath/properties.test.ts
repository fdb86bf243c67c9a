import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CACHE_DIR } from "../../compiler/cache.js";
import type { PlacementEntry } from "../../compiler/placement/record.js";
import { tempProject } from "../helpers.js";
import { claimOf, clusterc, clusterYaml, poolYaml, stateOf, volumesOf, writeClusters, type ClusterShape, type PoolShape, type Tree } from "./fleet.js";

/** Names on both sides of the first cluster's, so an added cluster is often placed before existing ones. */
const NAMES = ["aaa", "beta", "mid", "omega", "zed"];

interface Fleet {
  clusters: Record<string, ClusterShape>;
  pool: PoolShape;
  /** How the specs are spread over files: all in one file in this order, or one file each, named in this order. */
  files: { single: boolean; order: string[] };
}

type Step =
  | { op: "add"; name: string; pd: number; tikv: number }
  | { op: "remove"; pick: number }
  | { op: "scale"; pick: number; component: "pd" | "tikv"; replicas: number }
  | { op: "edit"; pick: number }
  | { op: "reorder"; single: boolean; seed: number }
  | { op: "grow"; pick: number; newNode: boolean; capacity: string }
  | { op: "release"; pick: number };

const replicas = fc.integer({ min: 1, max: 4 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), name: fc.constantFrom(...NAMES), pd: replicas, tikv: replicas }),
  fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("scale" as const), pick: fc.nat(), component: fc.constantFrom("pd" as const, "tikv" as const), replicas }),
  fc.record({ op: fc.constant("edit" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("reorder" as const), single: fc.boolean(), seed: fc.nat() }),
  fc.record({ op: fc.constant("grow" as const), pick: fc.nat(), newNode: fc.boolean(), capacity: fc.constantFrom("20Gi", "100Gi") }),
  fc.record({ op: fc.constant("release" as const), pick: fc.nat() }),
);

const STEPS = fc.array(step, { minLength: 1, maxLength: 8 });

const START: Fleet = {
  clusters: { mid: { pd: 3, tikv: 3 } },
  pool: Object.fromEntries(["n1", "n2", "n3", "n4"].map((n) => [n, [["/data/pv/a", "100Gi"], ["/data/pv/b", "100Gi"], ["/data/pv/c", "20Gi"]]])),
  files: { single: false, order: ["mid"] },
};

/** The fleet after a spec edit; a release is not a spec edit and leaves it as it is. */
function edited(fleet: Fleet, s: Step): Fleet {
  const names = Object.keys(fleet.clusters).sort();
  const picked = names.length > 0 ? names[("pick" in s ? s.pick : 0) % names.length] : undefined;
  const clusters = { ...fleet.clusters };
  const pool = { ...fleet.pool };
  let files = fleet.files;
  switch (s.op) {
    case "add":
      if (clusters[s.name]) return fleet;
      clusters[s.name] = { pd: s.pd, tikv: s.tikv };
      files = { ...files, order: [...files.order, s.name] };
      break;
    case "remove":
      if (!picked) return fleet;
      delete clusters[picked];
      files = { ...files, order: files.order.filter((n) => n !== picked) };
      break;
    case "scale":
      if (!picked) return fleet;
      clusters[picked] = { ...clusters[picked]!, [s.component]: s.replicas };
      break;
    case "edit":
      if (!picked) return fleet;
      clusters[picked] = { ...clusters[picked]!, version: clusters[picked]!.version === "v7.5.2" ? "v7.5.1" : "v7.5.2" };
      break;
    case "reorder": {
      const order = [...files.order];
      for (let i = order.length - 1; i > 0; i--) {
        const j = (s.seed + i * 7) % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      files = { single: s.single, order };
      break;
    }
    case "grow": {
      const nodes = Object.keys(pool);
      if (s.newNode) {
        pool[`n${nodes.length + 1}`] = [["/data/pv/a", s.capacity]];
      } else {
        const node = nodes[s.pick % nodes.length]!;
        pool[node] = [...pool[node]!, [`/data/pv/x${pool[node]!.length}`, s.capacity]];
      }
      break;
    }
    case "release":
      return fleet;
  }
  return { clusters, pool, files };
}

/** What a step runs: `clusterc release` of a released directory it picks, or a render after its edit. */
function commandOf(files: Tree, s: Step): { args: string[]; freed?: PlacementEntry } {
  const releasable = stateOf(files).filter((e) => e.state === "released");
  const freed = s.op === "release" && releasable.length > 0 ? releasable[s.pick % releasable.length] : undefined;
  return freed ? { args: ["release", "--pool", freed.pool, "--node", freed.node, "--path", freed.path], freed } : { args: ["render"] };
}

function specFiles(fleet: Fleet): Record<string, string> {
  const docs = fleet.files.order.map((name) => clusterYaml(name, fleet.clusters[name]!));
  if (fleet.files.single) return { "all.yaml": [poolYaml(fleet.pool), ...docs].join("---\n") };
  return Object.fromEntries([["pool.yaml", poolYaml(fleet.pool)], ...fleet.files.order.map((name, i) => [`${i}-${name}.yaml`, docs[i]!])]);
}

/** namespace/name of every claim the fleet's StatefulSets create on the pool. */
function requestedClaims(fleet: Fleet): Set<string> {
  return new Set(Object.entries(fleet.clusters).flatMap(([name, shape]) =>
    (["pd", "tikv"] as const).flatMap((component) =>
      Array.from({ length: shape[component] ?? 0 }, (_, i) => `${name}/data-${name}-${component}-${i}`))));
}

/** The invariants of SPEC's hostPath layout, between the state before a successful step and after it. */
function assertInvariants(fleet: Fleet, before: readonly PlacementEntry[], files: Tree, freed: string | undefined): void {
  const after = stateOf(files);
  const place = (e: PlacementEntry) => `${e.pool}/${e.node}:${e.path}`;
  // a directory is never handed to two claims, and a claim holds one directory
  assert.equal(new Set(after.map(place)).size, after.length, "a directory held twice");
  assert.equal(new Set(after.map(claimOf)).size, after.length, "a claim placed twice");
  // no placed volume moved or vanished, unless the user released its directory
  const now = new Map(after.map((e) => [claimOf(e), place(e)]));
  for (const entry of before) {
    if (claimOf(entry) === freed) assert.equal(now.get(claimOf(entry)), undefined, `${claimOf(entry)} was released`);
    else assert.equal(now.get(claimOf(entry)), place(entry), `${claimOf(entry)} moved`);
  }
  // exactly the requested claims are bound; everything else held is released
  assert.deepEqual(new Set(after.filter((e) => e.state === "bound").map(claimOf)), requestedClaims(fleet));
  // replicas of a component are on distinct nodes
  const nodes = new Map<string, string[]>();
  for (const e of after.filter((x) => x.state === "bound")) nodes.set(`${e.cluster}/${e.component}`, [...(nodes.get(`${e.cluster}/${e.component}`) ?? []), e.node]);
  for (const [component, list] of nodes) assert.equal(new Set(list).size, list.length, `${component} shares a node`);
  // every rendered PersistentVolume is a state entry, and every entry of a cluster that exists is rendered
  const volumes = volumesOf(files);
  const rendered = new Map([...volumes].map(([claim, v]) => [claim, `dc1/${v.node}:${v.path}`]));
  const expected = new Map(after.filter((e) => fleet.clusters[e.cluster] !== undefined).map((e) => [claimOf(e), place(e)]));
  assert.deepEqual(rendered, expected);
}

/** Runs `steps` in a fresh project that holds the starting fleet, after its first render. */
async function fromRenderedStart(steps: (project: { root: string }, first: Awaited<ReturnType<typeof clusterc>>) => Promise<void>) {
  const project = await tempProject({});
  try {
    await writeClusters(project.root, specFiles(START));
    await steps(project, await clusterc(project.root, "render"));
  } finally {
    await project.cleanup();
  }
}

describe("sticky hostPath placement, over random edit sequences", () => {
  it("never moves a placed volume, never shares a directory, keeps replicas apart, and renders exactly the state file", async () => {
    let renders = 0;
    let failedRenders = 0;
    await fc.assert(
      fc.asyncProperty(STEPS, (steps) => fromRenderedStart(async (project, first) => {
        // GIVEN the starting fleet, rendered
        let fleet = START;
        let current = first;
        assert.equal(current.code, 0, current.stderr);
        for (const s of steps) {
          // WHEN one edit is applied and rendered (or a released directory is freed)
          const before = stateOf(current.files);
          const { args, freed } = commandOf(current.files, s);
          const next = edited(fleet, s);
          await writeClusters(project.root, specFiles(next));
          const result = await clusterc(project.root, ...args);
          renders++;
          if (result.code !== 0) {
            // THEN a render that fails (the pool is full) changes nothing, and the edit is taken back
            failedRenders++;
            assert.equal(result.code, 1, result.stderr);
            assert.match(result.stderr, /error hostpath-layout/);
            assert.deepEqual(result.files, current.files);
            await writeClusters(project.root, specFiles(fleet));
            continue;
          }
          // THEN the invariants hold between the state before and after
          assertInvariants(next, before, result.files, freed && claimOf(freed));
          fleet = next;
          current = result;
        }
      })),
      { seed: 4242, numRuns: 12 },
    );
    // AND most steps rendered: the property was exercised, not skipped by failing renders
    assert.ok(failedRenders < renders / 2, `${failedRenders} of ${renders} renders failed`);
  });

  it("writes and reports with the caches of earlier steps exactly what a copy of the project without them does", async () => {
    await fc.assert(
      fc.asyncProperty(STEPS, (steps) => fromRenderedStart(async (project, first) => {
        let fleet = START;
        let current = first;
        for (const s of steps) {
          // GIVEN a project rendered step after step, with the caches those renders left
          const { args } = commandOf(current.files, s);
          const next = edited(fleet, s);
          await writeClusters(project.root, specFiles(next));
          const copy = await tempProject({});
          await cp(project.root, copy.root, { recursive: true, filter: (source) => path.basename(source) !== CACHE_DIR });
          // WHEN the same command runs in both
          const warm = await clusterc(project.root, ...args);
          const cold = await clusterc(copy.root, ...args);
          await copy.cleanup();
          // THEN they print, exit and write the same
          assert.deepEqual(warm, cold, `${args.join(" ")} after ${JSON.stringify(s)}`);
          if (warm.code === 0) {
            fleet = next;
            current = warm;
          } else {
            await writeClusters(project.root, specFiles(fleet));
          }
        }
      })),
      { seed: 4243, numRuns: 12 },
    );
  });
});
