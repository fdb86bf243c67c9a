import { createTwoFilesPatch } from "diff";
import { RENDERED_DIR } from "./tree.js";

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
  const all = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  const missing: string[] = [];
  const extra: string[] = [];
  const changed: string[] = [];
  let patch = "";
  for (const file of all) {
    const want = expected.get(file);
    const have = actual.get(file);
    if (want === have) continue;
    if (have === undefined) missing.push(file);
    else if (want === undefined) extra.push(file);
    else changed.push(file);
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
  return { missing, extra, changed, patch };
}

export function isEmpty(difference: TreeDifference): boolean {
  return difference.missing.length + difference.extra.length + difference.changed.length === 0;
}
