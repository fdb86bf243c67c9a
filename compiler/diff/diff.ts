import { DIGEST_FORMAT } from "../cache.js";
import { planChanges, type FileChange } from "../change-plan.js";
import type { CompileResult } from "../compile.js";
import type { Diagnostic } from "../diagnostics.js";
import type { RenderedTree } from "../emit/scan.js";
import { baseSide } from "./base.js";
import { fileChanges } from "./changes.js";
import type { GitRepository } from "./git.js";
import { diffReport, type DiffReport } from "./report.js";

/**
 * What the working tree's specs (`after`, compiled without errors) change in rendered/ against the
 * base commit. Files `after` reused from the cache have no text of their own: rendered/ on disk holds
 * them with those exact bytes (`onDisk`, which the cache checked). A file's digest is its SHA-1 blob
 * id, so only the files a diff shows are read, except in a SHA-256 repository.
 */
export async function diffAgainstBase(
  repo: GitRepository, ref: string, commit: string, root: string, after: CompileResult, onDisk: RenderedTree, note: (text: string) => void,
): Promise<{ report: DiffReport; changes: FileChange[] }> {
  const fleet = after.fleet!;
  const textOf = (file: string) => after.files.get(file) ?? onDisk.text(file);
  const oids = repo.objectFormat === DIGEST_FORMAT ? after.digests : new Map([...after.digests].map(([file]) => [file, repo.blobId(textOf(file))]));
  const base = await baseSide(repo, ref, commit, root, fleet, note);
  const changes = fileChanges(base, oids, textOf);
  const clusters = fleet.clusters.map((c) => ({ name: c.name, dir: c.outputDir }));
  const report = await diffReport({ ref, commit, ...(base.rendered ? { rendered: base.rendered } : {}) }, changes, clusters, new Set(base.oids.keys()), plannedWarnings(changes, after));
  return { report, changes };
}

/** The change planner's warnings about syncing these changes, by the name of the cluster whose spec they point at. */
function plannedWarnings(changes: readonly FileChange[], after: CompileResult): Map<string, Diagnostic[]> {
  const byCluster = new Map<string, Diagnostic[]>();
  for (const finding of planChanges(changes, after.fleet!)) {
    const { origin } = finding;
    const cluster = after.fleet!.clusters.find((c) => c.origin.file === origin.file && c.origin.doc === origin.doc);
    if (cluster === undefined) continue;
    byCluster.set(cluster.name, [...byCluster.get(cluster.name) ?? [], ...after.diagnose([finding])]);
  }
  return byCluster;
}
