import type { FileChange } from "../change-plan.js";
import { compareText } from "../text-order.js";
import type { BaseSide } from "./base.js";

/**
 * The files whose bytes differ, in path order. A file is compared by its git blob id (`after`: the
 * blob id of every file the specs produce): only the texts of files that changed are read, on
 * either side, and none is parsed.
 */
export function fileChanges(base: BaseSide, after: ReadonlyMap<string, string>, textOf: (file: string) => string): FileChange[] {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [file, oid] of after) {
    const before = base.oids.get(file);
    if (before === undefined) added.push(file);
    else if (before !== oid) changed.push(file);
  }
  const removed = [...base.oids.keys()].filter((file) => !after.has(file));
  const before = base.read([...changed, ...removed]);
  return [
    ...added.map((file) => ({ file, after: textOf(file) })),
    ...changed.map((file) => ({ file, before: before.get(file)!, after: textOf(file) })),
    ...removed.map((file) => ({ file, before: before.get(file)! })),
  ].sort((a, b) => compareText(a.file, b.file));
}
