import { mkdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { open, readFile, readdir, rm, unlink } from "node:fs/promises";
import path from "node:path";

export const RENDERED_DIR = "rendered";
/** Beside rendered/: the journal of a render in progress, and the lock that keeps renders apart. */
export const JOURNAL_DIR = ".clusterc-journal";
export const LOCK_FILE = ".clusterc.lock";

/** What a render changes in rendered/: files to write (new or changed) and files to remove. */
export interface TreeChange {
  write: ReadonlyMap<string, string>;
  remove: readonly string[];
}

/**
 * The change from what rendered/ holds (`onDisk`: the digest of each file) to what the compiler
 * produced: the digest of every file it wants, and the text of those it compiled (a file without
 * text was found on disk already).
 */
export function treeChange(
  wanted: ReadonlyMap<string, string>, texts: ReadonlyMap<string, string>, onDisk: ReadonlyMap<string, string>,
): TreeChange {
  return {
    write: new Map([...texts].filter(([file]) => onDisk.get(file) !== wanted.get(file))),
    remove: [...onDisk.keys()].filter((file) => !wanted.has(file)),
  };
}

interface Journal {
  /** Staged file name in the journal -> path under rendered/. */
  write: [string, string][];
  remove: string[];
}

/**
 * Applies a change to root/rendered, touching only the files that change. The new bytes are first
 * staged in a journal beside rendered/; writing the journal's plan is the commit point. A render
 * killed before it leaves rendered/ as it was (the next run discards the journal); one killed after
 * it is finished by the next run (`finishInterruptedRender`), since every step can be replayed.
 */
export async function applyChange(root: string, change: TreeChange): Promise<void> {
  const journal = path.join(root, JOURNAL_DIR);
  await rm(journal, { recursive: true, force: true });
  mkdirSync(path.join(journal, "files"), { recursive: true });
  const plan: Journal = { write: [], remove: [...change.remove] };
  let staged = 0;
  for (const [file, text] of change.write) {
    const name = String(staged++);
    writeFileSync(path.join(journal, "files", name), text);
    plan.write.push([name, file]);
  }
  writeFileSync(path.join(journal, "plan.json.tmp"), JSON.stringify(plan));
  renameSync(path.join(journal, "plan.json.tmp"), path.join(journal, "plan.json"));
  await replay(root, plan);
}

/**
 * Completes or discards what a killed render left behind. Returns what it did, for the user;
 * undefined when there was nothing to do.
 */
export async function finishInterruptedRender(root: string): Promise<"finished" | "discarded" | undefined> {
  const journal = path.join(root, JOURNAL_DIR);
  const planText = await readFile(path.join(journal, "plan.json"), "utf8").catch(() => undefined);
  if (planText !== undefined) {
    await replay(root, JSON.parse(planText) as Journal);
    return "finished";
  }
  const exists = await readdir(journal).then(() => true, () => false);
  if (!exists) return undefined;
  await rm(journal, { recursive: true, force: true });
  return "discarded";
}

/** Whether a killed render left a committed journal that only a render may finish. */
export async function hasInterruptedRender(root: string): Promise<boolean> {
  return readFile(path.join(root, JOURNAL_DIR, "plan.json")).then(() => true, () => false);
}

/** Moves the staged files into place and removes the others; each step can run twice without harm. */
async function replay(root: string, plan: Journal): Promise<void> {
  const journal = path.join(root, JOURNAL_DIR);
  const target = path.join(root, RENDERED_DIR);
  const made = new Set<string>();
  for (const [name, file] of plan.write) {
    const dir = path.dirname(path.join(target, file));
    if (!made.has(dir)) mkdirSync(dir, { recursive: true });
    made.add(dir);
    ignoringMissing(() => renameSync(path.join(journal, "files", name), path.join(target, file)));
  }
  for (const file of plan.remove) {
    ignoringMissing(() => unlinkSync(path.join(target, file)));
    removeEmptyParents(target, path.dirname(file));
  }
  await rm(journal, { recursive: true, force: true });
}

function removeEmptyParents(target: string, dir: string): void {
  for (let current = dir; current !== "."; current = path.dirname(current)) {
    try {
      rmdirSync(path.join(target, current));
    } catch {
      return; // not empty, or already gone
    }
  }
}

function ignoringMissing(step: () => void): void {
  try {
    step();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

function ignoreMissing(e: NodeJS.ErrnoException): void {
  if (e.code !== "ENOENT") throw e;
}

/** Thrown when another render holds the lock. */
export class LockedError extends Error {}

/**
 * Runs `work` while holding root/.clusterc.lock, so two renders of one tree never interleave their
 * writes. A lock whose process is gone (killed) is taken over.
 */
export async function withLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(root, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    const handle = await open(lock, "wx").catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST" || attempt > 0) throw lockedError(lock, e);
      const holder = Number((await readFile(lock, "utf8").catch(() => "")).trim());
      if (isRunning(holder)) throw lockedError(lock, e, holder);
      await unlink(lock).catch(ignoreMissing);
      return undefined;
    });
    if (!handle) continue;
    await handle.writeFile(String(process.pid));
    await handle.close();
    try {
      return await work();
    } finally {
      await unlink(lock).catch(ignoreMissing);
    }
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockedError(lock: string, cause: NodeJS.ErrnoException, holder?: number): LockedError {
  if (cause.code !== "EEXIST") return new LockedError(`cannot create ${lock}: ${cause.message}`);
  const who = holder ? `clusterc (pid ${holder})` : "another clusterc";
  return new LockedError(`${who} is writing ${RENDERED_DIR}/ right now; wait for it to finish, or delete ${lock} if no render is running`);
}
