import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { PLACEMENTS_FILE } from "../../compiler/placement/record.js";
import { tempProject } from "../helpers.js";
import {
  claimOf, clusterc, clusterYaml, directoryLine, poolYaml, readState, stateOf, volumesOf, writeClusters, type PoolShape, type Tree,
} from "./fleet.js";

const FOUR_NODES: PoolShape = Object.fromEntries(["n1", "n2", "n3", "n4"].map((n) => [n, [["/data/pv/a", "100Gi"], ["/data/pv/b", "100Gi"], ["/data/pv/c", "100Gi"]]]));
/** Three nodes with one directory each: the three PD replicas of one cluster fill it. */
const THREE_SMALL: PoolShape = { n1: [["/data/pv/a", "100Gi"]], n2: [["/data/pv/a", "100Gi"]], n3: [["/data/pv/a", "100Gi"]] };

/** The files of one cluster's folder. */
function folder(files: Tree, cluster: string): Map<string, string> {
  return new Map([...files].filter(([file]) => file.startsWith(`${cluster}/`)));
}

async function withProject(test: (root: string) => Promise<void>): Promise<void> {
  const project = await tempProject({});
  try {
    await test(project.root);
  } finally {
    await project.cleanup();
  }
}

describe("sticky hostPath placement", () => {
  it("adding a cluster whose name sorts first moves no placed volume", () => withProject(async (root) => {
    // GIVEN orders rendered alone on the pool
    await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const before = await clusterc(root, "render");
    assert.equal(before.code, 0, before.stderr);
    // WHEN aaa, placed before orders by name, is added and the fleet rendered again
    await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }), "aaa.yaml": clusterYaml("aaa", { pd: 3, tikv: 3 }) });
    const after = await clusterc(root, "render");
    // THEN not a byte of orders changed, and aaa got directories of its own
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(folder(after.files, "orders"), folder(before.files, "orders"));
    const places = [...volumesOf(after.files).values()].map((v) => `${v.node}:${v.path}`);
    assert.equal(places.length, 12);
    assert.equal(new Set(places).size, 12);
    // AND without the state file the same specs would have moved orders: the state is what holds it
    await rm(path.join(root, PLACEMENTS_FILE));
    const fresh = await clusterc(root, "render");
    assert.notDeepEqual(folder(fresh.files, "orders"), folder(before.files, "orders"));
  }));

  it("scaling down keeps the released volume rendered and warns; scaling up again reuses the same volumes", () => withProject(async (root) => {
    // GIVEN orders with 3 TiKV replicas, rendered
    const pool = poolYaml(FOUR_NODES);
    await writeClusters(root, { "pool.yaml": pool, "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const three = await clusterc(root, "render");
    assert.equal(three.code, 0, three.stderr);
    // WHEN TiKV scales down to 2
    await writeClusters(root, { "pool.yaml": pool, "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 2 }) });
    const two = await clusterc(root, "render");
    // THEN the volume of ordinal 2 is still rendered, unchanged, and recorded as released
    assert.equal(two.code, 0, two.stderr);
    assert.deepEqual(folder(two.files, "orders").get("orders/1-tikv/persistentvolume-orders-data-orders-tikv-2.yaml"),
      three.files.get("orders/1-tikv/persistentvolume-orders-data-orders-tikv-2.yaml"));
    assert.match(two.files.get("orders/1-tikv/kustomization.yaml")!, /persistentvolume-orders-data-orders-tikv-2\.yaml/);
    const released = stateOf(two.files).filter((e) => e.state === "released");
    assert.deepEqual(released.map(claimOf), ["orders/data-orders-tikv-2"]);
    // AND a warning points at the pool directory it holds and says how to free it
    const at = directoryLine(pool, released[0]!.node, released[0]!.path);
    assert.match(two.stderr, new RegExp(`^clusters/pool\\.yaml:${at.line}:${at.col}: warning hostpath-layout 1 released volume\\(s\\) of pool dc1 keep their data and their directories, because cluster orders has no replica that claims them any more \\(tikv scaled down\\): ${released[0]!.node}:${released[0]!.path} for claim orders/data-orders-tikv-2\\..*: node bin/clusterc.js release --pool dc1 --node ${released[0]!.node} --path ${released[0]!.path}$`, "m"));
    // WHEN TiKV scales back up to 3
    await writeClusters(root, { "pool.yaml": pool, "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const again = await clusterc(root, "render");
    // THEN the whole rendered tree is what it was before the scale-down, state file included, and nothing warns
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.files, three.files);
    assert.doesNotMatch(again.stderr, /warning/);
  }));

  it("a removed cluster's directories stay reserved and warn at the pool lines; release frees them for a new cluster", () => withProject(async (root) => {
    // GIVEN alpha filling a three-directory pool, rendered, then removed
    const pool = poolYaml(THREE_SMALL);
    await writeClusters(root, { "pool.yaml": pool, "alpha.yaml": clusterYaml("alpha", { pd: 3 }) });
    assert.equal((await clusterc(root, "render")).code, 0);
    await writeClusters(root, { "pool.yaml": pool });
    const removed = await clusterc(root, "render");
    // THEN its folder is gone, its three directories are released in the state file
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(folder(removed.files, "alpha"), new Map());
    assert.deepEqual(stateOf(removed.files).map((e) => [claimOf(e), e.state]),
      [["alpha/data-alpha-pd-0", "released"], ["alpha/data-alpha-pd-1", "released"], ["alpha/data-alpha-pd-2", "released"]]);
    // AND one warning, at the first directory's pool line, names all three and the one command that frees them
    const warnings = removed.stderr.split("\n").filter((l) => l.includes("warning hostpath-layout"));
    assert.equal(warnings.length, 1, removed.stderr);
    const at = directoryLine(pool, stateOf(removed.files)[0]!.node, "/data/pv/a");
    assert.match(warnings[0]!, new RegExp(`^clusters/pool\\.yaml:${at.line}:${at.col}: warning hostpath-layout 3 released volume\\(s\\) of pool dc1 keep their data and their directories, because cluster alpha is no longer in clusters/: `));
    for (const node of ["n1", "n2", "n3"]) assert.match(warnings[0]!, new RegExp(`${node}:/data/pv/a for claim alpha/data-alpha-pd-\\d`));
    const command = warnings[0]!.slice(warnings[0]!.indexOf(": node bin/clusterc.js release ") + ": node bin/clusterc.js ".length).split(" ");
    // WHEN beta, which needs those directories, is added
    // (in a file named after the pool's, so its error would sort after the warning at the pool line)
    await writeClusters(root, { "pool.yaml": pool, "zeta.yaml": clusterYaml("beta", { pd: 3 }) });
    const full = await clusterc(root, "render");
    // THEN it does not get them: render fails, says why first, and leaves rendered/ as it was
    assert.equal(full.code, 1);
    assert.match(full.stderr.split("\n")[0]!, /^clusters\/zeta\.yaml:\d+:\d+: error hostpath-layout pd: 3 replicas must be on distinct nodes but pool dc1 has 0 node\(s\)/);
    assert.match(full.stderr, /warning hostpath-layout 3 released volume/);
    assert.deepEqual(full.files, removed.files);
    // WHEN the three directories are released in one run, with the command the warning gave, pasted
    const release = await clusterc(root, ...command);
    // THEN beta takes them, nothing is released any more, and check agrees with what was written
    assert.equal(release.code, 0, release.stderr);
    assert.match(release.stderr, /^freed \/data\/pv\/a on node n1 of pool dc1$/m);
    assert.deepEqual(stateOf(release.files).map((e) => [claimOf(e), e.node, e.state]),
      [["beta/data-beta-pd-0", "n1", "bound"], ["beta/data-beta-pd-1", "n2", "bound"], ["beta/data-beta-pd-2", "n3", "bound"]]);
    assert.equal((await clusterc(root, "check")).code, 0);
  }));

  it("release refuses a directory a current replica keeps, and one no placement holds, changing nothing", () => withProject(async (root) => {
    // GIVEN orders rendered
    await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const rendered = await clusterc(root, "render");
    const held = stateOf(rendered.files)[0]!;
    // WHEN a user releases the directory of a current replica, or one that holds nothing
    const bound = await clusterc(root, "release", "--pool", "dc1", "--node", held.node, "--path", held.path);
    const unknown = await clusterc(root, "release", "--pool", "dc1", "--node", "n1", "--path", "/data/pv/none");
    const usage = await clusterc(root, "release", "--pool", "dc1", "--node", "n1");
    // THEN both fail, pointing into the state file, and rendered/ is untouched
    assert.equal(bound.code, 1);
    assert.match(bound.stderr, new RegExp(`^rendered/hostpath-placements\\.yaml:\\d+:\\d+: error hostpath-layout clusterc release: ${held.path} on node ${held.node} of pool dc1 holds the volume of claim ${claimOf(held)}, a current replica`, "m"));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /error hostpath-layout clusterc release: no placement holds \/data\/pv\/none on node n1 of pool dc1/);
    assert.equal(usage.code, 2);
    for (const result of [bound, unknown, usage]) assert.deepEqual(result.files, rendered.files);
  }));

  it("release with a pool or node that does not exist is a usage error that names the known ones, changing nothing", () => withProject(async (root) => {
    // GIVEN orders rendered on pool dc1 (nodes n1..n4)
    await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const before = await clusterc(root, "render");
    // WHEN a user mistypes the pool, or a node
    const pool = await clusterc(root, "release", "--pool", "dc9", "--node", "n1", "--path", "/data/pv/a");
    const node = await clusterc(root, "release", "--pool", "dc1", "--node", "n1", "--path", "/data/pv/a", "--node", "n9", "--path", "/data/pv/a");
    // THEN each exits 2 like any other usage error, says which name is unknown and which are known, and writes nothing
    assert.equal(pool.code, 2);
    assert.match(pool.stderr, /^clusterc: release --pool: no HostPathPool named dc9 \(pools: dc1\)$/m);
    assert.equal(node.code, 2);
    assert.match(node.stderr, /^clusterc: release --node: pool dc1 has no node named n9 \(nodes: n1, n2, n3, n4\)$/m);
    for (const result of [pool, node]) assert.deepEqual(result.files, before.files);
  }));

  it("a directory that leaves the pool, or shrinks below its claim, is an error naming claim, node and path, not a move", () => withProject(async (root) => {
    // GIVEN orders rendered on n1..n4
    await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const rendered = await clusterc(root, "render");
    const onN1 = stateOf(rendered.files).filter((e) => e.node === "n1");
    assert.ok(onN1.length > 0);
    // WHEN n1 leaves the pool
    const withoutN1 = Object.fromEntries(Object.entries(FOUR_NODES).filter(([node]) => node !== "n1"));
    await writeClusters(root, { "pool.yaml": poolYaml(withoutN1), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const vanished = await clusterc(root, "render");
    // THEN each volume on n1 is an error that names it, located at the component's pool field, and nothing is written
    assert.equal(vanished.code, 1);
    for (const entry of onN1) {
      assert.match(vanished.stderr, new RegExp(`^clusters/orders\\.yaml:\\d+:\\d+: error hostpath-layout ${entry.component}: the volume of claim ${claimOf(entry)} is on ${entry.path} on node n1 of pool dc1, which the pool no longer lists; a placed volume never moves\\.`, "m"));
    }
    assert.deepEqual(vanished.files, rendered.files);
    // WHEN instead every directory shrinks to 20Gi, below TiKV's 50Gi
    const shrunk = Object.fromEntries(Object.entries(FOUR_NODES).map(([node, dirs]) => [node, dirs.map(([p]): [string, string] => [p, "20Gi"])]));
    await writeClusters(root, { "pool.yaml": poolYaml(shrunk), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    const small = await clusterc(root, "render");
    // THEN each TiKV volume is an error at storage.size, and nothing is written
    assert.equal(small.code, 1);
    assert.equal(small.stderr.match(/error hostpath-layout tikv: the volume of claim orders\/data-orders-tikv-\d is on \/data\/pv\/\w on node n\d of pool dc1, which offers 20Gi, less than the 50Gi asked for/g)?.length, 3);
    assert.deepEqual(small.files, rendered.files);
  }));

  it("check fails when the state file is stale", () => withProject(async (root) => {
    // GIVEN orders rendered with 3 TiKV replicas, then scaled down and rendered
    const pool = poolYaml(FOUR_NODES);
    await writeClusters(root, { "pool.yaml": pool, "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
    await clusterc(root, "render");
    const older = await readState(root);
    await writeClusters(root, { "pool.yaml": pool, "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 2 }) });
    await clusterc(root, "render");
    // WHEN the state file goes back to the older render (a bad merge, a hand edit)
    await writeFile(path.join(root, PLACEMENTS_FILE), older);
    const stale = await clusterc(root, "check");
    // THEN check fails and names it
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /changed: rendered\/hostpath-placements\.yaml/);
    assert.match(stale.stdout, /^-\s+state: bound$/m);
    assert.match(stale.stdout, /^\+\s+state: released$/m);
  }));

  describe("a hand edit of the state file", () => {
    const entryLines = (text: string) => text.split("\n").findIndex((line) => line.startsWith("  - claim:"));
    for (const [what, edit] of [
      ["a volume moved to another node", (text: string) => text.replace("node: n1", "node: n4")],
      ["an entry deleted", (text: string) => { const lines = text.split("\n"); lines.splice(entryLines(text), 10); return lines.join("\n"); }],
      ["a released entry marked bound", (text: string) => text.replace("state: released", "state: bound")],
    ] as const) {
      it(`is reported as a hand edit at the file, with how to recover, not blamed on the pool: ${what}`, () => withProject(async (root) => {
        // GIVEN orders rendered, scaled down (one released volume), rendered again; then its state file edited by hand
        await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
        await clusterc(root, "render");
        await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 2 }) });
        assert.equal((await clusterc(root, "render")).code, 0);
        const state = await readState(root);
        assert.notEqual(edit(state), state);
        await writeFile(path.join(root, PLACEMENTS_FILE), edit(state));
        // WHEN the fleet is rendered
        const result = await clusterc(root, "render");
        // THEN the first error is at the file's digest, says it was edited by hand and how to get back; none blames the pool; nothing changes
        assert.equal(result.code, 1);
        const errors = result.stderr.split("\n").filter((line) => line.includes(": error "));
        assert.ok(errors.every((line) => line.includes("error hostpath-placements-restore")), result.stderr);
        assert.match(errors[0]!, new RegExp(`^rendered/hostpath-placements\\.yaml:${state.split("\n").findIndex((l) => l.startsWith("digest:")) + 1}:1: error hostpath-placements-restore digest: was edited by hand`));
        assert.match(errors[0]!, /git checkout -- rendered\/hostpath-placements\.yaml/);
        assert.match(errors[0]!, /clusterc release --pool POOL --node NODE --path DIR/);
        assert.equal(result.files.get("hostpath-placements.yaml"), edit(state));
      }));
    }
  });

  describe("an unreadable state file", () => {
    const lineOf = (text: string, needle: string) => text.split("\n").findIndex((line) => line.includes(needle)) + 1;
    for (const [what, edit, expected] of [
      ["a value of the wrong kind", (text: string) => text.replace("state: bound", "state: gone"),
        (text: string) => new RegExp(`^rendered/hostpath-placements\\.yaml:${lineOf(text, "state: gone")}:5: error hostpath-placements-restore placements\\[0\\]\\.state: must be one of "bound", "released"\\. .*restore it from git \\(git checkout -- rendered/hostpath-placements\\.yaml\\)`, "m")],
      ["broken YAML", (text: string) => text.replace("placements:", "placements: ["),
        () => /^rendered\/hostpath-placements\.yaml:\d+:\d+: error hostpath-placements-restore .*restore it from git/m],
      ["one directory held by two claims", (text: string) => text.replace("path: /data/pv/b", "path: /data/pv/a"),
        () => /^rendered\/hostpath-placements\.yaml:\d+:\d+: error hostpath-placements-restore placements\[1\]: directory \/data\/pv\/a on node n1 of pool dc1 is held by two claims \(orders\/data-orders-pd-0 and orders\/data-orders-tikv-1\)/m],
    ] as const) {
      it(`is an error at its line, with a rule ID that says to restore it, and changes nothing: ${what}`, () => withProject(async (root) => {
        // GIVEN a rendered fleet whose state file is then damaged
        await writeClusters(root, { "pool.yaml": poolYaml(FOUR_NODES), "orders.yaml": clusterYaml("orders", { pd: 3, tikv: 3 }) });
        await clusterc(root, "render");
        const state = await readState(root);
        await writeFile(path.join(root, PLACEMENTS_FILE), edit(state));
        // WHEN the fleet is rendered
        const result = await clusterc(root, "render");
        // THEN the diagnostic points into the state file and rendered/ keeps the damaged file for the user to restore
        assert.equal(result.code, 1);
        assert.match(result.stderr, expected(edit(state)));
        assert.equal(result.files.get("hostpath-placements.yaml"), edit(state));
      }));
    }
  });
});
