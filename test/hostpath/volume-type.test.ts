import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { PLACEMENTS_FILE } from "../../compiler/placement/record.js";
import { tempProject, type RenderedObject } from "../helpers.js";
import { clusterc, clusterYaml, poolYaml, writeClusters, type Tree } from "./fleet.js";

const POOL = poolYaml(Object.fromEntries(["n1", "n2", "n3", "n4"].map((n) => [n, [["/data/pv/a", "100Gi"], ["/data/pv/b", "100Gi"]]])));

/** The hostPath type of each rendered PersistentVolume, by claim name. */
function typesOf(files: Tree): Map<string, string> {
  return new Map([...files].filter(([file]) => path.basename(file).startsWith("persistentvolume-")).map(([, text]) => {
    const pv = parse(text) as RenderedObject;
    return [pv.spec.claimRef.name as string, pv.spec.hostPath.type as string];
  }));
}

describe("hostPath volume type", () => {
  it("places new volumes as Directory, so a missing (unmounted) directory stops the pod instead of filling the root disk", async () => {
    const project = await tempProject({});
    try {
      await writeClusters(project.root, { "pool.yaml": POOL, "a.yaml": clusterYaml("alpha", { pd: 3 }) });
      const result = await clusterc(project.root, "render");
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual([...new Set(typesOf(result.files).values())], ["Directory"]);
    } finally {
      await project.cleanup();
    }
  });

  it("keeps DirectoryOrCreate for volumes placed before, whose PersistentVolume source cannot change, also after a scale-up", async () => {
    const project = await tempProject({});
    try {
      // GIVEN volumes placed by an earlier clusterc, whose state file entries carry no type (and the file no digest)
      await writeClusters(project.root, { "pool.yaml": POOL, "a.yaml": clusterYaml("alpha", { pd: 2 }) });
      assert.equal((await clusterc(project.root, "render")).code, 0);
      const state = path.join(project.root, PLACEMENTS_FILE);
      await writeFile(state, (await readFile(state, "utf8")).replace(/^ *(hostPathType|digest): .*\n/gm, ""));
      // WHEN the cluster is rendered again and scaled up
      await writeClusters(project.root, { "pool.yaml": POOL, "a.yaml": clusterYaml("alpha", { pd: 3 }) });
      const result = await clusterc(project.root, "render");
      assert.equal(result.code, 0, result.stderr);
      // THEN the old volumes keep their type, recorded now, and only the new one is Directory
      assert.deepEqual(Object.fromEntries(typesOf(result.files)), {
        "data-alpha-pd-0": "DirectoryOrCreate", "data-alpha-pd-1": "DirectoryOrCreate", "data-alpha-pd-2": "Directory",
      });
      assert.equal((result.files.get("hostpath-placements.yaml")!.match(/hostPathType: DirectoryOrCreate/g) ?? []).length, 2);
    } finally {
      await project.cleanup();
    }
  });
});
