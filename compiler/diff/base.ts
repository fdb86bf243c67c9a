import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { compile } from "../compile.js";
import { hasErrors } from "../diagnostics.js";
import { ENGINES } from "../engines/index.js";
import { CLUSTER_STATE_NAME } from "../fleet/cluster-state.js";
import { outputDirOf, type Fleet } from "../fleet/fleet.js";
import { PLACEMENTS_NAME } from "../placement/record.js";
import { RENDERED_DIR, SOURCE_DIRS } from "../source/load.js";
import type { GitRepository, TreeEntry } from "./git.js";
import { objectsIn } from "./objects.js";

/** The before side of a diff: every file of the base's rendered/ by its blob id, and how to read some of them. */
export interface BaseSide {
  oids: ReadonlyMap<string, string>;
  /** The texts of these files, read together (one git process for committed files). */
  read: (files: readonly string[]) => Map<string, string>;
  /** Why the base's specs were rendered instead of reading its committed rendered/; absent when they were not. */
  rendered?: "missing" | "stale";
}

const CLUSTER_KINDS: ReadonlySet<string> = new Set(Object.keys(ENGINES));
const SPEC_FILE = /\.ya?ml$/;

/**
 * The base commit's rendered/ as committed, read from git objects, never from the working tree.
 * Only when it is missing (no file under rendered/) or stale (it lacks the folder of a cluster the
 * base's own specs define: committed without a render) are the base's specs rendered instead, in a
 * temporary directory. `fleet` is the working tree's: spec files the base holds with the same bytes
 * define the same clusters, so only the spec files a change touched are read to tell.
 */
export async function baseSide(repo: GitRepository, ref: string, commit: string, root: string, fleet: Fleet, note: (text: string) => void): Promise<BaseSide> {
  const committed = new Map(repo.listTree(commit, [`${RENDERED_DIR}/`]).map((e) => [e.path.slice(RENDERED_DIR.length + 1), e.oid]));
  const fromGit: BaseSide = { oids: committed, read: (files) => readFiles(repo, files, committed) };
  const specs = repo.listTree(commit, SOURCE_DIRS.map((dir) => `${dir}/`));
  const reason = committed.size === 0 ? "missing" : missingClusterDir(repo, specs, committed, root, fleet) ? "stale" : undefined;
  if (reason === undefined) return fromGit;
  const at = `${RENDERED_DIR}/ at ${ref} ${reason === "missing" ? "is missing" : "lacks a cluster its specs define"}`;
  const states = repo.listTree(commit, [PLACEMENTS_NAME, CLUSTER_STATE_NAME].map((file) => `${RENDERED_DIR}/${file}`));
  const texts = await renderBase(repo, [...specs, ...states]);
  if (texts === undefined) {
    note(`${at}, and the base's specs have errors: compared with its committed ${RENDERED_DIR}/ as it is\n`);
    return fromGit;
  }
  note(`${at}: rendered the base's specs\n`);
  return { oids: new Map([...texts].map(([file, text]) => [file, repo.blobId(text)])), read: (files) => new Map(files.map((f) => [f, texts.get(f)!])), rendered: reason };
}

/** Whether some cluster of the base's specs has no `kustomization.yaml` in its folder of the base's rendered/. */
function missingClusterDir(repo: GitRepository, specs: readonly TreeEntry[], committed: ReadonlyMap<string, string>, root: string, fleet: Fleet): boolean {
  const clusterSpecs = specs.filter((e) => e.path.startsWith("clusters/") && SPEC_FILE.test(e.path));
  const working = new Map<string, string[]>();
  for (const cluster of fleet.clusters) working.set(cluster.origin.file, [...working.get(cluster.origin.file) ?? [], cluster.outputDir]);
  const unchanged = (entry: TreeEntry) => {
    try {
      return repo.blobId(readFileSync(path.join(root, entry.path))) === entry.oid;
    } catch {
      return false; // gone from the working tree
    }
  };
  const touched = new Set(clusterSpecs.filter((e) => !unchanged(e)));
  const blobs = repo.readBlobs([...touched].map((e) => e.oid));
  const dirs = [
    ...clusterSpecs.filter((e) => !touched.has(e)).flatMap((e) => working.get(e.path) ?? []),
    ...[...touched].flatMap((e) => objectsIn(e.path, blobs.get(e.oid)!.toString("utf8"))
      .filter((o) => o.kind !== undefined && CLUSTER_KINDS.has(o.kind) && o.name !== undefined)
      .map((o) => outputDirOf(e.path, o.name!))),
  ];
  return dirs.some((dir) => !committed.has(`${dir}/kustomization.yaml`));
}

/** Compiles the base's sources, exported from git into a temporary directory; undefined when they have errors. */
async function renderBase(repo: GitRepository, entries: readonly TreeEntry[]): Promise<Map<string, string> | undefined> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "clusterc-base-"));
  try {
    const blobs = repo.readBlobs(entries.map((e) => e.oid));
    for (const entry of entries) {
      mkdirSync(path.dirname(path.join(dir, entry.path)), { recursive: true });
      writeFileSync(path.join(dir, entry.path), blobs.get(entry.oid)!);
    }
    const result = await compile(dir);
    return hasErrors(result.diagnostics) ? undefined : result.files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readFiles(repo: GitRepository, files: readonly string[], oids: ReadonlyMap<string, string>): Map<string, string> {
  const blobs = repo.readBlobs(files.map((f) => oids.get(f)!));
  return new Map(files.map((f) => [f, blobs.get(oids.get(f)!)!.toString("utf8")]));
}
