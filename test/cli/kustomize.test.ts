import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { renderExampleFleet, type RenderedObject } from "../helpers.js";

const run = promisify(execFile);

/** Objects keyed kind/namespace/name, the identity Argo CD and Flux track them by. */
function byIdentity(objects: { kind: string; metadata: { name: string; namespace?: string } }[]) {
  return new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
}

async function kustomize(dir: string): Promise<RenderedObject[]> {
  const { stdout } = await run("kubectl", ["kustomize", dir], { maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as RenderedObject);
}

describe("kubectl kustomize reads rendered/ as we wrote it", () => {
  let project: Awaited<ReturnType<typeof renderExampleFleet>>;
  let files: Map<string, string>;
  /** Folders holding a kustomization.yaml, outside rendered/argocd and rendered/flux. */
  let folders: Set<string>;
  /** The object files under a folder, at any depth. */
  const objectsUnder = (dir: string) => [...files].filter(([f]) => f.startsWith(`${dir}/`) && !f.endsWith("/kustomization.yaml")).map(([, text]) => parse(text) as RenderedObject);

  before(async () => {
    // GIVEN the example fleet, rendered fresh into a scratch copy
    project = await renderExampleFleet();
    files = project.files;
    folders = new Set([...files.keys()].filter((f) => f.endsWith("/kustomization.yaml") && !/^(argocd|flux)\//.test(f)).map((f) => path.posix.dirname(f)));
  });
  after(() => project.cleanup());

  it("every cluster folder builds to exactly the objects of every file under it, stage folders included", async () => {
    const clusterDirs = [...folders].filter((dir) => !folders.has(path.posix.dirname(dir)));
    assert.ok(clusterDirs.length >= 2);
    for (const dir of clusterDirs) {
      // WHEN kustomize builds the cluster folder, as Argo CD does
      const built = await kustomize(path.join(project.root, "rendered", dir));
      // THEN it yields the same objects, field for field, as all the files we wrote for the cluster
      assert.deepEqual(byIdentity(built), byIdentity(objectsUnder(dir)), dir);
      assert.equal(built.length, objectsUnder(dir).length, dir);
    }
  });

  it("each stage folder builds to exactly one sync wave's objects, the stages in wave order and the PostSync hooks last", async () => {
    const stageDirs = [...folders].filter((dir) => folders.has(path.posix.dirname(dir))).sort();
    assert.ok(stageDirs.length >= 8);
    const byCluster = new Map<string, string[]>();
    for (const dir of stageDirs) byCluster.set(path.posix.dirname(dir), [...byCluster.get(path.posix.dirname(dir)) ?? [], dir]);
    for (const [cluster, stages] of byCluster) {
      const ranks: number[] = [];
      for (const dir of stages) {
        // WHEN kustomize builds one stage, as that stage's Flux Kustomization does
        const built = await kustomize(path.join(project.root, "rendered", dir));
        // THEN it yields exactly the objects of its own files
        assert.deepEqual(byIdentity(built), byIdentity(objectsUnder(dir)), dir);
        // AND they are all of one sync wave, or all PostSync hooks
        const rank = new Set(built.map((o) => o.metadata.annotations?.["argocd.argoproj.io/hook"] === "PostSync"
          ? Infinity : Number(o.metadata.annotations?.["argocd.argoproj.io/sync-wave"] ?? 0)));
        assert.equal(rank.size, 1, `${dir} holds objects of waves ${[...rank].join(", ")}`);
        ranks.push([...rank][0]!);
      }
      // AND the stage folders, listed by name, go up the waves, as the cluster's kustomization.yaml lists them
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), cluster);
      assert.equal(new Set(ranks).size, ranks.length, cluster);
      if (ranks.includes(Infinity)) assert.equal(ranks.at(-1), Infinity, `${cluster}: PostSync hooks (TiDB's init Job) are the last stage`);
      const { resources } = parse(files.get(`${cluster}/kustomization.yaml`)!) as { resources: string[] };
      assert.deepEqual(resources.map((r) => `${cluster}/${r}`), stages, cluster);
    }
  });
});
