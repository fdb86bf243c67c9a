import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { readTree } from "../../compiler/emit/scan.js";
import { runCli, tempProject, type RenderedObject } from "../helpers.js";
import { COMMERCE } from "./commerce.js";

/** COMMERCE with etcd members and replica tablets as given. */
const spec = (etcd: number, replica = 2) =>
  COMMERCE.replace("cells: [zone1]", `cells: [zone1]\n  etcd: { replicas: ${etcd} }`).replace("replica: 2", `replica: ${replica}`);

async function render(root: string, text: string) {
  await writeFile(path.join(root, "clusters", "commerce.yaml"), text);
  const result = await runCli(["render"], root);
  return { ...result, files: await readTree(path.join(root, "rendered")) };
}

function objectIn(files: ReadonlyMap<string, string>, kind: string, name: string): RenderedObject {
  const file = [...files.keys()].find((f) => path.basename(f) === `${kind.toLowerCase()}-${name}.yaml`);
  assert.ok(file, `no ${kind} ${name}`);
  return parse(files.get(file)!) as RenderedObject;
}

async function withProject(steps: (root: string) => Promise<void>) {
  const project = await tempProject({ "clusters/commerce.yaml": "" });
  try {
    await steps(project.root);
  } finally {
    await project.cleanup();
  }
}

describe("VitessCluster day 2: re-renders of a running cluster", () => {
  it("etcd keeps the --initial-cluster it bootstrapped with when replicas change: running members see no new flags", () =>
    withProject(async (root) => {
      // GIVEN a cluster first rendered with 3 etcd members
      const first = await render(root, spec(3));
      assert.equal(first.code, 0, first.stderr);
      // WHEN etcd is scaled to 5
      const scaled = await render(root, spec(5));
      assert.equal(scaled.code, 0, scaled.stderr);
      // THEN the StatefulSet differs in spec.replicas alone
      const before = objectIn(first.files, "StatefulSet", "commerce-etcd");
      const after = objectIn(scaled.files, "StatefulSet", "commerce-etcd");
      assert.equal(after.spec.replicas, 5);
      assert.deepEqual({ ...after.spec, replicas: 3 }, before.spec);
    }));

  it("a first render with 5 members bootstraps all 5", () =>
    withProject(async (root) => {
      const first = await render(root, spec(5));
      assert.equal(first.code, 0, first.stderr);
      const args: string[] = objectIn(first.files, "StatefulSet", "commerce-etcd").spec.template.spec.containers[0].args;
      assert.equal(args.find((a) => a.startsWith("--initial-cluster="))!.split(",").length, 5);
    }));

  for (const change of [
    { what: "etcd members", from: spec(3), to: spec(1), component: "etcd", at: "7:", says: /docs\/vitess-runbook\.md#scale-etcd/ },
    { what: "replica tablets", from: spec(3, 3), to: spec(3, 2), component: "vttablet-commerce-0-replica", at: "11:18:", says: /docs\/vitess-runbook\.md#scale-tablets/ },
  ]) {
    it(`fewer ${change.what} than last rendered: a warning at the spec that names the runbook section`, () =>
      withProject(async (root) => {
        assert.equal((await render(root, change.from)).code, 0);
        const shrunk = await render(root, change.to);
        assert.equal(shrunk.code, 0, "a warning, not an error");
        const warning = shrunk.stderr.split("\n").find((l) => l.includes("warning scale-down"));
        assert.ok(warning, shrunk.stderr);
        assert.ok(warning.startsWith(`clusters/commerce.yaml:${change.at}`), warning);
        assert.match(warning, new RegExp(`${change.component}: replicas`));
        assert.match(warning, change.says);
      }));
  }
});
