import path from "node:path";
import { error, type Finding, type Origin } from "../diagnostics.js";
import type { ValidDocument } from "../schema/index.js";
import type { GitOpsSpec } from "../schema/gitops.js";
import type { HostPathPoolDocument } from "../schema/hostpathpool.js";
import type { PolicyDocument } from "../schema/policy.js";
import type { TiDBClusterDocument } from "../schema/tidb.js";
import type { MySQLClusterDocument } from "../schema/mysql.js";
import type { VitessClusterDocument } from "../schema/vitess.js";
import type { AntDBClusterDocument } from "../schema/antdb.js";
import { compareText } from "../text-order.js";
import { clusterPolicy, policyDefaultFindings, type ClusterPolicy, type ComponentResourceDefaults, type Policy } from "./policy.js";

/** Every cluster document kind; engines register under these. */
export type ClusterDocument =
  | TiDBClusterDocument
  | MySQLClusterDocument
  | VitessClusterDocument
  | AntDBClusterDocument;

/** One database cluster, ready for its engine. */
export interface Cluster<D extends ClusterDocument = ClusterDocument> {
  kind: D["kind"];
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  spec: D["spec"];
  /** The policies that select the cluster, layered over the engine's built-in defaults and under the spec. */
  policy: ClusterPolicy;
  /** Where the document starts; engines extend `path` to point at fields. */
  origin: Origin;
  /** Directory under rendered/ that holds the cluster's objects, e.g. "prod/orders". */
  outputDir: string;
}

export interface PoolDirectory {
  path: string;
  capacity: string;
  origin: Origin;
}

export interface PoolNode {
  name: string;
  zone?: string;
  directories: PoolDirectory[];
}

export interface HostPathPool {
  name: string;
  nodes: PoolNode[];
  origin: Origin;
}

/** Where Argo CD and Flux find rendered/: the repository's one GitOps document. */
export interface GitOpsTarget {
  name: string;
  spec: GitOpsSpec;
  origin: Origin;
}

export interface Fleet {
  /** Sorted by name, so every later stage sees the same order whatever the file order. */
  clusters: Cluster[];
  pools: ReadonlyMap<string, HostPathPool>;
  /** Absent without a GitOps document: then nothing is rendered for Argo CD or Flux. */
  gitops?: GitOpsTarget;
  /** In file-name order, the order they layer in. */
  policies: Policy[];
}

/** What the fleet needs to know of the engines: the components whose resources policies may default. */
export type ComponentsOf = (kind: string) => readonly ComponentResourceDefaults[];

/** Top-level folders of rendered/ that belong to the GitOps objects, not to a cluster. */
export const RESERVED_OUTPUT_DIRS = ["argocd", "flux"] as const;

/** The folder under rendered/ of cluster `name` whose spec is `specFile` (from the project root): the spec's folder under clusters/, then the name. */
export function outputDirOf(specFile: string, name: string): string {
  return path.posix.join(path.posix.dirname(path.posix.relative("clusters", specFile)), name);
}

/** The folders a file under rendered/ is in, the deepest first: `a/b/c.yaml` is in `a/b` and `a`. */
export function foldersOf(file: string): string[] {
  const parts = file.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, parts.length - 1 - i).join("/"));
}

