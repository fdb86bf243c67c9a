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
