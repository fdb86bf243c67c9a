import { isDeepStrictEqual } from "node:util";
import path from "node:path";
import { filePatch } from "../emit/compare.js";
import { foldersOf, RESERVED_OUTPUT_DIRS } from "../fleet/fleet.js";
import { compareText } from "../text-order.js";
import type { FileChange } from "../change-plan.js";
import type { Diagnostic } from "../diagnostics.js";
import { fieldChanges, type FieldChange } from "./fields.js";
import { maskTexts } from "./mask.js";
import { objectsIn, type FileObject } from "./objects.js";

export type Change = "added" | "removed" | "changed";

/** One object that is new, gone, or different between the base and the working tree. */
export interface ObjectChange {
  id: string;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Path under rendered/ of the file that holds it (after the change; before it, for a removed object). */
  file: string;
  /** Where it was before, when it moved to another file. */
  previousFile?: string;
  change: Change;
  /** For a changed object: every value that differs. Empty for added and removed objects. */
  fields: FieldChange[];
}

/** The unified diff of one changed file, secrets masked. */
export interface FilePatch {
  file: string;
  change: Change;
  patch: string;
}

/** What changed in one cluster's folder, or in the fleet-wide files. */
export interface SectionDiff {
  /** The cluster's name; absent for the fleet-wide section. */
  cluster?: string;
  /** The folder under rendered/: the cluster's, or absent for the fleet-wide files. */
  dir?: string;
  change: Change;
  counts: Record<Change, number>;
  objects: ObjectChange[];
  files: FilePatch[];
  /** What the change planner warns about syncing this change, at the spec lines that caused it. */
  warnings: Diagnostic[];
}

export interface DiffReport {
  base: { ref: string; commit: string; rendered?: "missing" | "stale" };
  /** Changed clusters by name; unchanged ones are not listed. */
  clusters: SectionDiff[];
  /** Argo CD, Flux and the state files; absent when none changed. */
  fleet?: SectionDiff;
}

/** A cluster's folder under rendered/, and its name. */
export interface ClusterDir {
  name: string;
  dir: string;
}

/**
 * Groups changed files into a section per cluster folder (the working tree's clusters, and for files
 * of clusters the base had alone, the shallowest folder holding a kustomization.yaml in the base)
 * and one for the fleet-wide files, and diffs each section's objects by kind, namespace and name.
 */
export async function diffReport(
  base: DiffReport["base"], changes: readonly FileChange[], clusters: readonly ClusterDir[], baseFiles: ReadonlySet<string>,
  warnings: ReadonlyMap<string, Diagnostic[]> = new Map(),
): Promise<DiffReport> {
  const known = new Map(clusters.map((c) => [c.dir, c]));
  const bySection = new Map<string, { cluster?: ClusterDir; change: Change; changes: FileChange[] }>();
  const sectionOf = (file: string) => {
    if (isFleetWide(file)) return { change: "changed" as const };
    const cluster = foldersOf(file).map((dir) => known.get(dir)).find((c) => c !== undefined);
    if (cluster === undefined) return { cluster: removedCluster(file, baseFiles), change: "removed" as const };
    return { cluster, change: baseFiles.has(`${cluster.dir}/kustomization.yaml`) ? "changed" as const : "added" as const };
  };
  for (const change of changes) {
    const { cluster, change: sectionChange } = sectionOf(change.file);
    const key = cluster?.dir ?? "";
    const section = bySection.get(key) ?? bySection.set(key, { ...(cluster ? { cluster } : {}), change: sectionChange, changes: [] }).get(key)!;
    section.changes.push(change);
  }
  const sections = await Promise.all([...bySection.values()].map(({ cluster, change, changes }) => sectionDiff(cluster, change, changes, warnings.get(cluster?.name ?? "") ?? [])));
  const fleet = sections.find((s) => s.cluster === undefined);
  return {
    base,
    clusters: sections.filter((s) => s.cluster !== undefined).sort((a, b) => compareText(a.cluster!, b.cluster!)),
    ...(fleet ? { fleet } : {}),
  };
}


function isFleetWide(file: string): boolean {
  return !file.includes("/") || (RESERVED_OUTPUT_DIRS as readonly string[]).some((dir) => file.startsWith(dir + "/"));
}

/** The folder of a cluster only the base has: its rendered folder is the shallowest one with a kustomization.yaml. */
function removedCluster(file: string, baseFiles: ReadonlySet<string>): ClusterDir {
  const folders = foldersOf(file);
  const dir = [...folders].reverse().find((d) => baseFiles.has(`${d}/kustomization.yaml`)) ?? folders[0]!;
  return { name: path.posix.basename(dir), dir };
}

async function sectionDiff(cluster: ClusterDir | undefined, change: Change, changes: readonly FileChange[], warnings: Diagnostic[]): Promise<SectionDiff> {
  const before = new Map<string, FileObject>();
  const after = new Map<string, FileObject>();
  for (const change of changes) {
    if (change.before !== undefined) for (const o of objectsIn(change.file, change.before)) before.set(o.id, o);
    if (change.after !== undefined) for (const o of objectsIn(change.file, change.after)) after.set(o.id, o);
  }
  const objects: ObjectChange[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(id);
    const is = after.get(id);
    const object = (is ?? was)!;
    const common = { id, ...pick(object), file: object.file };
    if (!was) objects.push({ ...common, change: "added", fields: [] });
    else if (!is) objects.push({ ...common, change: "removed", fields: [] });
    else if (was.file !== is.file || !isDeepStrictEqual(was.value, is.value)) {
      objects.push({ ...common, ...(was.file === is.file ? {} : { previousFile: was.file }), change: "changed", fields: fieldChanges(was.value, is.value) });
    }
  }
  // a file whose text changed while none of its objects did (a comment, the layout of its YAML) still shows
  const listed = new Set(objects.map((o) => o.file));
  for (const change of changes) {
    if (change.before === undefined || change.after === undefined || listed.has(change.file)) continue;
    for (const o of objectsIn(change.file, change.after)) objects.push({ id: o.id, ...pick(o), file: o.file, change: "changed", fields: [] });
  }
  objects.sort((a, b) => compareText(a.file, b.file) || compareText(a.id, b.id));
  const files = await Promise.all(changes.map(async ({ file, before: was, after: is }): Promise<FilePatch> => {
    const shown = maskTexts(was, is);
    return { file, change: changeOf(was, is), patch: await filePatch(file, shown.before, shown.after) };
  }));
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const o of objects) counts[o.change]++;
  return { ...(cluster ? { cluster: cluster.name, dir: cluster.dir } : {}), change, counts, objects, files, warnings };
}

function pick(o: FileObject): Pick<ObjectChange, "kind" | "namespace" | "name"> {
  return { ...(o.kind === undefined ? {} : { kind: o.kind }), ...(o.namespace === undefined ? {} : { namespace: o.namespace }), ...(o.name === undefined ? {} : { name: o.name }) };
}

function changeOf(before: string | undefined, after: string | undefined): Change {
  return before === undefined ? "added" : after === undefined ? "removed" : "changed";
}
