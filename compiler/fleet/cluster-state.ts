import { z } from "zod";
import type { Finding } from "../diagnostics.js";
import { API_VERSION, dnsLabel } from "../schema/common.js";
import { RENDERED_DIR, type SourceFile } from "../source/load.js";
import type { ParseCache } from "../source/parse-cache.js";
import { compareText } from "../text-order.js";
import { loadStateFile, type StateFile } from "./state-file.js";

/** Name of the state file under rendered/ that remembers, per cluster, what its earlier renders made. */
export const CLUSTER_STATE_NAME = "cluster-state.yaml";
export const CLUSTER_STATE_FILE = `${RENDERED_DIR}/${CLUSTER_STATE_NAME}`;

const counts = z.record(z.string().min(1), z.number().int().min(0));

const entry = z.strictObject({
  cluster: dnsLabel.describe("The cluster"),
  bootstrap: counts.describe("Members each bootstrapped component started with: fixed at the cluster's first render"),
  replicas: counts.describe("Replicas of each component, as last rendered"),
});
/** What the state file records of one cluster. */
export type ClusterStateEntry = z.output<typeof entry>;

const stateDocument = z
  .strictObject({ apiVersion: z.literal(API_VERSION), kind: z.literal("ClusterState"), clusters: z.array(entry).describe("Sorted by cluster") })
  .superRefine((document, ctx) => {
    const seen = new Set<string>();
    document.clusters.forEach((e, i) => {
      if (seen.has(e.cluster)) ctx.addIssue({ code: "custom", path: ["clusters", i], message: `cluster ${e.cluster} is listed twice, as when two renders are merged` });
      seen.add(e.cluster);
    });
  });

const CLUSTER_STATE: StateFile<z.output<typeof stateDocument>> = {
  file: CLUSTER_STATE_FILE, kind: "ClusterState", schema: stateDocument, rule: "cluster-state-restore",
};

export interface LoadedClusterStates {
  files: Map<string, SourceFile>;
  /** By cluster; empty before the first render, or when the file cannot be read (then `findings` says why). */
  states: Map<string, ClusterStateEntry>;
  findings: Finding[];
}

export function loadClusterStates(root: string, cache?: ParseCache): LoadedClusterStates {
  const { files, document, findings } = loadStateFile(root, CLUSTER_STATE, cache);
  return { files, states: new Map(document?.value.clusters.map((e) => [e.cluster, e])), findings };
}

/**
 * The entry this render records: the replicas the spec asks for now, and for each bootstrapped
 * component the members it started with, which never change once recorded, so a scale-up changes
 * only `replicas` and no member's start-up flags.
 */
export function nextClusterState(cluster: string, replicas: Readonly<Record<string, number>>, bootstrapped: readonly string[], recorded?: ClusterStateEntry): ClusterStateEntry {
  const bootstrap = Object.fromEntries(bootstrapped.map((component) => [component, recorded?.bootstrap[component] ?? replicas[component] ?? 0]));
  return { cluster, bootstrap, replicas: { ...replicas } };
}

/** The entries sorted as the file lists them. */
export function recordedClusterStates(entries: readonly ClusterStateEntry[]): ClusterStateEntry[] {
  return [...entries].sort((a, b) => compareText(a.cluster, b.cluster));
}
