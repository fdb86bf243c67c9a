import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { readTree } from "../../compiler/emit/scan.js";
import { REPO_ROOT, renderExampleFleet, runCli, tempProject, type RenderedObject } from "../helpers.js";

const run = promisify(execFile);

type Rendered = Awaited<ReturnType<typeof renderExampleFleet>>;

/** The objects of the files a folder's kustomization.yaml lists, as we wrote them. */
function listedObjects(files: ReadonlyMap<string, string>, dir: string): RenderedObject[] {
  const { resources } = parse(files.get(`${dir}/kustomization.yaml`)!) as { resources: string[] };
  return resources.map((name) => parse(files.get(`${dir}/${name}`)!) as RenderedObject);
}

describe("the example fleet's GitOps folders", () => {
  let fleet: Rendered;
  let appSetFleet: Rendered;
  before(async () => {
    fleet = await renderExampleFleet();
    appSetFleet = await renderExampleFleet((text) => text.replace(/argocd: \{/, "argocd: { mode: applicationset,"));
  });
  after(async () => {
    await fleet.cleanup();
    await appSetFleet.cleanup();
  });

  it("the committed rendered/argocd and rendered/flux are what the repository's own clusters/ render", async () => {
    // GIVEN a fresh render of this repository's clusters/ and policies/, whatever fleet they hold
    const own = await tempProject({});
    for (const dir of ["clusters", "policies"]) await cp(path.join(REPO_ROOT, dir), path.join(own.root, dir), { recursive: true });
    assert.equal((await runCli(["render"], own.root)).code, 0);
    const fresh = await readTree(path.join(own.root, "rendered"));
    await own.cleanup();
    // WHEN compared with the committed folders THEN they are the same files
    const committed = await readTree(path.join(REPO_ROOT, "rendered"));
    for (const dir of ["argocd/", "flux/"]) {
      const pick = (files: ReadonlyMap<string, string>) => new Map([...files].filter(([f]) => f.startsWith(dir)));
      assert.deepEqual(pick(committed), pick(fresh), dir);
    }
  });

  it("every Application points at a cluster folder and every Flux Kustomization at one of its stage folders, each once", () => {
    // GIVEN the rendered tree: cluster folders, and the stage folders each cluster's kustomization.yaml lists
    const folders = new Set([...fleet.files.keys()]
      .filter((f) => f.endsWith("/kustomization.yaml") && !f.startsWith("argocd/") && !f.startsWith("flux/"))
      .map((f) => path.posix.dirname(f)));
    const clusterDirs = [...folders].filter((dir) => !folders.has(path.posix.dirname(dir))).sort();
    assert.ok(clusterDirs.length >= 2);
    const stageDirs = clusterDirs.flatMap((dir) => {
      const { resources } = parse(fleet.files.get(`${dir}/kustomization.yaml`)!) as { resources: string[] };
      const stages = resources.map((r) => `${dir}/${r}`).filter((r) => folders.has(r));
      return stages.length > 0 ? stages : [dir];
    });
    assert.ok(stageDirs.length > clusterDirs.length);
    // WHEN we collect where Argo CD and Flux are told to look
    const appPaths = listedObjects(fleet.files, "argocd").map((app) => app.spec.source.path as string).sort();
    const fluxPaths = listedObjects(fleet.files, "flux").map((k) => (k.spec.path as string).replace(/^\.\//, "")).sort();
    // THEN Argo CD reads every cluster folder once, and Flux every stage folder once
    assert.deepEqual(appPaths, clusterDirs.map((dir) => `rendered/${dir}`));
    assert.deepEqual(fluxPaths, stageDirs.map((dir) => `rendered/${dir}`).sort());
  });

  for (const [mode, dirs] of [["applications", ["argocd", "flux"]], ["applicationset", ["argocd"]]] as const) {
    it(`kubectl kustomize builds ${dirs.join(" and ")} (${mode} mode) to exactly our objects`, async () => {
      const rendered = mode === "applications" ? fleet : appSetFleet;
      for (const dir of dirs) {
        // GIVEN the objects of the files the folder lists
        const ours = listedObjects(rendered.files, dir);
        assert.ok(ours.length > 0);
        if (mode === "applicationset") assert.deepEqual(ours.map((o) => o.kind), ["ApplicationSet"]);
        // WHEN kustomize builds the folder, as an app-of-apps or a Flux root Kustomization would
        const { stdout } = await run("kubectl", ["kustomize", path.join(rendered.root, "rendered", dir)]);
        const built = parseAllDocuments(stdout).map((doc) => doc.toJS() as RenderedObject);
        // THEN it yields the same objects, field for field
        const byName = (objects: RenderedObject[]) => new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
        assert.deepEqual(byName(built), byName(ours), dir);
        assert.equal(built.length, ours.length);
      }
    });
  }
});
