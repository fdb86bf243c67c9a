import type { Finding } from "../diagnostics.js";
import type { SourceDocument } from "../source/document.js";
import { POLICY_CLUSTER_KINDS as CLUSTER_KINDS } from "../schema/policy.js";

/** What the documents with errors keep from being compiled. */
export interface Stopped {
  /**
   * Every cluster: an error in a policy or a pool (which any cluster may use), in a state file under
   * rendered/, or in a document whose kind cannot be read (it may be either).
   */
  all: boolean;
  /**
   * Clusters whose own spec document has errors. They are not compiled, and their hostPath
   * placements are held as recorded: neither released nor handed to another cluster.
   */
  clusters: ReadonlySet<string>;
}

/**
 * Attributes each error of the source, schema and fleet stages to the document it is in, so the
 * clusters whose own documents are valid still compile and every finding is reported at once. A
 * GitOps document with errors stops no cluster: only the Argo CD and Flux objects depend on it,
 * and they are compiled only in a run without errors.
 */
export function stoppedBy(errors: readonly Finding[], documents: readonly SourceDocument[]): Stopped {
  const byOrigin = new Map(documents.map((d) => [`${d.file}\0${d.index}`, d]));
  const clusters = new Set<string>();
  for (const { origin } of errors) {
    const document = byOrigin.get(`${origin.file}\0${origin.doc}`);
    const { kind, name } = document ? identityOf(document) : {};
    if (kind === "GitOps") continue;
    if (typeof kind !== "string" || !(CLUSTER_KINDS as readonly string[]).includes(kind) || typeof name !== "string") return { all: true, clusters: new Set() };
    clusters.add(name);
  }
  return { all: false, clusters };
}

/** The kind and name a document says it has, from what schema/ made of it, its value, or what the parser salvaged. */
function identityOf(document: SourceDocument): { kind?: unknown; name?: unknown } {
  const value = document.checked ?? document.value;
  if (value === undefined) return document.header ?? {};
  const record = (v: unknown) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {});
  return { kind: record(value).kind, name: record(record(value).metadata).name };
}
