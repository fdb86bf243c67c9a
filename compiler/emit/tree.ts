import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { RENDERED_DIR } from "../source/load.js";

/** Beside rendered/: the journal of a render in progress, and the lock that keeps renders apart. */
export const JOURNAL_DIR = ".clusterc-journal";
export const LOCK_FILE = ".clusterc.lock";

/** What a render changes in rendered/: files to write (new or changed) and files to remove. */
export interface TreeChange {
  /** By path under rendered/, sorted. */
  write: readonly string[];
  remove: readonly string[];
  /** The text a file of `write` gets. */
  text: (file: string) => string;
}

/**
 * The change from what rendered/ holds (`onDisk`: the digest of each file) to what the compiler
 * produced: the digest of every file it wants, and the text of those that rendered/ may lack
 * (`compiled`: a file the compile reused was found on disk already).
 */
export function treeChange(
  wanted: ReadonlyMap<string, string>, compiled: Iterable<string>, text: (file: string) => string, onDisk: ReadonlyMap<string, string>,
): TreeChange {
  return {
    write: [...compiled].filter((file) => onDisk.get(file) !== wanted.get(file)).sort(),
    remove: [...onDisk.keys()].filter((file) => !wanted.has(file)),
    text,
  };
}

interface Plan {
  /** Staged file name in the journal -> path under rendered/. */
  write: [string, string][];
  remove: string[];
}

/**
 * The journal of a render, beside rendered/: the compile stages each file it may write there as
 * soon as the file is compiled, so a render holds no fleet's worth of text in memory. Nothing under
 * rendered/ changes before `commit`. Writing the journal's plan is the commit point: a render killed
 * before it leaves rendered/ as it was (the next run discards the journal); one killed after it is
 * finished by the next run (`finishInterruptedRender`), since every step can be replayed.
 */
export class Journal {
  private readonly staged = new Map<string, string>();

  private constructor(private readonly root: string) {}

  /** An empty journal, replacing whatever an earlier render left (finish that one first). */
  static open(root: string): Journal {
    const journal = path.join(root, JOURNAL_DIR);
    rmSync(journal, { recursive: true, force: true });
    mkdirSync(path.join(journal, "files"), { recursive: true });
    return new Journal(root);
  }

  /** Stages the text of a file under rendered/. */
  stage(file: string, text: string): void {
    const name = String(this.staged.size);
    writeFileSync(path.join(this.root, JOURNAL_DIR, "files", name), text);
    this.staged.set(file, name);
  }

  /** The files staged so far. */
  files(): IterableIterator<string> {
    return this.staged.keys();
  }

  /** The text staged for `file`. */
  text(file: string): string {
    return readFileSync(path.join(this.root, JOURNAL_DIR, "files", this.staged.get(file)!), "utf8");
  }

  /** Applies `change`, whose files to write are all staged, touching only the files that change. */
  commit(change: Pick<TreeChange, "write" | "remove">): void {
    const journal = path.join(this.root, JOURNAL_DIR);
    const plan: Plan = { write: change.write.map((file) => [this.staged.get(file)!, file]), remove: [...change.remove] };
    writeFileSync(path.join(journal, "plan.json.tmp"), JSON.stringify(plan));
    renameSync(path.join(journal, "plan.json.tmp"), path.join(journal, "plan.json"));
    replay(this.root, plan);
  }

  /** Drops what was staged, unless `commit` already applied it. */
  discard(): void {
    if (!hasInterruptedRender(this.root)) rmSync(path.join(this.root, JOURNAL_DIR), { recursive: true, force: true });
  }
}

/**
 * Completes or discards what a killed render left behind. Returns what it did, for the user;
 * undefined when there was nothing to do.
 */
export function finishInterruptedRender(root: string): "finished" | "discarded" | undefined {
  const journal = path.join(root, JOURNAL_DIR);
  if (hasInterruptedRender(root)) {
    replay(root, JSON.parse(readFileSync(path.join(journal, "plan.json"), "utf8")) as Plan);
    return "finished";
  }
  if (!existsSync(journal)) return undefined;
  rmSync(journal, { recursive: true, force: true });
  return "discarded";
}

/** Whether a killed render left a committed journal that only a render may finish. */
export function hasInterruptedRender(root: string): boolean {
  return existsSync(path.join(root, JOURNAL_DIR, "plan.json"));
}

/** Moves the staged files into place and removes the others; each step can run twice without harm. */
function replay(root: string, plan: Plan): void {
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
  rmSync(journal, { recursive: true, force: true });
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

/** Thrown when another render holds the lock. */
export class LockedError extends Error {}

/**
 * Runs `work` while holding root/.clusterc.lock, so two renders of one tree never interleave their
 * writes. A lock whose process is gone (killed) is taken over.
 */
export async function withLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(root, LOCK_FILE);
  // synchronous calls: taking the lock is on the path of every render, and each awaited call costs milliseconds
  for (let attempt = 0; ; attempt++) {
    let handle: number;
    try {
      handle = openSync(lock, "wx");
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      if (error.code !== "EEXIST" || attempt > 0) throw lockedError(lock, error);
      const holder = Number(readOrEmpty(lock).trim());
      if (isRunning(holder)) throw lockedError(lock, error, holder);
      ignoringMissing(() => unlinkSync(lock));
      continue;
    }
    writeSync(handle, String(process.pid));
    closeSync(handle);
    try {
      return await work();
    } finally {
      ignoringMissing(() => unlinkSync(lock));
    }
  }
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
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
