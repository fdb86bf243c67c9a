import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, cp, mkdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { CACHE_DIR, textDigest } from "../../compiler/cache.js";
import { recordRendered, scanRendered } from "../../compiler/emit/scan.js";
import { tempProject } from "../helpers.js";

/** Enough files that recording them pays off, and that a scan asks git's index for them. */
const COUNT = 600;
const FILES = Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [`rendered/c${i % 5}/object-${i}.yaml`, `kind: ConfigMap # ${i}\n`]));

/**
 * A rendered/ tree scanned and recorded once, a clock tick or more after its files were written.
 * Their modification times are whole seconds, which a test can restore exactly (`utimes` takes
 * seconds as a double, which does not keep every nanosecond).
 */
async function recordedTree() {
  const project = await tempProject(FILES);
  const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000);
  await Promise.all(Object.keys(FILES).map((file) => utimes(path.join(project.root, file), second, second)));
  await sleep(50);
  const first = await scanRendered(project.root);
  recordRendered(project.root, first);
  return { project, first };
}

describe("the record of rendered/", () => {
  it("vouches for files whose size, times and inode are unchanged, so a scan reads none of them", async () => {
    const { project, first } = await recordedTree();
    const second = await scanRendered(project.root);
    await project.cleanup();
    assert.equal(first.read, COUNT);
    assert.equal(second.read, 0);
    assert.deepEqual(second.digests, first.digests);
    assert.equal(first.digests.get("c1/object-1.yaml"), textDigest("kind: ConfigMap # 1\n"));
  });

  it("does not vouch for a file replaced since, even by bytes of the same size under its old modification time", async () => {
    // as `rsync -a` or `tar -x` of an older rendered/ would leave it
    const { project } = await recordedTree();
    const file = path.join(project.root, "rendered/c1/object-1.yaml");
    const { mtime } = await stat(file);
    await writeFile(file, "kind: ConfigMap # x\n");
    await utimes(file, mtime, mtime);
    const scan = await scanRendered(project.root);
    await project.cleanup();
    assert.equal(scan.read, 1);
    assert.equal(scan.digests.get("c1/object-1.yaml"), textDigest("kind: ConfigMap # x\n"));
  });

  it("does not vouch for files as new as the record itself: they may have changed in the tick it was written", async () => {
    const { project } = await recordedTree();
    const old = new Date(Date.now() - 60_000);
    await utimes(path.join(project.root, CACHE_DIR, "rendered.json"), old, old);
    const scan = await scanRendered(project.root);
    await project.cleanup();
    assert.equal(scan.read, COUNT);
  });

  it("vouches for the files a render wrote, once it recorded them", async () => {
    // GIVEN a render that wrote 100 files into a new folder, which sorts before every other
    const { project } = await recordedTree();
    const scanned = await scanRendered(project.root);
    const write = new Map(Array.from({ length: 100 }, (_, i) => [`a-new/object-${i}.yaml`, `kind: Secret # ${i}\n`]));
    await mkdir(path.join(project.root, "rendered/a-new"));
    for (const [file, text] of write) await writeFile(path.join(project.root, "rendered", file), text);
    await sleep(50);
    recordRendered(project.root, scanned, { write: [...write.keys()].sort(), remove: [] }, new Map([...write].map(([file, text]) => [file, textDigest(text)])));
    // WHEN the next run scans the tree THEN it reads none of them, nor any other file
    const next = await scanRendered(project.root);
    await project.cleanup();
    assert.equal(next.digests.size, COUNT + 100);
    assert.equal(next.read, 0);
  });

  it("lists files added since and forgets files removed since", async () => {
    const { project } = await recordedTree();
    await rm(path.join(project.root, "rendered/c0/object-0.yaml"));
    await writeFile(path.join(project.root, "rendered/c0/new.yaml"), "kind: Secret\n");
    const scan = await scanRendered(project.root);
    await project.cleanup();
    assert.equal(scan.digests.has("c0/object-0.yaml"), false);
    assert.equal(scan.digests.get("c0/new.yaml"), textDigest("kind: Secret\n"));
    assert.equal(scan.read, 1);
  });
});

/** Runs git in `cwd` as a made-up author. */
function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, stdio: "ignore" });
}

/**
 * A repository whose rendered/ was committed, then scanned and recorded (as a check on main in CI
 * does), and a fresh clone of `branch`: every file has a new inode and new times. With `restored`,
 * the record is copied in, as actions/cache restores it. `onBranch` may commit to a branch first.
 */
