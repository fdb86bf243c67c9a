import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { readTree } from "../../compiler/emit/scan.js";
import { MINIMAL_TIDB_SPEC, REPO_ROOT, runCli, tempProject, tidbSpec } from "../helpers.js";

const CLI = path.join(REPO_ROOT, "bin/clusterc.js");
const CLUSTERS = 60;

/** A fleet rendered at v7.5.1 whose specs now say v7.5.2: the next render rewrites most files. */
async function editedFleet() {
  const files = Object.fromEntries(Array.from({ length: CLUSTERS }, (_, i) => [`clusters/c${i}.yaml`, tidbSpec(`c${i}`, MINIMAL_TIDB_SPEC)]));
  const project = await tempProject(files);
  assert.equal((await runCli(["render"], project.root)).code, 0);
  const before = await readTree(path.join(project.root, "rendered"));
  for (const file of Object.keys(files)) {
    const full = path.join(project.root, file);
    await writeFile(full, (await readFile(full, "utf8")).replace("v7.5.1", "v7.5.2"));
  }
  return { project, before };
}

function startRender(root: string) {
  const child = spawn(process.execPath, [CLI, "render", "--root", root], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  return { child, done };
}

describe("interrupted and concurrent renders", () => {
  it("a render killed at any moment leaves the old tree, the new one, or a journal the next render finishes", { timeout: 120_000 }, async () => {
    const { project: template, before } = await editedFleet();
    const reference = await tempProject({});
    await cp(template.root, reference.root, { recursive: true });
    const started = Date.now();
    assert.equal((await startRender(reference.root).done).code, 0);
    const renderTime = Date.now() - started;
    const after = await readTree(path.join(reference.root, "rendered"));
    await reference.cleanup();
    assert.notDeepEqual(after, before);
    // Kill points spread over a whole render, densest at the end where it writes
    for (const fraction of [0.3, 0.6, 0.75, 0.85, 0.9, 0.93, 0.96, 0.98, 0.99, 1.0]) {
      const delay = Math.round(fraction * renderTime);
      const attempt = await tempProject({});
      await cp(template.root, attempt.root, { recursive: true });
      const { child, done } = startRender(attempt.root);
      await new Promise((r) => setTimeout(r, delay));
      child.kill("SIGKILL");
      await done;
      const killed = await readTree(path.join(attempt.root, "rendered"));
      const journal = (await readdir(attempt.root)).includes(".clusterc-journal");
      const check = await runCli(["check"], attempt.root);
      // THEN what a reader sees is the old tree, the new tree, or a half-write that check names
      if (!journal || !(await readFile(path.join(attempt.root, ".clusterc-journal/plan.json")).then(() => true, () => false))) {
        assert.ok([before, after].some((tree) => JSON.stringify([...tree]) === JSON.stringify([...killed])), `killed after ${delay} ms: a mixed tree`);
      } else {
        assert.equal(check.code, 1);
        assert.match(check.stderr, /interrupted .* run `node bin\/clusterc\.js render` to finish it/);
      }
      // AND the next render (which also clears the dead render's lock) ends with the new tree
      const next = await runCli(["render"], attempt.root);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(await readTree(path.join(attempt.root, "rendered")), after, `after ${delay} ms`);
      const left = await readdir(attempt.root);
      assert.ok(!left.includes(".clusterc-journal") && !left.includes(".clusterc.lock"), left.join(", "));
      await attempt.cleanup();
    }
    await template.cleanup();
  });

  it("a render that stops at an error in the specs leaves rendered/ as it was and no journal, though it staged files while compiling", async () => {
    // GIVEN a rendered fleet whose specs now say v7.5.2, and one spec with an error after the others
    const { project, before } = await editedFleet();
    await writeFile(path.join(project.root, "clusters/zz-broken.yaml"), tidbSpec("zz-broken", MINIMAL_TIDB_SPEC.replace("v7.5.1", "seven")));
    // WHEN it is rendered
    const { code, stderr } = await runCli(["render"], project.root);
    const after = await readTree(path.join(project.root, "rendered"));
    const leftovers = await readdir(project.root);
    await project.cleanup();
    // THEN nothing changed, and the journal the compile staged the other clusters' files in is gone
    assert.equal(code, 1, stderr);
    assert.deepEqual(after, before);
    assert.equal(leftovers.includes(".clusterc-journal"), false);
  });

  it("two renders started at once never corrupt the tree: one waits its turn or is told to", { timeout: 60_000 }, async () => {
    const { project } = await editedFleet();
    const reference = await tempProject({});
    await cp(project.root, reference.root, { recursive: true });
    await runCli(["render"], reference.root);
    const after = await readTree(path.join(reference.root, "rendered"));
    await reference.cleanup();
    const results = await Promise.all([startRender(project.root).done, startRender(project.root).done]);
    const tree = await readTree(path.join(project.root, "rendered"));
    await project.cleanup();
    for (const { code, stderr } of results) {
      assert.ok(code === 0 || (code === 2 && /is writing rendered\/ right now/.test(stderr)), stderr);
    }
    assert.ok(results.some((r) => r.code === 0));
    assert.deepEqual(tree, after);
  });
});
