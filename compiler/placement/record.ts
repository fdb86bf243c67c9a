import { createHash } from "node:crypto";
import { z } from "zod";
import type { Finding, Origin } from "../diagnostics.js";
import { loadStateFile, type StateFile } from "../fleet/state-file.js";
import { API_VERSION, dnsLabel } from "../schema/common.js";
import { compareText } from "../text-order.js";
import { RENDERED_DIR, type SourceFile } from "../source/load.js";
import type { ParseCache } from "../source/parse-cache.js";

/** Name of the state file under rendered/: every hostPath directory handed to a claim. */
export const PLACEMENTS_NAME = "hostpath-placements.yaml";
/** The state file, relative to the project root, as diagnostics name it. */
export const PLACEMENTS_FILE = `${RENDERED_DIR}/${PLACEMENTS_NAME}`;
/** Rule ID of a state file that cannot be read; the fix is always to get back a file clusterc wrote. */
export const PLACEMENTS_RULE = "hostpath-placements-restore";

/**
 * `Directory`: kubelet refuses to start the pod while the directory is missing (an unmounted disk),
 * instead of creating an empty one on the node's root filesystem. Volumes placed before clusterc
 * made that choice keep `DirectoryOrCreate`, the state file's default for entries without a type.
 */
export const HOSTPATH_TYPES = ["Directory", "DirectoryOrCreate"] as const;
/** The type of every volume placed from now on. */
export const NEW_HOSTPATH_TYPE = "Directory";

const claim = z.strictObject({
  namespace: dnsLabel.describe("Namespace of the PersistentVolumeClaim"),
  name: z.string().min(1).max(253).describe("Name of the PersistentVolumeClaim"),
});
export type Claim = z.output<typeof claim>;

const placement = z.strictObject({
  pool: dnsLabel.describe("HostPathPool that lists the directory"),
  node: z.string().min(1).max(253).describe("Node of the directory"),
  path: z.string().min(1).describe("The directory on the node"),
  claim: claim.describe("The claim the directory's volume is pre-bound to"),
  cluster: dnsLabel.describe("Cluster whose replica the claim belongs to"),
  component: z.string().min(1).describe("Component of that cluster"),
  state: z.enum(["bound", "released"])
    .describe("bound: a current replica claims it; released: its cluster was removed or its component scaled down"),
  hostPathType: z.enum(HOSTPATH_TYPES).default("DirectoryOrCreate")
    .describe("The hostPath type of its PersistentVolume, fixed when it was placed: a volume's source cannot change once created"),
});
/** One directory handed to a claim, as the state file records it. */
export type PlacementEntry = z.output<typeof placement>;

const placementsDocument = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("HostPathPlacements"),
    digest: z.string().optional()
      .describe("Digest of the entries as render wrote them, so a hand edit is told apart from a change of the pools; absent in files of earlier versions"),
    placements: z.array(placement).describe("Sorted by pool, node and path"),
  })
  .superRefine((document, ctx) => {
    if (document.digest !== undefined && document.digest !== placementsDigest(document.placements)) {
      ctx.addIssue({ code: "custom", path: ["digest"],
        message: "was edited by hand: its entries are not the ones the last render wrote (their digest differs). It records which directory holds whose data, so an edit can hand one claim's data to another; to free a directory, run `clusterc release --pool POOL --node NODE --path DIR` instead" });
    }
    const directories = new Map<string, PlacementEntry>();
    const claims = new Map<string, PlacementEntry>();
    document.placements.forEach((entry, i) => {
      const directory = `${entry.pool}/${entry.node}:${entry.path}`;
      const claimKey = `${entry.claim.namespace}/${entry.claim.name}`;
      const holder = directories.get(directory);
      if (holder) {
        ctx.addIssue({ code: "custom", path: ["placements", i],
          message: `directory ${entry.path} on node ${entry.node} of pool ${entry.pool} is held by two claims (${claimOf(holder)} and ${claimKey}), as when two renders are merged` });
      }
      if (claims.has(claimKey)) {
        ctx.addIssue({ code: "custom", path: ["placements", i], message: `claim ${claimKey} is listed twice` });
      }
      directories.set(directory, entry);
      claims.set(claimKey, entry);
    });
  });

/** The ordinal of a StatefulSet pod's claim: Kubernetes names it `<template>-<statefulset>-<ordinal>`. */
export function claimOrdinal(claim: Claim): number {
  return Number(/-(\d+)$/.exec(claim.name)?.[1] ?? -1);
}

function claimOf(entry: PlacementEntry): string {
  return `${entry.claim.namespace}/${entry.claim.name}`;
}

/** A placement read back from the state file, with the entry it came from. */
export interface PlacementRecord extends PlacementEntry {
  origin: Origin;
}

export interface LoadedPlacements {
  /** The parsed state file, so findings can point into it; empty before the first render. */
  files: Map<string, SourceFile>;
  /** Empty when the file is absent or unreadable (then `findings` says why). */
  placements: PlacementRecord[];
  findings: Finding[];
}

const PLACEMENTS_STATE: StateFile<z.output<typeof placementsDocument>> = {
  file: PLACEMENTS_FILE, kind: "HostPathPlacements", schema: placementsDocument, rule: PLACEMENTS_RULE,
};

/** Reads the placements of the last render; no file is a first render. */
export function loadPlacements(root: string, cache?: ParseCache): LoadedPlacements {
  const { files, document, findings } = loadStateFile(root, PLACEMENTS_STATE, cache);
  const placements = document?.value.placements.map((entry, i) => ({ ...entry, origin: { file: PLACEMENTS_FILE, doc: document.index, path: ["placements", i] } }));
  return { files, placements: placements ?? [], findings };
}

/** The digest the state file carries of its entries: sha256 of their recorded fields, in recorded order. */
export function placementsDigest(placements: readonly PlacementEntry[]): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(recordedPlacements(placements))).digest("hex")}`;
}

/** What the state file records of each placement, sorted by directory. */
export function recordedPlacements(placements: readonly PlacementEntry[]): PlacementEntry[] {
  // placements carry more than the file records: copy out the recorded fields
  return [...placements]
    .sort((a, b) => compareText(a.pool, b.pool) || compareText(a.node, b.node) || compareText(a.path, b.path))
    .map(({ pool, node, path: directory, claim: { namespace, name }, cluster, component, state, hostPathType }) =>
      ({ pool, node, path: directory, claim: { namespace, name }, cluster, component, state, hostPathType }));
}
