import { createTwoFilesPatch } from "diff";
import { RENDERED_DIR, treeChange } from "./tree.js";

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

export function compareTrees(expected: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): TreeDifference {
  const change = treeChange(expected, actual);
  const written = [...change.write.keys()];
  const missing = written.filter((file) => !actual.has(file));
  const changed = written.filter((file) => actual.has(file));
  const extra = [...change.remove];
  let patch = "";
  for (const file of [...written, ...extra].sort()) {
    const want = expected.get(file);
    const have = actual.get(file);
    const name = `${RENDERED_DIR}/${file}`;
    patch += createTwoFilesPatch(
      have === undefined ? "/dev/null" : `a/${name}`,
      want === undefined ? "/dev/null" : `b/${name}`,
      have ?? "",
      want ?? "",
      undefined,
      undefined,
      { context: 3 },
    );
  }
  return { missing: missing.sort(), extra: extra.sort(), changed: changed.sort(), patch };
}

export function isEmpty(difference: TreeDifference): boolean {
  return difference.missing.length + difference.extra.length + difference.changed.length === 0;
}
