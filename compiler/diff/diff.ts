import type { CompileResult } from "../compile.js";
import type { RenderedTree } from "../emit/scan.js";
import { baseSide } from "./base.js";
import { fileChanges, type FileChange } from "./changes.js";
import type { GitRepository } from "./git.js";
import { diffReport, type DiffReport } from "./report.js";

/**
 * What the working tree's specs (`after`, compiled without errors) change in rendered/ against the
 * base commit. Files `after` reused from the cache have no text of their own: rendered/ on disk holds
 * them with those exact bytes (`onDisk`, which the cache checked), so they are read from there.
 */
export async function diffAgainstBase(
  repo: GitRepository, ref: string, commit: string, root: string, after: CompileResult, onDisk: RenderedTree, note: (text: string) => void,
): Promise<{ report: DiffReport; changes: FileChange[] }> {
  const fleet = after.fleet!;
  const texts = new Map([...after.digests.keys()].map((file) => [file, after.files.get(file) ?? onDisk.text(file)]));
  const base = await baseSide(repo, commit, root, fleet, note);
  const changes = fileChanges(base, texts, (text) => repo.blobId(text));
  const clusters = fleet.clusters.map((c) => ({ name: c.name, dir: c.outputDir }));
  const report = await diffReport({ ref, commit, ...(base.rendered ? { rendered: base.rendered } : {}) }, changes, clusters, new Set(base.oids.keys()));
  return { report, changes };
}
