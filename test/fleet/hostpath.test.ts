import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HostPathPool } from "../../compiler/fleet/fleet.js";
import { allocateVolumes, type VolumeRequest } from "../../compiler/fleet/hostpath.js";

function pool(nodes: Record<string, string[]>): HostPathPool {
  const origin = { file: "clusters/pool.yaml", doc: 0, path: [] };
  return {
    name: "p",
    origin,
    nodes: Object.entries(nodes).map(([name, capacities]) => ({
      name,
      directories: capacities.map((capacity, i) => ({ path: `/data/pv/${i}`, capacity, origin })),
    })),
  };
}

function request(key: string, target: HostPathPool, replicas: number, size: string): VolumeRequest {
  return { key, pool: target, size, claims: Array.from({ length: replicas }, (_, i) => ({ namespace: "ns", name: `data-${key}-${i}` })) };
}

describe("hostPath allocator", () => {
  it("puts the replicas of one component on distinct nodes", () => {
    const p = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] });
    const { placements, failures } = allocateVolumes([request("pd", p, 3, "10Gi")]);
    assert.deepEqual(failures, []);
    assert.deepEqual(placements.map((x) => x.node).sort(), ["a", "b", "c"]);
  });

  it("never hands one directory to two claims, across components and clusters", () => {
    const p = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] });
    const { placements, failures } = allocateVolumes([request("one-pd", p, 3, "10Gi"), request("two-pd", p, 3, "10Gi")]);
    assert.deepEqual(failures, []);
    const directories = placements.map((x) => `${x.node}:${x.directory.path}`);
    assert.equal(new Set(directories).size, 6);
  });

  it("respects directory capacity and prefers the smallest directory that fits", () => {
    const p = pool({ a: ["500Gi", "5Gi", "50Gi"], b: ["1Ti"] });
    const { placements } = allocateVolumes([request("tikv", p, 2, "40Gi")]);
    const onA = placements.find((x) => x.node === "a")!;
    assert.equal(onA.directory.capacity, "50Gi");
    assert.equal(placements.find((x) => x.node === "b")!.directory.capacity, "1Ti");
  });

  it("spreads load: the least used node wins", () => {
    const p = pool({ a: ["10Gi", "10Gi"], b: ["10Gi", "10Gi"], c: ["10Gi", "10Gi"] });
    const { placements } = allocateVolumes([request("x", p, 2, "10Gi"), request("y", p, 1, "10Gi")]);
    assert.equal(placements[2]!.node, "c");
  });

  it("fails a component whose replicas outnumber the nodes with room, naming those nodes, and places none of it", () => {
    const p = pool({ a: ["100Gi", "100Gi"], b: ["100Gi"], c: ["10Gi"] });
    const { placements, failures } = allocateVolumes([request("tikv", p, 3, "100Gi")]);
    assert.deepEqual(placements, []);
    assert.deepEqual(failures.map((f) => f.nodesWithRoom), [["a", "b"]]);
  });

  it("is deterministic: the same requests give the same layout", () => {
    const p = pool({ a: ["10Gi", "20Gi"], b: ["20Gi", "10Gi"], c: ["10Gi"] });
    const layout = () => allocateVolumes([request("x", p, 3, "10Gi"), request("y", p, 2, "10Gi")]).placements
      .map((x) => `${x.claim.name}@${x.node}:${x.directory.path}`);
    assert.deepEqual(layout(), layout());
  });
});
