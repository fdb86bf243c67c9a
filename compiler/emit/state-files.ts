import { CLUSTER_STATE_NAME, type ClusterStateEntry } from "../fleet/cluster-state.js";
import { API_VERSION } from "../schema/common.js";
import { PLACEMENTS_NAME, type PlacementEntry } from "../placement/record.js";
import { toCanonicalYaml } from "./serialize.js";

/**
 * The state file of `recordedPlacements`, keyed by its path under rendered/, as canonical YAML; no
 * file when no directory is held, so fleets without hostPath volumes do not get one.
 */
export function layoutPlacements(placements: readonly PlacementEntry[]): Map<string, string> {
  if (placements.length === 0) return new Map();
  const header =
    "# Every hostPath directory clusterc handed to a claim. Written by `clusterc render`, read back by the next\n" +
    "# render so placed volumes never move. Free a released directory with `clusterc release`, never by editing.\n";
  return new Map([[PLACEMENTS_NAME, header + toCanonicalYaml({ apiVersion: API_VERSION, kind: "HostPathPlacements", placements })]]);
}

/** The cluster state file, keyed by its path under rendered/; no file without clusters. */
export function layoutClusterStates(clusters: readonly ClusterStateEntry[]): Map<string, string> {
  if (clusters.length === 0) return new Map();
  const header =
    "# What earlier renders made of each cluster: the members each bootstrapped component started with (fixed\n" +
    "# at its first render) and the replicas last rendered. Written by `clusterc render`, never by hand.\n";
  return new Map([[CLUSTER_STATE_NAME, header + toCanonicalYaml({ apiVersion: API_VERSION, kind: "ClusterState", clusters })]]);
}
