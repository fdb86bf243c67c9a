import type { RenderedTree } from "./scan.js";
import { RENDERED_DIR } from "../source/load.js";
import type { TreeChange } from "./tree.js";

export interface TreeDifference {
  /** In the expected tree, not on disk. */
  missing: string[];
  /** On disk, produced by no spec. */
  extra: string[];
  /** On both, with other bytes. */
  changed: string[];
  /** Unified diff of all of the above, from what is on disk to what should be there. */
  patch: string;
}

/**
 * How rendered/ (`actual`) differs from what the compiler produced: `change`, the tree change that
 * would bring it there. The diff library is loaded only when there is a difference to print.
 */
export async function compareTrees(change: TreeChange, actual: RenderedTree): Promise<TreeDifference> {
  const missing = change.write.filter((file) => !actual.digests.has(file));
  const changed = change.write.filter((file) => actual.digests.has(file));
  const extra = [...change.remove].sort();
  if (change.write.length + extra.length === 0) return { missing, extra, changed, patch: "" };
  const removed = new Set(extra);
  let patch = "";
  for (const file of [...change.write, ...extra].sort()) {
    patch += await filePatch(file, actual.digests.has(file) ? actual.text(file) : undefined, removed.has(file) ? undefined : change.text(file));
  }
  return { missing, extra, changed, patch };
}

/**
 * The unified diff of one file under rendered/ from `before` to `after` (`--- a/rendered/...`, `+++
 * b/rendered/...`; /dev/null for a side without the file), as git prints it. The diff library is
 * loaded on first use.
 */
export async function filePatch(file: string, before: string | undefined, after: string | undefined): Promise<string> {
  const { createTwoFilesPatch } = await import("diff");
  const name = `${RENDERED_DIR}/${file}`;
  return createTwoFilesPatch(
    before === undefined ? "/dev/null" : `a/${name}`,
    after === undefined ? "/dev/null" : `b/${name}`,
    before ?? "",
    after ?? "",
    undefined,
    undefined,
    { context: 3 },
  );
}

export function isEmpty(difference: TreeDifference): boolean {
  return difference.missing.length + difference.extra.length + difference.changed.length === 0;
}
