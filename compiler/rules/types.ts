import type { Finding, Severity } from "../diagnostics.js";
import type { ClusterBuild } from "../engines/types.js";
import type { Fleet } from "../fleet/fleet.js";
import type { ClusterStateEntry } from "../fleet/cluster-state.js";
import type { HostPathPlan } from "../placement/plan.js";

export interface RuleContext {
  fleet: Fleet;
  hostPaths: HostPathPlan;
  /** What the last render recorded of each cluster (rendered/cluster-state.yaml), by name. */
  clusterStates: ReadonlyMap<string, ClusterStateEntry>;
}

/**
 * One rule of SPEC section 3. A transformer returns changed builds (copies: the input is never
 * mutated); a check returns the builds it was given. Every finding it reports carries its `id`.
 */
export interface Rule {
  id: string;
  description: string;
  /** The severity of its findings unless one says otherwise; "none" for a transformer that reports nothing. */
  level: Severity | "none";
  /** What a finding asks of the user, in general; a transformer that reports nothing has nothing to fix. */
  fix?: string;
  run(builds: readonly ClusterBuild[], context: RuleContext): { builds: readonly ClusterBuild[]; findings: Finding[] };
}
