import { CLUSTER_STATE_NAME, type ClusterStateEntry } from "../fleet/cluster-state.js";
import { API_VERSION } from "../schema/common.js";
import { PLACEMENTS_NAME, placementsDigest, type PlacementEntry } from "../placement/record.js";
import { toCanonicalYaml } from "../canonical-yaml.js";

/** A state file keyed by its path under rendered/, as canonical YAML after its comment; no file without entries. */
function stateFile(name: string, comment: string, kind: string, field: string, entries: readonly unknown[], extra: Record<string, string> = {}): Map<string, string> {
  if (entries.length === 0) return new Map();
  return new Map([[name, comment + toCanonicalYaml({ apiVersion: API_VERSION, kind, ...extra, [field]: entries })]]);
}

/** The state file of `recordedPlacements`; none when no directory is held, so fleets without hostPath volumes do not get one. */
export function layoutPlacements(placements: readonly PlacementEntry[]): Map<string, string> {
  return stateFile(PLACEMENTS_NAME,
    "# Every hostPath directory clusterc handed to a claim. Written by `clusterc render`, read back by the next\n" +
    "# render so placed volumes never move. Free a released directory with `clusterc release`, never by editing.\n",
    "HostPathPlacements", "placements", placements, { digest: placementsDigest(placements) });
}

/** The cluster state file of `recordedClusterStates`; none without clusters. */
export function layoutClusterStates(clusters: readonly ClusterStateEntry[]): Map<string, string> {
  return stateFile(CLUSTER_STATE_NAME,
    "# What earlier renders made of each cluster: the members each bootstrapped component started with (fixed\n" +
    "# at its first render) and the replicas last rendered. Written by `clusterc render`, never by hand.\n",
    "ClusterState", "clusters", clusters);
}
