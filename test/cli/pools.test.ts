import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Inventory } from "../../compiler/placement/inventory.js";
import { clusterc, clusterYaml, poolYaml, stateOf, volumesOf, writeClusters } from "../hostpath/fleet.js";
import { tempProject } from "../helpers.js";

/** Four nodes in two zones: two 100Gi directories and one 20Gi each. */
const POOL = poolYaml(Object.fromEntries(["n1", "n2", "n3", "n4"].map((n) => [n, [["/data/pv/a", "100Gi"], ["/data/pv/b", "100Gi"], ["/data/pv/c", "20Gi"]]])));

async function scaledDownProject() {
  const project = await tempProject({});
  // GIVEN two clusters on one pool, rendered, then one of them scaled down (its last PD volume is released)
  await writeClusters(project.root, { "pool.yaml": POOL, "a.yaml": clusterYaml("alpha", { pd: 3, tikv: 3 }), "b.yaml": clusterYaml("beta", { pd: 3 }) });
  assert.equal((await clusterc(project.root, "render")).code, 0);
  await writeClusters(project.root, { "pool.yaml": POOL, "a.yaml": clusterYaml("alpha", { pd: 3, tikv: 3 }), "b.yaml": clusterYaml("beta", { pd: 2 }) });
  const rendered = await clusterc(project.root, "render");
  assert.equal(rendered.code, 0, rendered.stderr);
  return { project, rendered };
}

describe("clusterc pools", () => {
  it("lists every directory with the claim that holds it, exactly as the state file and the PersistentVolumes have it", async () => {
    const { project, rendered } = await scaledDownProject();
    try {
      // WHEN a platform engineer asks for the pools as JSON
      const result = await clusterc(project.root, "pools", "--format", "json");
      assert.equal(result.code, 0, result.stderr);
      const inventory = JSON.parse(result.stdout) as Inventory;
      const directories = inventory.pools.flatMap((p) => p.nodes.flatMap((n) => n.directories.map((d) => ({ ...d, node: n.name, pool: p.name }))));
      // THEN each held directory is the state file's entry for it, bound or released
      const held = directories.filter((d) => d.holder);
      const state = stateOf(rendered.files);
      assert.deepEqual(
        held.map((d) => `${d.pool}/${d.node}:${d.path} ${d.holder!.claim} ${d.holder!.state}`).sort(),
        state.map((e) => `${e.pool}/${e.node}:${e.path} ${e.claim.namespace}/${e.claim.name} ${e.state}`).sort());
      // AND the ordinal of each holder is the one its PersistentVolume's claim carries
      const volumes = volumesOf(rendered.files);
      for (const d of held) assert.equal(volumes.get(d.holder!.claim)?.node, d.node, `${d.holder!.claim}: ${d.holder!.component}-${d.holder!.ordinal}`);
      assert.ok(held.some((d) => d.holder!.cluster === "beta" && d.holder!.state === "released" && d.holder!.ordinal === 2));
      // AND the rest is free, and counted so
      const pool = inventory.pools[0]!;
      assert.equal(pool.free, directories.length - held.length);
      assert.equal(pool.bound + pool.released, held.length);
      // AND the spread of each component counts distinct nodes of its bound replicas
      const alphaTikv = inventory.clusters.find((c) => c.cluster === "alpha")!.components.find((c) => c.component === "tikv")!;
      assert.equal(alphaTikv.nodes, 3);
      assert.deepEqual(alphaTikv.replicas.map((r) => r.ordinal), [0, 1, 2]);
    } finally {
      await project.cleanup();
    }
  });

  it("says where a next component fits: how many nodes have a free directory of each size", async () => {
    // GIVEN a pool no cluster uses: s1 offers 100Gi and 20Gi, s2 20Gi, s3 5Gi
    const spare = `apiVersion: clusterc/v1
kind: HostPathPool
metadata: { name: spare }
spec:
  nodes:
    - { name: s1, directories: [{ path: /data/a, capacity: 100Gi }, { path: /data/b, capacity: 20Gi }] }
    - { name: s2, directories: [{ path: /data/a, capacity: 20Gi }] }
    - { name: s3, directories: [{ path: /data/a, capacity: 5Gi }] }
`;
    const project = await tempProject({ "clusters/spare.yaml": spare, "clusters/a.yaml": clusterYaml("alpha", { pd: 3 }), "clusters/pool.yaml": POOL });
    try {
      const inventory = JSON.parse((await clusterc(project.root, "pools", "--format", "json")).stdout) as Inventory;
      const pool = inventory.pools.find((p) => p.name === "spare")!;
      // THEN a 100Gi volume fits on one node, a 20Gi one on two, a 5Gi one on all three
      assert.deepEqual(pool.room, [{ capacity: "100Gi", nodes: 1 }, { capacity: "20Gi", nodes: 2 }, { capacity: "5Gi", nodes: 3 }]);
      assert.deepEqual([pool.bound, pool.released, pool.free], [0, 0, 4]);
    } finally {
      await project.cleanup();
    }
  });

  it("prints text for a terminal and a markdown table for a pull-request comment, and writes nothing", async () => {
    const { project, rendered } = await scaledDownProject();
    try {
      const text = await clusterc(project.root, "pools");
      assert.equal(text.code, 0);
      assert.match(text.stdout, /^pool dc1: 4 node\(s\), 12 directories: \d+ bound, 1 released, \d+ free$/m);
      assert.match(text.stdout, /released: beta pd-2, keeps the data of claim beta\/data-beta-pd-2/);
      assert.match(text.stdout, /^ {2}pd: 3 replica\(s\) on 3 node\(s\): pd-0 dc1\/n\d, pd-1 dc1\/n\d, pd-2 dc1\/n\d$/m);
      const markdown = await clusterc(project.root, "pools", "--format", "markdown");
      const rows = markdown.stdout.split("\n").filter((l) => /^\| n\d /.test(l));
      assert.equal(rows.length, 12, "one table row per directory");
      assert.ok(rows.every((r) => r.split(" | ").length === 5));
      assert.deepEqual(markdown.files, rendered.files);
    } finally {
      await project.cleanup();
    }
  });

  it("still shows the pools when a component does not fit, so one sees why", async () => {
    const { project } = await scaledDownProject();
    try {
      // GIVEN a third cluster whose TiKV asks for more nodes than have room
      await writeClusters(project.root, {
        "pool.yaml": POOL, "a.yaml": clusterYaml("alpha", { pd: 3, tikv: 3 }), "b.yaml": clusterYaml("beta", { pd: 2 }), "c.yaml": clusterYaml("gamma", { pd: 1, tikv: 4 }),
      });
      const result = await clusterc(project.root, "pools");
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error hostpath-layout tikv: 4 replicas must be on distinct nodes/);
      assert.match(result.stdout, /^pool dc1:/m);
      assert.equal((await clusterc(project.root, "pools", "--format", "yaml")).code, 2);
    } finally {
      await project.cleanup();
    }
  });
});
