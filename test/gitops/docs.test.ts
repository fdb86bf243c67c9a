import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { TIDB_WAVES } from "../../compiler/engines/tidb.js";
import { REPO_ROOT, renderExampleFleet, type RenderedObject } from "../helpers.js";

const guide = () => readFile(path.join(REPO_ROOT, "docs/gitops.md"), "utf8");
/** The example fleet, which the guide and the README picture, rendered once for these tests. */
let example: Awaited<ReturnType<typeof renderExampleFleet>>;
before(async () => {
  example = await renderExampleFleet();
});
after(() => example.cleanup());
const committed = async (file: string) => parse(example.files.get(file)!) as RenderedObject;

describe("docs/gitops.md", () => {
  it("states the sync wave of every TiDB component as the engine sets it", async () => {
    // GIVEN the engine's waves WHEN the guide's wave table is read THEN each component is in its wave
    const text = await guide();
    const names = { pd: "PD", tikv: "TiKV", tidb: "TiDB" } as const;
    for (const [component, wave] of Object.entries(TIDB_WAVES)) {
      assert.match(text, new RegExp(`^\\| TiDBCluster \\| ${wave} \\| ${names[component as keyof typeof names]}:`, "m"), component);
    }
  });

  it("shows the stage folders and the Flux chain of the example cluster endgame as they are rendered", async () => {
    // GIVEN the guide's picture of rendered/prod/endgame/ and of its Kustomizations in rendered/flux/
    const text = await guide();
    const tree = text.slice(text.indexOf("    rendered/prod/endgame/\n"), text.indexOf("\n\n", text.indexOf("    rendered/flux/\n")));
    const stageDirs = [...tree.matchAll(/^ {6}(\S+)\/ /gm)].map((m) => m[1]);
    const chain = [...tree.matchAll(/^ {6}(kustomization-\S+\.yaml) +path (\S+?)(?:, dependsOn (\S+))?$/gm)];
    assert.ok(stageDirs.length > 1 && chain.length === stageDirs.length, tree);
    // WHEN compared with the rendering of the example fleet
    // THEN the folders are the ones the cluster's kustomization.yaml lists, in order
    assert.deepEqual(stageDirs, (await committed("prod/endgame/kustomization.yaml")).resources);
    // AND each Kustomization has the path and the dependsOn shown, and rendered/flux/ lists them in that order
    for (const [, file, stagePath, dependsOn] of chain) {
      const kustomization = await committed(`flux/${file}`);
      assert.equal(kustomization.spec.path, stagePath, file);
      assert.deepEqual(kustomization.spec.dependsOn, dependsOn === undefined ? undefined : [{ name: dependsOn }], file);
    }
    const listed = ((await committed("flux/kustomization.yaml")).resources as string[]).filter((f) => /^kustomization-endgame(-|\.)/.test(f));
    assert.deepEqual(listed, chain.map((m) => m[1]));
  });
});

describe("README", () => {
  it("shows the stage folders of a TiDB cluster in its repository layout as they are rendered", async () => {
    // GIVEN the README's repository layout WHEN its stage folders are read
    const text = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const shown = [...text.matchAll(/^ {4}rendered\/prod\/orders\/(\S+)\/( |$)/gm)].map((m) => m[1]);
    // THEN they are the folders the example cluster endgame, a TiDB cluster with a secretRef password, renders
    assert.deepEqual(shown, (await committed("prod/endgame/kustomization.yaml")).resources);
  });
});
