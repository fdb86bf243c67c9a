import assert from "node:assert/strict";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { textDigest } from "../../compiler/cache.js";
import { readTree } from "../../compiler/emit/scan.js";
import { finishInterruptedRender, Journal, JOURNAL_DIR, LOCK_FILE, treeChange, withLock, type TreeChange } from "../../compiler/emit/tree.js";
import { tempProject } from "../helpers.js";

const OLD = new Map([["a/keep.yaml", "keep\n"], ["a/change.yaml", "old\n"], ["gone/only.yaml", "gone\n"]]);
const NEW = new Map([["a/keep.yaml", "keep\n"], ["a/change.yaml", "new\n"], ["b/added.yaml", "added\n"]]);

/** What rendered/ holds, by digest, as the scan reports it. */
function digestsOf(files: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...files].map(([file, text]) => [file, textDigest(text)]));
}

/** Stages every file the change writes in a new journal, as a render's compile does, and commits it. */
function apply(root: string, change: TreeChange): void {
  const journal = Journal.open(root);
  for (const file of change.write) journal.stage(file, change.text(file));
  journal.commit(change);
}

/** The change from `onDisk` to the tree `files`, whose texts it writes. */
function changeTo(files: ReadonlyMap<string, string>, onDisk: ReadonlyMap<string, string>): TreeChange {
  return treeChange(digestsOf(files), files.keys(), (file) => files.get(file)!, digestsOf(onDisk));
}

async function projectWith(files: Map<string, string>) {
  return tempProject(Object.fromEntries([...files].map(([f, t]) => [`rendered/${f}`, t])));
}

describe("writing rendered/", () => {
  it("touches only the files that change, and removes files and folders no longer produced", async () => {
    const project = await projectWith(OLD);
    const rendered = path.join(project.root, "rendered");
    const keptBefore = await stat(path.join(rendered, "a/keep.yaml"));
    apply(project.root, changeTo(NEW, readTree(rendered)));
    const keptAfter = await stat(path.join(rendered, "a/keep.yaml"));
    const tree = await readTree(rendered);
    const dirs = await readdir(rendered);
    const leftovers = await readdir(project.root);
    await project.cleanup();
    assert.deepEqual(tree, NEW);
    assert.equal(keptAfter.ino, keptBefore.ino);
    assert.equal(keptAfter.mtimeMs, keptBefore.mtimeMs);
    assert.deepEqual(dirs.sort(), ["a", "b"]);
    assert.deepEqual(leftovers, ["rendered"]);
  });

  it("a render killed before its journal was committed leaves rendered/ as it was", async () => {
    // GIVEN a journal with staged files but no plan: the render died while staging
    const project = await projectWith(OLD);
    await mkdir(path.join(project.root, JOURNAL_DIR, "files"), { recursive: true });
    await writeFile(path.join(project.root, JOURNAL_DIR, "files", "0"), "half");
    // WHEN the next run looks for interrupted work
    const outcome = finishInterruptedRender(project.root);
    const tree = await readTree(path.join(project.root, "rendered"));
    const leftovers = await readdir(project.root);
    await project.cleanup();
    // THEN the journal is discarded and rendered/ is the old tree
    assert.equal(outcome, "discarded");
    assert.deepEqual(tree, OLD);
    assert.deepEqual(leftovers, ["rendered"]);
  });

  it("a journal discarded before its commit leaves rendered/ as it was, and no journal", async () => {
    const project = await projectWith(OLD);
    const journal = Journal.open(project.root);
    for (const [file, text] of NEW) journal.stage(file, text);
    journal.discard();
    const tree = await readTree(path.join(project.root, "rendered"));
    const leftovers = await readdir(project.root);
    await project.cleanup();
    assert.deepEqual(tree, OLD);
    assert.deepEqual(leftovers, ["rendered"]);
  });

  it("a render killed after its journal was committed is finished by the next run, at any step", async () => {
    // Simulate a kill after each possible number of applied steps by replaying a committed journal twice
    const project = await projectWith(OLD);
    const change = changeTo(NEW, OLD);
    apply(project.root, change);
    const done = await readTree(path.join(project.root, "rendered"));
    await project.cleanup();
    for (let applied = 0; applied <= change.write.length + change.remove.length; applied++) {
      const p = await projectWith(OLD);
      const journal = path.join(p.root, JOURNAL_DIR);
      await mkdir(path.join(journal, "files"), { recursive: true });
      const writes = change.write.map((file, i) => [String(i), file, change.text(file)] as const);
      for (const [name, , text] of writes) await writeFile(path.join(journal, "files", name), text);
      await writeFile(path.join(journal, "plan.json"), JSON.stringify({ write: writes.map(([n, f]) => [n, f]), remove: change.remove }));
      // the killed render had already moved the first `applied` files into place
      const { rename, unlink } = await import("node:fs/promises");
      for (const [name, file] of writes.slice(0, applied)) {
        await mkdir(path.dirname(path.join(p.root, "rendered", file)), { recursive: true });
        await rename(path.join(journal, "files", name), path.join(p.root, "rendered", file));
      }
      for (const file of change.remove.slice(0, Math.max(0, applied - writes.length))) await unlink(path.join(p.root, "rendered", file));
      const outcome = finishInterruptedRender(p.root);
      const tree = await readTree(path.join(p.root, "rendered"));
      await p.cleanup();
      assert.equal(outcome, "finished");
      assert.deepEqual(tree, done, `after ${applied} steps`);
    }
  });

  it("keeps two renders apart with a lock, and takes over a lock whose process is gone", async () => {
    const project = await tempProject({});
    const order: string[] = [];
    let release!: () => void;
    const first = withLock(project.root, () => new Promise<void>((resolve) => { order.push("first in"); release = resolve; }));
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(withLock(project.root, async () => { order.push("second in"); }), /is writing rendered\/ right now; wait for it to finish, or delete .*\.clusterc\.lock/);
    release();
    await first;
    await writeFile(path.join(project.root, LOCK_FILE), "2147483646");
    await withLock(project.root, async () => { order.push("after a dead holder"); });
    const leftovers = await readdir(project.root);
    await project.cleanup();
    assert.deepEqual(order, ["first in", "after a dead holder"]);
    assert.deepEqual(leftovers, []);
  });
});
