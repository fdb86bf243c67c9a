import type { RenderedTree } from "./scan.js";
import { RENDERED_DIR } from "../source/load.js";
import { treeChange } from "./tree.js";

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
 * How rendered/ differs from what the compiler produced: the digest of every expected file, and
 * the text of those that rendered/ lacks. The diff library is loaded only when there is a
 * difference to print.
 */
export async function compareTrees(expected: ReadonlyMap<string, string>, texts: ReadonlyMap<string, string>, actual: RenderedTree): Promise<TreeDifference> {
  const text = (file: string) => texts.get(file)!;
  const change = treeChange(expected, texts.keys(), text, actual.digests);
  const missing = change.write.filter((file) => !actual.digests.has(file));
  const changed = change.write.filter((file) => actual.digests.has(file));
  const extra = [...change.remove];
  if (change.write.length + extra.length === 0) return { missing, extra, changed, patch: "" };
  let patch = "";
  for (const file of [...change.write, ...extra].sort()) {
    patch += await filePatch(file, actual.digests.has(file) ? actual.text(file) : undefined, expected.has(file) ? text(file) : undefined);
  }
  return { missing, extra: extra.sort(), changed, patch };
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
