import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { readTree } from "../../compiler/emit/scan.js";
import { REPO_ROOT, runCli, tempProject } from "../helpers.js";

const run = promisify(execFile);

/** Objects keyed kind/namespace/name, the identity Argo CD and Flux track them by. */
function byIdentity(objects: { kind: string; metadata: { name: string; namespace?: string } }[]) {
  return new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
}

describe("kubectl kustomize reads rendered/ as we wrote it", () => {
  it("every cluster directory of the example fleet builds to exactly our objects", async () => {
    // GIVEN the example fleet, rendered fresh into a scratch copy
    const project = await tempProject({});
    await cp(path.join(REPO_ROOT, "clusters"), path.join(project.root, "clusters"), { recursive: true });
    assert.equal((await runCli(["render"], project.root)).code, 0);
    const files = await readTree(path.join(project.root, "rendered"));
    const clusterDirs = [...files.keys()].filter((f) => f.endsWith("/kustomization.yaml")).map((f) => path.dirname(f));
    assert.ok(clusterDirs.length >= 2);
    try {
      for (const dir of clusterDirs) {
        // WHEN kustomize builds the directory
        const { stdout } = await run("kubectl", ["kustomize", path.join(project.root, "rendered", dir)], { maxBuffer: 64 * 1024 * 1024 });
        const built = parseAllDocuments(stdout).map((d) => d.toJS());
        // THEN it yields the same objects, field for field, as the files we wrote
        const ours = [...files].filter(([f]) => path.dirname(f) === dir && !f.endsWith("kustomization.yaml")).map(([, text]) => parse(text));
        assert.deepEqual(byIdentity(built), byIdentity(ours), dir);
      }
    } finally {
      await project.cleanup();
    }
  });
});
