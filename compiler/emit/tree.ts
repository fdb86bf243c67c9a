import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import fg from "fast-glob";

export const RENDERED_DIR = "rendered";

/** Every file under dir, keyed by its path relative to dir; empty when dir does not exist. */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const paths = await fg("**/*", { cwd: dir, dot: true, onlyFiles: true, followSymbolicLinks: false });
  paths.sort();
  const files = new Map<string, string>();
  for (const file of paths) files.set(file, await readFile(path.join(dir, file), "utf8"));
  return files;
}

/**
 * Replaces root/rendered with exactly `files`. The new tree is written beside it and swapped in by
 * rename, so a failure while writing leaves the old tree as it was, and files no spec produces any
 * more disappear with the old tree.
 */
export async function replaceTree(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  const target = path.join(root, RENDERED_DIR);
  const staging = path.join(root, `.${RENDERED_DIR}.new-${process.pid}`);
  const retired = path.join(root, `.${RENDERED_DIR}.old-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    const dirs = new Set([...files.keys()].map((file) => path.dirname(path.join(staging, file))));
    dirs.add(staging);
    for (const dir of [...dirs].sort()) await mkdir(dir, { recursive: true });
    for (const [file, content] of files) await writeFile(path.join(staging, file), content);
    const hadTree = await rename(target, retired).then(() => true, (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return false;
      throw e;
    });
    await rename(staging, target);
    if (hadTree) await rm(retired, { recursive: true, force: true });
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}
