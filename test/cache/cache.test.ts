import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { CACHE_DIR } from "../../compiler/cache.js";
import { MINIMAL_TIDB_SPEC, runCli, tempProject, THREE_NODE_POOL, tidbSpec } from "../helpers.js";

const MARK = "# tampered-cache-entry\n";
const cacheFile = (root: string) => path.join(root, CACHE_DIR, "clusters.json");

/** A rendered fleet of two clusters (one on a pool) and one policy, with beta's cached output tampered with. */
async function fleetWithTamperedBeta() {
  const project = await tempProject({
    "clusters/pool.yaml": THREE_NODE_POOL,
    "clusters/alpha.yaml": tidbSpec("alpha", MINIMAL_TIDB_SPEC),
    "clusters/beta.yaml": tidbSpec("beta", MINIMAL_TIDB_SPEC.replace("size: 100Gi }", "size: 100Gi, hostPath: { pool: dc1 } }")),
    "policies/base.yaml": "apiVersion: clusterc/v1\nkind: Policy\nmetadata: { name: base }\nspec: { rules: { antiAffinity: required } }\n",
  });
  assert.equal((await runCli(["render"], project.root)).code, 0);
  const cache = JSON.parse(await readFile(cacheFile(project.root), "utf8"));
  const beta = cache.entries.beta.output.files as [string, string][];
  beta[0]![1] += MARK;
  await writeFile(cacheFile(project.root), JSON.stringify(cache));
  return project;
}

/** Whether a check now sees the tampered entry, i.e. reused beta's cached output instead of compiling it. */
async function reusesBeta(root: string): Promise<boolean> {
  const { stdout } = await runCli(["check"], root);
  return stdout.includes(`+${MARK.trim()}`);
}

async function edit(root: string, file: string, change: (text: string) => string) {
  const full = path.join(root, file);
  await writeFile(full, change(await readFile(full, "utf8")));
}

describe("the cluster cache", () => {
  it("reuses a cluster's output while none of its inputs changed, also when another cluster changed", async () => {
    const project = await fleetWithTamperedBeta();
    const untouched = await reusesBeta(project.root);
    await edit(project.root, "clusters/alpha.yaml", (t) => t.replace("v7.5.1", "v7.5.2"));
    const afterOtherEdit = await reusesBeta(project.root);
    await project.cleanup();
    assert.equal(untouched, true);
    assert.equal(afterOtherEdit, true);
  });

  const invalidations: [string, string, (t: string) => string][] = [
    ["its spec", "clusters/beta.yaml", (t) => t.replace("v7.5.1", "v7.5.2")],
    ["a comment in its spec file (lines can move)", "clusters/beta.yaml", (t) => `# owner: payments\n${t}`],
    ["a policy", "policies/base.yaml", (t) => t.replace("required", "preferred")],
    ["a pool", "clusters/pool.yaml", (t) => t.replace("name: n3", "name: n3, zone: z3")],
  ];
  for (const [what, file, change] of invalidations) {
    it(`compiles a cluster again when ${what} changes`, async () => {
      const project = await fleetWithTamperedBeta();
      await edit(project.root, file, change);
      const reused = await reusesBeta(project.root);
      await project.cleanup();
      assert.equal(reused, false);
    });
  }

  it("survives a run that stops at an error in the specs", async () => {
    // GIVEN a cached fleet WHEN a typo stops a check before any cluster is compiled, then is fixed
    const project = await fleetWithTamperedBeta();
    await edit(project.root, "clusters/alpha.yaml", (t) => t.replace("version:", "verison:"));
    const broken = await runCli(["check"], project.root);
    await edit(project.root, "clusters/alpha.yaml", (t) => t.replace("verison:", "version:"));
    const reused = await reusesBeta(project.root);
    await project.cleanup();
    // THEN the entries of the untouched clusters are still there
    assert.equal(broken.code, 1);
    assert.equal(reused, true);
  });

  it("ignores a cache file it cannot read", async () => {
    const project = await fleetWithTamperedBeta();
    await writeFile(cacheFile(project.root), "{ not json");
    const { code } = await runCli(["check"], project.root);
    await project.cleanup();
    assert.equal(code, 0);
  });
});
