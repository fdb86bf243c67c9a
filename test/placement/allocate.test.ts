import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HostPathPool } from "../../compiler/fleet/fleet.js";
import { allocateVolumes, type Placement, type VolumeRequest } from "../../compiler/placement/allocate.js";
import type { PlacementRecord } from "../../compiler/placement/record.js";

function pool(nodes: Record<string, string[]>, name = "p"): HostPathPool {
  const origin = { file: "clusters/pool.yaml", doc: 0, path: [] };
  return {
    name,
    origin,
    nodes: Object.entries(nodes).map(([node, capacities]) => ({
      name: node,
      directories: capacities.map((capacity, i) => ({ path: `/data/pv/${i}`, capacity, origin })),
    })),
  };
}

function poolsOf(...list: HostPathPool[]): Map<string, HostPathPool> {
  return new Map(list.map((p) => [p.name, p]));
}

function request(cluster: string, target: HostPathPool, replicas: number, size: string, component = "db", apart: Pick<VolumeRequest, "apartFrom" | "preferApartFrom"> = { apartFrom: [], preferApartFrom: [] }): VolumeRequest {
  return {
    cluster, component, pool: target, size,
    claims: Array.from({ length: replicas }, (_, i) => ({ namespace: "ns", name: `data-${cluster}-${component}-${i}` })),
    ...apart,
  };
}

/** What the state file would hold after an allocation, read back for the next one. */
function recorded(placements: readonly Placement[]): PlacementRecord[] {
  return placements.map(({ pool: p, node, path, claim, cluster, component, state, hostPathType }, i) =>
    ({ pool: p, node, path, claim, cluster, component, state, hostPathType, origin: { file: "rendered/hostpath-placements.yaml", doc: 0, path: ["placements", i] } }));
}

/** claim name -> node:path, for the claims that are placed in the given state. */
function layout(placements: readonly Placement[], state = "bound"): Map<string, string> {
  return new Map(placements.filter((p) => p.state === state).map((p) => [p.claim.name, `${p.node}:${p.path}`]));
}