/** Builds the fleet model and reports what only shows across documents: duplicate names, clashing output paths. */
export function buildFleet(documents: readonly ValidDocument[], componentsOf: ComponentsOf): { fleet: Fleet; findings: Finding[] } {
  const findings: Finding[] = [];
  const clusterDocuments = new Map<string, { document: ClusterDocument; origin: Origin; outputDir: string }>();
  const pools = new Map<string, HostPathPool>();
  const policies = new Map<string, Policy>();
  let gitops: GitOpsTarget | undefined;
  for (const { document, source } of documents) {
    const origin: Origin = { file: source.file, doc: source.index, path: [] };
    const nameOrigin = { ...origin, path: ["metadata", "name"] };
    const misplaced = misplacedFinding(document.kind, origin);
    if (misplaced) {
      findings.push(misplaced);
      continue;
    }
    if (document.kind === "HostPathPool") {
      const first = pools.get(document.metadata.name);
      if (first) findings.push(duplicate(nameOrigin, "HostPathPool", document.metadata.name, first.origin));
      else pools.set(document.metadata.name, toPool(document, origin));
      continue;
    }
    if (document.kind === "Policy") {
      const first = policies.get(document.metadata.name);
      if (first) findings.push(duplicate(nameOrigin, "Policy", document.metadata.name, first.origin));
      else policies.set(document.metadata.name, toPolicy(document, origin));
      continue;
    }
    if (document.kind === "GitOps") {
      if (gitops) {
        const finding = error({ ...origin, path: ["kind"] }, "gitops-duplicate",
          `a second GitOps document ("${document.metadata.name}"): a repository has one, and "${gitops.name}" in ${gitops.origin.file} already says where Argo CD and Flux find rendered/. Merge them into one document`);
        findings.push({ ...finding, related: [{ origin: { ...gitops.origin, path: ["kind"] }, message: `the first GitOps document, "${gitops.name}"` }] });
      } else {
        gitops = { name: document.metadata.name, spec: document.spec, origin };
      }
      continue;
    }
    const first = clusterDocuments.get(document.metadata.name);
    if (first) {
      findings.push(duplicate(nameOrigin, "cluster", document.metadata.name, first.origin));
      continue;
    }
    const outputDir = outputDirOf(source.file, document.metadata.name);
    if ((RESERVED_OUTPUT_DIRS as readonly string[]).includes(outputDir)) {
      findings.push(error(nameOrigin, "output-path-reserved", `a cluster at the top of clusters/ cannot be named "${outputDir}": rendered/${outputDir}/ holds the GitOps objects; rename it or move the file into a subfolder`));
      continue;
    }
    clusterDocuments.set(document.metadata.name, { document, origin, outputDir });
  }
  const orderedPolicies = [...policies.values()];
  for (const policy of orderedPolicies) findings.push(...policyDefaultFindings(policy, componentsOf));
  const clusters = [...clusterDocuments.values()]
    .map(({ document, origin, outputDir }): Cluster => {
      const labels = document.metadata.labels ?? {};
      let policy: ClusterPolicy | undefined;
      return {
        kind: document.kind,
        name: document.metadata.name,
        namespace: document.metadata.namespace ?? document.metadata.name,
        labels,
        spec: document.spec,
        // Layered on first use: a run that reuses the cached output of most clusters never asks.
        get policy() {
          return (policy ??= clusterPolicy(document.kind, document.metadata.name, labels, document.spec, origin, componentsOf(document.kind), orderedPolicies));
        },
        origin,
        outputDir,
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
  return { fleet: { clusters, pools, policies: orderedPolicies, ...(gitops && { gitops }) }, findings };
}

/** Policies live in policies/, everything else in clusters/: a document in the other folder is a mistake. */
function misplacedFinding(kind: string, origin: Origin): Finding | undefined {
  const folder = origin.file.split("/")[0];
  const expected = kind === "Policy" ? "policies" : "clusters";
  if (folder === expected) return undefined;
  return error({ ...origin, path: ["kind"] }, "source-folder", `a ${kind} document belongs in ${expected}/, not ${folder}/; move it`);
}

function toPolicy(document: PolicyDocument, origin: Origin): Policy {
  return { name: document.metadata.name, spec: document.spec, origin };
}

function duplicate(at: Origin, what: string, name: string, first: Origin): Finding {
  const finding = error(at, "duplicate-name", `${what} "${name}" is already defined in ${first.file}; names must be unique across the repository, rename one`);
  return { ...finding, related: [{ origin: { ...first, path: ["metadata", "name"] }, message: `${what} "${name}" is first defined here` }] };
}

function toPool(document: HostPathPoolDocument, origin: Origin): HostPathPool {
  return {
    name: document.metadata.name,
    origin,
    nodes: document.spec.nodes.map((node, n) => ({
      name: node.name,
      ...(node.zone !== undefined && { zone: node.zone }),
      directories: node.directories.map((dir, d) => ({
        path: dir.path,
        capacity: dir.capacity,
        origin: { ...origin, path: ["spec", "nodes", n, "directories", d] },
      })),
    })),
  };
}