async function freshClone({ restored = true, onBranch, branch = "main" }: { restored?: boolean; onBranch?: (origin: string) => Promise<void>; branch?: string } = {}) {
  const origin = await tempProject(FILES);
  git(origin.root, "init", "--quiet");
  git(origin.root, "add", "rendered");
  git(origin.root, "commit", "--quiet", "-m", "rendered");
  await sleep(50);
  recordRendered(origin.root, await scanRendered(origin.root));
  if (onBranch) {
    git(origin.root, "checkout", "--quiet", "-b", branch);
    await onBranch(origin.root);
    git(origin.root, "commit", "--quiet", "-a", "-m", "change");
  }
  const clone = await tempProject({});
  git(clone.root, "clone", "--quiet", "--branch", branch, origin.root, "repo");
  const root = path.join(clone.root, "repo");
  if (restored) await cp(path.join(origin.root, CACHE_DIR), path.join(root, CACHE_DIR), { recursive: true });
  return { root, cleanup: () => Promise.all([origin.cleanup(), clone.cleanup()]) };
}

describe("rendered/ in a fresh clone", () => {
  for (const restored of [false, true]) {
    it(`takes every committed file's digest from git's index and reads none of them, ${restored ? "with a record restored from the cache" : "without a cache"}`, async () => {
      const { root, cleanup } = await freshClone({ restored });
      const scan = await scanRendered(root);
      await cleanup();
      assert.equal(scan.read, 0);
      assert.deepEqual(scan.digests, new Map(Object.entries(FILES).map(([file, text]) => [file.slice("rendered/".length), textDigest(text)])));
    });
  }

  const changes: [string, number, (root: string) => Promise<void>][] = [
    ["a file edited in the clone", 1, (root) => writeFile(path.join(root, "rendered/c1/object-1.yaml"), "kind: ConfigMap # x\n")],
    ["a file edited in the clone that git was told to assume unchanged", 1, async (root) => {
      git(root, "update-index", "--assume-unchanged", "rendered/c1/object-1.yaml");
      await writeFile(path.join(root, "rendered/c1/object-1.yaml"), "kind: ConfigMap # x\n");
    }],
    // staged: the index names the new bytes, which the work tree holds
    ["a file edited in the clone and staged", 0, async (root) => {
      await writeFile(path.join(root, "rendered/c1/object-1.yaml"), "kind: ConfigMap # x\n");
      git(root, "add", "rendered/c1/object-1.yaml");
    }],
  ];
  for (const [what, reads, change] of changes) {
    it(`digests ${what} as its bytes are now, reading ${reads} file${reads === 1 ? "" : "s"}`, async () => {
      const { root, cleanup } = await freshClone();
      await change(root);
      const scan = await scanRendered(root);
      await cleanup();
      assert.equal(scan.read, reads);
      assert.equal(scan.digests.get("c1/object-1.yaml"), textDigest("kind: ConfigMap # x\n"));
    });
  }

  it("digests a file that the cloned commit holds with other bytes than the recorded one as committed", async () => {
    // GIVEN the record of main's rendered/ WHEN a pull request's branch, which changed one file, is cloned
    const { root, cleanup } = await freshClone({ onBranch: (origin) => writeFile(path.join(origin, "rendered/c1/object-1.yaml"), "kind: ConfigMap # x\n"), branch: "pull-request" });
    const scan = await scanRendered(root);
    await cleanup();
    // THEN git's index names the new bytes
    assert.equal(scan.digests.get("c1/object-1.yaml"), textDigest("kind: ConfigMap # x\n"));
    assert.equal(scan.read, 0);
  });

  it("reads every file of a copy that is no git work tree", async () => {
    const { root, cleanup } = await freshClone();
    await rm(path.join(root, ".git"), { recursive: true });
    const scan = await scanRendered(root);
    await cleanup();
    assert.equal(scan.read, COUNT);
  });
});

describe("git's index", () => {
  /** A `git` first on the PATH that only leaves a mark that it ran; the scan then reads every file it would have vouched for. */
  async function withMarkingGit<T>(run: () => Promise<T>): Promise<{ result: T; asked: boolean }> {
    const bin = await tempProject({ "git": "#!/bin/sh\ntouch \"$(dirname \"$0\")/asked\"\nexit 1\n" });
    await chmod(path.join(bin.root, "git"), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin.root}${path.delimiter}${saved}`;
    try {
      const result = await run();
      return { result, asked: existsSync(path.join(bin.root, "asked")) };
    } finally {
      process.env.PATH = saved;
      await bin.cleanup();
    }
  }

  it("is not asked for the few files a render just wrote: reading them is cheaper than git statting the tree", async () => {
    const { project } = await recordedTree();
    for (const i of [1, 2, 3]) await writeFile(path.join(project.root, `rendered/c${i}/object-${i}.yaml`), `kind: ConfigMap # ${i}\n`);
    const { result: scan, asked } = await withMarkingGit(() => scanRendered(project.root));
    await project.cleanup();
    assert.equal(asked, false);
    assert.equal(scan.read, 3);
  });

  it("is asked when many files lost the signature the record vouches for", async () => {
    const { project } = await recordedTree();
    await rm(path.join(project.root, CACHE_DIR), { recursive: true });
    const { result: scan, asked } = await withMarkingGit(() => scanRendered(project.root));
    await project.cleanup();
    assert.equal(asked, true);
    assert.equal(scan.read, COUNT);
  });
});