describe("hostPath allocator", () => {
  it("puts the replicas of one component on distinct nodes", () => {
    const p = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] });
    const { placements, failures } = allocateVolumes([request("pd", p, 3, "10Gi")], poolsOf(p));
    assert.deepEqual(failures, []);
    assert.deepEqual(placements.map((x) => x.node).sort(), ["a", "b", "c"]);
  });

  it("never hands one directory to two claims, across components and clusters", () => {
    const p = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] });
    const { placements, failures } = allocateVolumes([request("one", p, 3, "10Gi"), request("two", p, 3, "10Gi")], poolsOf(p));
    assert.deepEqual(failures, []);
    const directories = placements.map((x) => `${x.node}:${x.path}`);
    assert.equal(new Set(directories).size, 6);
  });

  it("respects directory capacity and prefers the smallest directory that fits", () => {
    const p = pool({ a: ["500Gi", "5Gi", "50Gi"], b: ["1Ti"] });
    const { placements } = allocateVolumes([request("tikv", p, 2, "40Gi")], poolsOf(p));
    assert.equal(placements.find((x) => x.node === "a")!.directory!.capacity, "50Gi");
    assert.equal(placements.find((x) => x.node === "b")!.directory!.capacity, "1Ti");
  });

  it("spreads load: the least used node wins", () => {
    const p = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] });
    const { placements } = allocateVolumes([request("x", p, 2, "10Gi"), request("y", p, 1, "10Gi")], poolsOf(p));
    assert.equal(placements[2]!.node, "c");
  });

  it("spreads a component over the pool's zones before it fills one zone", () => {
    // GIVEN two zones of two nodes each, listed zone by zone
    const zoned = pool({ a: ["10Gi"], b: ["10Gi"], c: ["10Gi"], d: ["10Gi"] });
    const zones: Record<string, string> = { a: "z1", b: "z1", c: "z2", d: "z2" };
    for (const node of zoned.nodes) node.zone = zones[node.name];
    // WHEN a component asks for two volumes, then a scale-up to three
    const two = allocateVolumes([request("pd", zoned, 2, "10Gi")], poolsOf(zoned)).placements;
    const three = allocateVolumes([request("pd", zoned, 3, "10Gi")], poolsOf(zoned), two.map((x) => ({ ...x, origin: zoned.origin }))).placements;
    // THEN the two land in different zones, and the third goes where it leaves the zones most even
    assert.deepEqual(two.map((x) => zones[x.node]).sort(), ["z1", "z2"]);
    assert.deepEqual(three.map((x) => zones[x.node]).sort(), ["z1", "z1", "z2"]);
  });

  it("fails a component whose replicas outnumber the nodes with room, naming those nodes, and places none of it", () => {
    const p = pool({ a: ["100Gi", "100Gi"], b: ["100Gi"], c: ["10Gi"] });
    const { placements, failures } = allocateVolumes([request("tikv", p, 3, "100Gi")], poolsOf(p));
    assert.deepEqual(placements, []);
    assert.deepEqual(failures.map((f) => f.nodesWithRoom), [["a", "b"]]);
  });

  it("is deterministic: the same requests give the same layout", () => {
    const p = pool({ a: ["10Gi", "20Gi"], b: ["20Gi", "10Gi"], c: ["10Gi"] });
    const place = () => allocateVolumes([request("x", p, 3, "10Gi"), request("y", p, 2, "10Gi")], poolsOf(p)).placements;
    assert.deepEqual(place(), place());
  });

  describe("with the placements of the last render", () => {
    const p = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"], d: ["10Gi"] });

    it("keeps every placed volume where it is when a request that comes first is added", () => {
      // GIVEN cluster x placed alone
      const first = allocateVolumes([request("x", p, 3, "10Gi")], poolsOf(p));
      // WHEN cluster a, placed before x in request order, joins; and, for contrast, without the state
      const sticky = allocateVolumes([request("a", p, 3, "10Gi"), request("x", p, 3, "10Gi")], poolsOf(p), recorded(first.placements));
      const fresh = allocateVolumes([request("a", p, 3, "10Gi"), request("x", p, 3, "10Gi")], poolsOf(p));
      // THEN x keeps its directories and a takes others; from scratch, x would have moved
      const xBefore = layout(first.placements);
      assert.deepEqual(new Map([...layout(sticky.placements)].filter(([claim]) => claim.includes("-x-"))), xBefore);
      assert.notDeepEqual(new Map([...layout(fresh.placements)].filter(([claim]) => claim.includes("-x-"))), xBefore);
      assert.equal(new Set(sticky.placements.map((x) => `${x.node}:${x.path}`)).size, 6);
    });

    it("places a scaled-up replica on a node that none of its kept replicas use", () => {
      // GIVEN x with 2 replicas, on a and b, and y filling c
      const first = allocateVolumes([request("x", p, 2, "10Gi"), request("y", p, 1, "10Gi")], poolsOf(p));
      // WHEN x scales to 3
      const next = allocateVolumes([request("x", p, 3, "10Gi"), request("y", p, 1, "10Gi")], poolsOf(p), recorded(first.placements));
      // THEN its first two replicas stay, and the third lands on a node neither of them uses
      const before = layout(first.placements);
      const after = layout(next.placements);
      for (const [claim, place] of before) assert.equal(after.get(claim), place, claim);
      const xNodes = [0, 1, 2].map((i) => after.get(`data-x-db-${i}`)!.split(":")[0]);
      assert.equal(new Set(xNodes).size, 3);
    });

    it("fails a scale-up that finds no node beside those of its kept replicas, naming both", () => {
      const two = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"] });
      const first = allocateVolumes([request("x", two, 2, "10Gi")], poolsOf(two));
      const next = allocateVolumes([request("x", two, 3, "10Gi")], poolsOf(two), recorded(first.placements));
      assert.deepEqual(next.failures.map((f) => [f.nodesWithRoom, f.keptNodes.sort()]), [[[], ["a", "b"]]]);
      assert.deepEqual(layout(next.placements), layout(first.placements));
    });

    it("releases scaled-down ordinals, keeps their directories from new claims, and binds them again on scale-up", () => {
      // GIVEN x with 3 replicas
      const three = allocateVolumes([request("x", p, 3, "10Gi")], poolsOf(p));
      // WHEN x scales down to 1 and a new cluster y asks for 4 replicas (the pool has 7 directories on 4 nodes)
      const down = allocateVolumes([request("x", p, 1, "10Gi"), request("y", p, 4, "10Gi")], poolsOf(p), recorded(three.placements));
      // THEN ordinals 1 and 2 are released on their directories, and y got none of them
      assert.deepEqual(down.failures, []);
      const released = layout(down.placements, "released");
      assert.deepEqual([...released.keys()].sort(), ["data-x-db-1", "data-x-db-2"]);
      for (const [claim, place] of released) assert.equal(layout(three.placements).get(claim), place);
      const yPlaces = [...layout(down.placements)].filter(([claim]) => claim.includes("-y-")).map(([, place]) => place);
      for (const place of released.values()) assert.ok(!yPlaces.includes(place), place);
      // AND WHEN x scales back up to 3, THEN ordinals 1 and 2 are bound to the same directories again
      const up = allocateVolumes([request("x", p, 3, "10Gi"), request("y", p, 4, "10Gi")], poolsOf(p), recorded(down.placements));
      assert.deepEqual(layout(up.placements, "released"), new Map());
      for (const [claim, place] of layout(three.placements)) assert.equal(layout(up.placements).get(claim), place, claim);
    });

    it("keeps a removed request's directories as released, so a new request cannot take them", () => {
      const small = pool({ a: ["10Gi"], b: ["10Gi"], c: ["10Gi"] });
      const first = allocateVolumes([request("x", small, 3, "10Gi")], poolsOf(small));
      const next = allocateVolumes([request("y", small, 1, "10Gi")], poolsOf(small), recorded(first.placements));
      assert.deepEqual(layout(next.placements, "released"), layout(first.placements));
      assert.deepEqual(next.failures.map((f) => f.request.cluster), ["y"]);
    });

    for (const [what, change, reason] of [
      ["whose directory left the pool", { pool: pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"] }) }, "vanished"],
      ["whose directory is now smaller than its claim", { size: "20Gi" }, "too-small"],
      ["whose component asks for another pool", { pool: pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] }, "q") }, "other-pool"],
    ] as const) {
      it(`reports a kept volume ${what}, and does not move it`, () => {
        // GIVEN x placed on a, b and c
        const three = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] });
        const first = allocateVolumes([request("x", three, 3, "10Gi")], poolsOf(three));
        // WHEN the pool or the request changes as the test name says
        const target = "pool" in change ? change.pool : three;
        const size = "size" in change ? change.size : "10Gi";
        const next = allocateVolumes([request("x", target, 3, size)], poolsOf(three, target), recorded(first.placements));
        // THEN the problem is reported and every volume stays where it was
        assert.ok(next.problems.length > 0);
        assert.ok(next.problems.every((problem) => problem.reason === reason));
        assert.deepEqual(layout(next.placements), layout(first.placements));
      });
    }

    it("release frees a released directory for new claims, refuses a kept one, and names what it does not know", () => {
      const small = pool({ a: ["10Gi"], b: ["10Gi"], c: ["10Gi"] });
      const first = recorded(allocateVolumes([request("x", small, 3, "10Gi")], poolsOf(small)).placements);
      const onA = { pool: "p", node: "a", path: "/data/pv/0" };
      // WHEN x is gone and its directory on a is released, THEN y takes it
      const freed = allocateVolumes([request("y", small, 1, "10Gi")], poolsOf(small), first, [onA]);
      assert.deepEqual(freed.releases.map((r) => r.outcome), ["freed"]);
      assert.equal(layout(freed.placements).get("data-y-db-0"), "a:/data/pv/0");
      // WHEN x still claims it, THEN release is refused and x keeps it
      const refused = allocateVolumes([request("x", small, 3, "10Gi")], poolsOf(small), first, [onA]);
      assert.deepEqual(refused.releases.map((r) => r.outcome), ["refused"]);
      assert.deepEqual(layout(refused.placements), layout(first));
      // WHEN no placement holds the directory, THEN release says so
      const unknown = allocateVolumes([request("x", small, 3, "10Gi")], poolsOf(small), first, [{ ...onA, node: "z" }]);
      assert.deepEqual(unknown.releases.map((r) => r.outcome), ["unknown"]);
    });

    it("release lets a kept volume whose directory left the pool be placed anew", () => {
      const three = pool({ a: ["10Gi"], b: ["10Gi"], c: ["10Gi"] });
      const first = recorded(allocateVolumes([request("x", three, 2, "10Gi")], poolsOf(three)).placements);
      const lost = first.find((r) => r.node === "a")!;
      const withoutA = pool({ b: ["10Gi"], c: ["10Gi"] });
      const next = allocateVolumes([request("x", withoutA, 2, "10Gi")], poolsOf(withoutA), first, [lost]);
      assert.deepEqual(next.releases.map((r) => r.outcome), ["freed"]);
      assert.deepEqual(next.problems, []);
      assert.equal(layout(next.placements).get(lost.claim.name), "c:/data/pv/0");
    });
  });
});
